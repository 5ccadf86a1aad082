"""the role an appointment was booked in, kept as it was then

The admins' statistics and exports say who booked each visit: the patient, the front desk or
an admin. That is the booker's role at the time of booking; read from the booker's account,
it would change when their role does. Rows from before are filled in from what is known now.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "appointments",
        sa.Column(
            "booked_as", sa.String(length=16), server_default=sa.text("'patient'"), nullable=False
        ),
    )
    op.execute(
        """
        UPDATE appointments AS a SET booked_as = u.role
        FROM users AS u
        WHERE u.id = a.booked_by AND a.booked_by <> a.patient_id
        """
    )
    op.create_check_constraint(
        op.f("ck_appointments_booked_as_known"),
        "appointments",
        "booked_as IN ('patient', 'doctor', 'staff', 'admin')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_appointments_booked_as_known"), "appointments", type_="check")
    op.drop_column("appointments", "booked_as")
