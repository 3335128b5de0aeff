"""Behaviour data for the recommender: product views, cart additions and purchases.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

A frozen snapshot like 0001: it does not import ``storage.schema``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.String(length=255), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        # VARCHAR(20) without native enum type or CHECK constraint, as in 0001.
        sa.Column(
            "kind",
            sa.Enum(
                "view", "cart", "purchase", name="interaction_kind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_interactions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_interactions_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_interactions_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
    )
    for column in ("customer_id", "session_id", "product_id", "occurred_at"):
        op.create_index(op.f(f"ix_interactions_{column}"), "interactions", [column], unique=False)


def downgrade() -> None:
    op.drop_table("interactions")
