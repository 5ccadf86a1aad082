"""the front desk: patients the clinic registers, visits it books, cancels and moves

- ``users.email`` may be NULL: a patient the clinic registered without an email (phone only).
  Such a patient (and any the clinic registered) has no password until they claim the account
  from Telegram. ``users.phone`` is indexed: the front desk finds patients by it, and claiming
  looks it up.
- ``appointments.booked_by``: who booked the visit (someone other than the patient: the clinic
  booked it for them). Older rows keep NULL: the patient booked them.
- ``appointments.change_reason`` / ``change_note``: why the clinic made the latest cancellation
  or move, one of a short list or typed (never both).
- ``appointments.rebooked_as``: the visit a patient booked from the free times a cancellation
  notice offered them, so one notice's offer is taken once.
- ``deliveries.kind`` gains ``clinic_booked``: the patient's chat notice that the clinic booked
  a visit for them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = (
    "'reminder', 'booked', 'rescheduled', 'cancelled', 'doctor_booked', 'doctor_cancelled', "
    "'doctor_rescheduled', 'clinic_cancelled', 'clinic_rescheduled', 'agenda'"
)
KINDS = f"{KINDS_BEFORE}, 'clinic_booked'"
REASONS = "'doctor_unavailable', 'patient_request', 'clinic_schedule', 'emergency'"


def upgrade() -> None:
    op.alter_column("users", "email", existing_type=sa.String(length=254), nullable=True)
    op.create_index(op.f("ix_users_phone"), "users", ["phone"], unique=False)

    op.add_column("appointments", sa.Column("booked_by", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_appointments_booked_by_users"),
        "appointments",
        "users",
        ["booked_by"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.add_column("appointments", sa.Column("change_reason", sa.String(length=24), nullable=True))
    op.add_column("appointments", sa.Column("change_note", sa.String(length=200), nullable=True))
    op.create_check_constraint(
        op.f("ck_appointments_change_reason_known"),
        "appointments",
        f"change_reason IS NULL OR change_reason IN ({REASONS})",
    )
    op.create_check_constraint(
        op.f("ck_appointments_change_reason_or_note"),
        "appointments",
        "change_reason IS NULL OR change_note IS NULL",
    )
    op.add_column("appointments", sa.Column("rebooked_as", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_appointments_rebooked_as_appointments"),
        "appointments",
        "appointments",
        ["rebooked_as"],
        ["id"],
    )

    op.drop_constraint(op.f("ck_deliveries_kind_known"), "deliveries", type_="check")
    op.create_check_constraint(
        op.f("ck_deliveries_kind_known"), "deliveries", f"kind IN ({KINDS})"
    )


def downgrade() -> None:
    # The older schema has no such notice: unsent ones go, sent ones are forgotten.
    op.execute("DELETE FROM deliveries WHERE kind = 'clinic_booked'")
    op.drop_constraint(op.f("ck_deliveries_kind_known"), "deliveries", type_="check")
    op.create_check_constraint(
        op.f("ck_deliveries_kind_known"), "deliveries", f"kind IN ({KINDS_BEFORE})"
    )

    op.drop_constraint(
        op.f("fk_appointments_rebooked_as_appointments"), "appointments", type_="foreignkey"
    )
    op.drop_column("appointments", "rebooked_as")
    op.drop_constraint(
        op.f("ck_appointments_change_reason_or_note"), "appointments", type_="check"
    )
    op.drop_constraint(op.f("ck_appointments_change_reason_known"), "appointments", type_="check")
    op.drop_column("appointments", "change_note")
    op.drop_column("appointments", "change_reason")
    op.drop_constraint(op.f("fk_appointments_booked_by_users"), "appointments", type_="foreignkey")
    op.drop_column("appointments", "booked_by")

    op.drop_index(op.f("ix_users_phone"), table_name="users")
    # Every account had an email before: a patient registered without one gets an address
    # that can never receive mail (the reserved .invalid domain), so they keep their visits.
    op.execute(
        "UPDATE users SET email = 'patient-' || id || '@no-email.invalid' WHERE email IS NULL"
    )
    op.alter_column("users", "email", existing_type=sa.String(length=254), nullable=False)
