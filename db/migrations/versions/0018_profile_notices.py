"""a chat notice to a doctor whose details an admin changed

``deliveries`` gains the kind ``profile_changed``, tied to no appointment: what the doctor's
details are now is read when it is sent. Down again, those notices are dropped.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = (
    "'reminder', 'booked', 'rescheduled', 'cancelled', 'doctor_booked', 'doctor_cancelled', "
    "'doctor_rescheduled', 'clinic_cancelled', 'clinic_rescheduled', 'clinic_booked', 'agenda', "
    "'email_claimed', 'slot_offer'"
)
KINDS = f"{KINDS_BEFORE}, 'profile_changed'"
UNTIED_BEFORE = "'agenda', 'email_claimed', 'slot_offer'"
UNTIED = f"{UNTIED_BEFORE}, 'profile_changed'"


def _deliveries_constraints(kinds: str, untied: str) -> None:
    for name in ("kind_known", "appointment_unless_agenda"):
        op.drop_constraint(op.f(f"ck_deliveries_{name}"), "deliveries", type_="check")
    op.create_check_constraint(
        op.f("ck_deliveries_kind_known"), "deliveries", f"kind IN ({kinds})"
    )
    op.create_check_constraint(
        op.f("ck_deliveries_appointment_unless_agenda"),
        "deliveries",
        f"(kind IN ({untied})) = (appointment_id IS NULL) "
        "AND (appointment_id IS NULL) = (appointment_version IS NULL)",
    )


def upgrade() -> None:
    _deliveries_constraints(KINDS, UNTIED)


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind = 'profile_changed'")
    _deliveries_constraints(KINDS_BEFORE, UNTIED_BEFORE)
