"""Support flows: order cancellations, handoffs to human agents, satisfaction ratings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

A frozen snapshot like 0001: it does not import ``storage.schema``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OPEN = sa.text("status = 'open'")


def _status(name: str, enum_name: str, *values: str) -> sa.Column:
    # VARCHAR(20) without native enum type or CHECK constraint, as in 0001.
    return sa.Column(
        name, sa.Enum(*values, name=enum_name, native_enum=False, length=20), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "order_cancellations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_cancellations_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_cancellations")),
        sa.UniqueConstraint("order_id", name=op.f("uq_order_cancellations_order_id")),
    )

    op.create_table(
        "handoff_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        _status(
            "reason",
            "handoff_reason",
            "requested",
            "repeated_fallback",
            "complaint",
            "verification_failed",
        ),
        _status("status", "handoff_status", "open", "resolved"),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_requests")),
    )
    op.create_index(
        op.f("ix_handoff_requests_sender_id"), "handoff_requests", ["sender_id"], unique=False
    )
    op.create_index(
        "uq_handoff_requests_open_sender_id",
        "handoff_requests",
        ["sender_id"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )

    op.create_table(
        "satisfaction_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=50), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_ratings")),
    )
    for column in ("flow", "sender_id"):
        op.create_index(
            op.f(f"ix_satisfaction_ratings_{column}"),
            "satisfaction_ratings",
            [column],
            unique=False,
        )


def downgrade() -> None:
    for table in ("satisfaction_ratings", "handoff_requests", "order_cancellations"):
        op.drop_table(table)
