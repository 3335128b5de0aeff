"""Customer profiles: conversations linked to customers, stated preferences, sentiment.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

A frozen snapshot like 0001: it does not import ``storage.schema``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=True),
        sa.Column(
            "linked_by",
            sa.Enum(
                "verification", "identity_token", name="link_method", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_conversations_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_conversations")),
        sa.UniqueConstraint(
            "sender_id", "customer_id", name=op.f("uq_customer_conversations_sender_id")
        ),
    )
    for column in ("customer_id", "sender_id"):
        op.create_index(
            op.f(f"ix_customer_conversations_{column}"), "customer_conversations", [column]
        )
    op.create_table(
        "customer_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "size",
                "color",
                "brand",
                "budget",
                name="preference_kind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("value", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=255), nullable=True),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("stated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_preferences_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_preferences")),
    )
    for column in ("customer_id", "stated_at"):
        op.create_index(op.f(f"ix_customer_preferences_{column}"), "customer_preferences", [column])
    op.create_table(
        "conversation_sentiment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("measured_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_sentiment")),
    )
    for column in ("sender_id", "measured_at"):
        op.create_index(
            op.f(f"ix_conversation_sentiment_{column}"), "conversation_sentiment", [column]
        )


def downgrade() -> None:
    op.drop_table("conversation_sentiment")
    op.drop_table("customer_preferences")
    op.drop_table("customer_conversations")
