"""the newest update whose change a chat's row stores

Telegram sends again the updates a bot process fetched but did not acknowledge before it died;
an update whose change was already stored is then not handled twice.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("chats", sa.Column("last_update_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("chats", "last_update_id")
