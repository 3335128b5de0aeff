"""Support console: a trigram index for full-text search over the indexed messages.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

On PostgreSQL the inbox's search (``text ILIKE '%words%'``) can then read a GIN index of
``pg_trgm`` trigrams instead of every message; the extension is created when missing (it is a
trusted extension: the database owner may create it). SQLite gets a plain index, as the ORM
declares one for both.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_console_messages_text_trgm",
        "console_messages",
        ["text"],
        postgresql_using="gin",
        postgresql_ops={"text": "gin_trgm_ops"},
    )


def downgrade() -> None:
    # The pg_trgm extension stays: other objects of the database may use it.
    op.drop_index("ix_console_messages_text_trgm", table_name="console_messages")
