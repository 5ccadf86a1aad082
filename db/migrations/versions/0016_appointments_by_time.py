"""an index of every appointment by its start, for the admins' statistics and exports

The weekly chart and a month's export read every appointment in a span of time, whatever its
status; the other indexes of appointments lead with the doctor or the patient, or hold only
booked (or not cancelled) ones, so both read the whole table at a clinic's size.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 12:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_appointments_start", "appointments", ["starts_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_appointments_start", table_name="appointments")
