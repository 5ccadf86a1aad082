"""one row per chat for its conversation, read with the session in one statement

Conversations were kept by the Telegram library's persistence in two tables, loaded whole into
memory at start and flushed on a timer after each reply. They now live in ``chats``: a chat's
open conversation (a named state and a draft) is read with its session at the start of every
update and written before the reply is sent.

Conversations in progress are carried over: each old numbered state becomes its named state
and each old draft its new shape, so a conversation open during the upgrade resumes at the
same step. A doctor's invite token, which the old draft kept in clear, is kept only as its
hash. A guest's chosen language moves to the chat.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("conversation", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=48), nullable=True),
        sa.Column("draft", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("flow", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(conversation IS NULL) = (state IS NULL)",
            name=op.f("ck_chats_conversation_has_state"),
        ),
        sa.CheckConstraint(
            "language IS NULL OR language IN ('en', 'es')", name=op.f("ck_chats_language_known")
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chats")),
    )


def downgrade() -> None:
    op.drop_table("chats")
