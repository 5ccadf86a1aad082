"""waitlists: patients waiting for a time to free up, and the offers sent them

``waitlist_entries``: a patient waiting for a time with one doctor, or any doctor of a
specialty, within a span; or (``appointment_id``) for a time earlier than one of their
appointments. ``deliveries`` gains the kind ``slot_offer``, a chat message offering one freed
time to one entry (its entry, doctor and time on the row; one pending offer per entry, doctor
and time).

Downgrading drops the waitlists and their offers.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = (
    "'reminder', 'booked', 'rescheduled', 'cancelled', 'doctor_booked', 'doctor_cancelled', "
    "'doctor_rescheduled', 'clinic_cancelled', 'clinic_rescheduled', 'clinic_booked', 'agenda', "
    "'email_claimed'"
)
KINDS = f"{KINDS_BEFORE}, 'slot_offer'"
OFFER = "kind = 'slot_offer' AND status = 'pending'"
WAITING = "status = 'waiting'"


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
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("doctor_id", sa.Integer(), nullable=True),
        sa.Column("specialty_id", sa.Integer(), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("from_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(doctor_id IS NULL) <> (specialty_id IS NULL)",
            name=op.f("ck_waitlist_entries_one_target"),
        ),
        sa.CheckConstraint(
            "appointment_id IS NULL OR doctor_id IS NOT NULL",
            name=op.f("ck_waitlist_entries_earlier_with_its_doctor"),
        ),
        sa.CheckConstraint("from_at < until_at", name=op.f("ck_waitlist_entries_range_valid")),
        sa.CheckConstraint(
            "status IN ('waiting', 'left', 'booked')",
            name=op.f("ck_waitlist_entries_status_known"),
        ),
        sa.CheckConstraint(
            "(status = 'waiting') = (ended_at IS NULL)",
            name=op.f("ck_waitlist_entries_ended_when_done"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["users.id"],
            name=op.f("fk_waitlist_entries_patient_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctors.user_id"],
            name=op.f("fk_waitlist_entries_doctor_id_doctors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["specialty_id"],
            ["specialties.id"],
            name=op.f("fk_waitlist_entries_specialty_id_specialties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_waitlist_entries_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    op.create_index(
        "uq_waitlist_entries_waiting",
        "waitlist_entries",
        [
            "patient_id",
            sa.text("coalesce(doctor_id, 0)"),
            sa.text("coalesce(specialty_id, 0)"),
            sa.text("coalesce(appointment_id, 0)"),
        ],
        unique=True,
        postgresql_where=sa.text(WAITING),
    )
    op.create_index(
        "ix_waitlist_entries_doctor_waiting",
        "waitlist_entries",
        ["doctor_id", "until_at"],
        postgresql_where=sa.text(WAITING),
    )
    op.create_index(
        "ix_waitlist_entries_specialty_waiting",
        "waitlist_entries",
        ["specialty_id", "until_at"],
        postgresql_where=sa.text(WAITING),
    )

    op.add_column("deliveries", sa.Column("waitlist_entry_id", sa.Integer(), nullable=True))
    op.add_column("deliveries", sa.Column("offer_doctor_id", sa.Integer(), nullable=True))
    op.add_column(
        "deliveries", sa.Column("offer_starts_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_foreign_key(
        op.f("fk_deliveries_waitlist_entry_id_waitlist_entries"),
        "deliveries",
        "waitlist_entries",
        ["waitlist_entry_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_foreign_key(
        op.f("fk_deliveries_offer_doctor_id_users"),
        "deliveries",
        "users",
        ["offer_doctor_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_check_constraint(
        op.f("ck_deliveries_offer_has_slot"),
        "deliveries",
        "(kind = 'slot_offer') = (waitlist_entry_id IS NOT NULL) "
        "AND (waitlist_entry_id IS NULL) = (offer_doctor_id IS NULL) "
        "AND (waitlist_entry_id IS NULL) = (offer_starts_at IS NULL)",
    )
    op.create_index(
        "uq_deliveries_offer",
        "deliveries",
        ["waitlist_entry_id", "offer_doctor_id", "offer_starts_at"],
        unique=True,
        postgresql_where=sa.text(OFFER),
    )
    _deliveries_constraints(KINDS, "'agenda', 'email_claimed', 'slot_offer'")


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind = 'slot_offer'")
    _deliveries_constraints(KINDS_BEFORE, "'agenda', 'email_claimed'")
    op.drop_index("uq_deliveries_offer", table_name="deliveries", postgresql_where=sa.text(OFFER))
    op.drop_constraint(op.f("ck_deliveries_offer_has_slot"), "deliveries", type_="check")
    op.drop_constraint(
        op.f("fk_deliveries_offer_doctor_id_users"), "deliveries", type_="foreignkey"
    )
    op.drop_constraint(
        op.f("fk_deliveries_waitlist_entry_id_waitlist_entries"), "deliveries", type_="foreignkey"
    )
    op.drop_column("deliveries", "offer_starts_at")
    op.drop_column("deliveries", "offer_doctor_id")
    op.drop_column("deliveries", "waitlist_entry_id")
    for name in (
        "ix_waitlist_entries_specialty_waiting",
        "ix_waitlist_entries_doctor_waiting",
        "uq_waitlist_entries_waiting",
    ):
        op.drop_index(name, table_name="waitlist_entries", postgresql_where=sa.text(WAITING))
    op.drop_table("waitlist_entries")
