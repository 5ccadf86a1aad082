"""a visit's reason, and the patient's "I'll come" and "I'm here"

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("appointments", sa.Column("reason", sa.String(length=200), nullable=True))
    op.add_column(
        "appointments", sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "appointments", sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_check_constraint(
        op.f("ck_appointments_reason_not_blank"),
        "appointments",
        "reason IS NULL OR btrim(reason) <> ''",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_appointments_reason_not_blank"), "appointments", type_="check")
    op.drop_column("appointments", "arrived_at")
    op.drop_column("appointments", "confirmed_at")
    op.drop_column("appointments", "reason")
