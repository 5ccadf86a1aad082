"""doctors an admin marks ready; the doctor form's conversation

A doctor is bookable once they have accepted their invite (their account has a password) or an
admin has marked them ready: ``doctors.marked_ready``. Doctors who have not accepted theirs
leave /book at this upgrade until they do, or an admin marks them ready (/doctors says why each
one is not listed).

/adddoctor and editing a doctor are one conversation, now stored as ``doctor``: an /adddoctor
left open carries over at the same step.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "doctors",
        sa.Column("marked_ready", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.execute("UPDATE chats SET conversation = 'doctor' WHERE conversation = 'adddoctor'")


def downgrade() -> None:
    # An open edit of a doctor has no place in the older version: it is closed.
    op.execute(
        "UPDATE chats SET conversation = NULL, state = NULL, draft = NULL, expires_at = NULL "
        "WHERE conversation = 'doctor' AND draft ->> 'mode' = 'edit'"
    )
    op.execute("UPDATE chats SET conversation = 'adddoctor' WHERE conversation = 'doctor'")
    op.drop_column("doctors", "marked_ready")
