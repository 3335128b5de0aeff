"""Support console: staff, sessions, login failures, audit log, and the console's index of the
conversation store (conversations, their intents, messages, tags, notes), canned replies and
training labels.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

A frozen snapshot like 0001: it does not import ``storage.schema``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLES = (
    "console_canned_replies",
    "console_conversation_intents",
    "console_index_position",
    "console_tags",
    "login_failures",
    "staff_members",
    "audit_log",
    "console_conversations",
    "console_labels",
    "console_messages",
    "console_notes",
    "staff_sessions",
)


def upgrade() -> None:
    op.create_table(
        "console_canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_canned_replies")),
        sa.UniqueConstraint("title", name=op.f("uq_console_canned_replies_title")),
    )
    op.create_table(
        "console_conversation_intents",
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("intent", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint(
            "sender_id", "intent", name=op.f("pk_console_conversation_intents")
        ),
    )
    with op.batch_alter_table("console_conversation_intents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_console_conversation_intents_intent"), ["intent"], unique=False
        )

    op.create_table(
        "console_index_position",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_console_index_position")),
    )
    op.create_table(
        "console_tags",
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("sender_id", "tag", name=op.f("pk_console_tags")),
    )
    with op.batch_alter_table("console_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_tags_tag"), ["tag"], unique=False)

    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failures_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_login_failures_failed_at"), ["failed_at"], unique=False
        )

    op.create_table(
        "staff_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum("admin", "agent", "annotator", name="staff_role", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_members")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_members_email")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_email", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_audit_log_staff_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "console_conversations",
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("has_fallback", sa.Boolean(), nullable=False),
        sa.Column("min_confidence", sa.Float(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("last_user_text", sa.Text(), nullable=True),
        sa.Column("assigned_staff_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_staff_id"],
            ["staff_members.id"],
            name=op.f("fk_console_conversations_assigned_staff_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("sender_id", name=op.f("pk_console_conversations")),
    )
    with op.batch_alter_table("console_conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_console_conversations_activity", ["last_activity_at", "sender_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_console_conversations_assigned_staff_id"),
            ["assigned_staff_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_console_conversations_channel"), ["channel"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_console_conversations_has_fallback"), ["has_fallback"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_console_conversations_min_confidence"), ["min_confidence"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_console_conversations_reviewed_at"), ["reviewed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_console_conversations_verified"), ["verified"], unique=False
        )

    op.create_table(
        "console_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=255), nullable=False),
        sa.Column("entities", sa.Text(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_console_labels_staff_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_labels")),
    )
    with op.batch_alter_table("console_labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_labels_event_id"), ["event_id"], unique=False)

    op.create_table(
        "console_messages",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=255), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("flagged_by", sa.Integer(), nullable=True),
        sa.Column("labelled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["flagged_by"],
            ["staff_members.id"],
            name=op.f("fk_console_messages_flagged_by_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_console_messages")),
    )
    with op.batch_alter_table("console_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_console_messages_sender_id"), ["sender_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_console_messages_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "console_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_console_notes_staff_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_notes")),
    )
    with op.batch_alter_table("console_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_notes_sender_id"), ["sender_id"], unique=False)

    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_staff_sessions_staff_id_staff_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
    )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sessions_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.drop_table(table)
