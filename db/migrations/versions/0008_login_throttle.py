"""index chat sessions by user and chat, for fair login throttling

A login attempt at an email is held back by everyone's recent failures there, except from a
chat that has held a session of that account (revoked and expired ones included), which only
its own failures hold back. That look-up reads chat_sessions by user and chat whatever the
session's state, which the partial live-session indexes do not cover. The same index also
serves deleting a user (sessions go with it).

Attempts themselves stay rows of login_failures: each is written before its password is
checked, under per-chat and per-email advisory locks, and removed when the password was right.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_chat_sessions_user_chat", "chat_sessions", ["user_id", "chat_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_chat_sessions_user_chat", table_name="chat_sessions")
