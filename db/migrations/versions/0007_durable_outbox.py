"""one outbox for every message that matters; claims owned by live workers

``deliveries`` carried patients' reminders and confirmation emails only. It now carries every
message the clinic sends on its own: each row has a recipient (any user) and a kind, so the
doctors' notices (new, cancelled, moved appointment), the patients' "the clinic cancelled /
moved" notices and the doctors' morning agendas (rows about a day, not an appointment) are
retried and reported like reminders. ``agendas_sent`` is folded in: each agenda already sent
becomes a sent agenda row, so no doctor gets a second one on the day of the upgrade.

Claims no longer expire after a fixed lease: a row is claimed by a worker (a bot process)
whose heartbeat is kept in ``delivery_workers``; the claims of a worker that stopped beating are
released when its row is removed (``ON DELETE SET NULL``). Rows leased by the old code when the
upgrade runs are released at once.

``uncertain`` marks a row whose earlier attempt may have arrived (the Bot API's answer was lost),
which is retried once only. The due scan's index leads with the channel: each channel's
pass reads its own pending rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = "'reminder', 'booked', 'rescheduled', 'cancelled'"
KINDS = (
    "'reminder', 'booked', 'rescheduled', 'cancelled', 'doctor_booked', 'doctor_cancelled', "
    "'doctor_rescheduled', 'clinic_cancelled', 'clinic_rescheduled', 'agenda'"
)
EMAIL_KINDS = KINDS_BEFORE
MOVE_KINDS = "'doctor_rescheduled', 'clinic_rescheduled'"


def upgrade() -> None:
    op.create_table(
        "delivery_workers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_workers")),
    )

    # Every row so far is about a patient's appointment: the patient is its recipient.
    op.add_column("deliveries", sa.Column("recipient_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE deliveries AS d SET recipient_id = a.patient_id "
        "FROM appointments AS a WHERE a.id = d.appointment_id"
    )
    op.alter_column("deliveries", "recipient_id", existing_type=sa.Integer(), nullable=False)
    op.create_foreign_key(
        op.f("fk_deliveries_recipient_id_users"),
        "deliveries",
        "users",
        ["recipient_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_index("ix_deliveries_recipient_id", "deliveries", ["recipient_id"], unique=False)

    op.add_column("deliveries", sa.Column("agenda_day", sa.Date(), nullable=True))
    op.add_column(
        "deliveries",
        sa.Column("previous_starts_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "deliveries",
        sa.Column("uncertain", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.alter_column("deliveries", "appointment_id", existing_type=sa.Integer(), nullable=True)
    op.alter_column("deliveries", "appointment_version", existing_type=sa.Integer(), nullable=True)
    op.alter_column(
        "deliveries",
        "kind",
        existing_type=sa.String(length=16),
        type_=sa.String(length=24),
        existing_nullable=False,
    )
    op.drop_constraint(op.f("ck_deliveries_kind_known"), "deliveries", type_="check")
    op.create_check_constraint(
        op.f("ck_deliveries_kind_known"), "deliveries", f"kind IN ({KINDS})"
    )
    op.create_check_constraint(
        op.f("ck_deliveries_email_kinds"),
        "deliveries",
        f"channel = 'telegram' OR kind IN ({EMAIL_KINDS})",
    )
    op.create_check_constraint(
        op.f("ck_deliveries_appointment_unless_agenda"),
        "deliveries",
        "(kind = 'agenda') = (appointment_id IS NULL) "
        "AND (appointment_id IS NULL) = (appointment_version IS NULL)",
    )
    op.create_check_constraint(
        op.f("ck_deliveries_agenda_has_day"),
        "deliveries",
        "(kind = 'agenda') = (agenda_day IS NOT NULL)",
    )
    op.create_check_constraint(
        op.f("ck_deliveries_move_has_previous_start"),
        "deliveries",
        f"(kind IN ({MOVE_KINDS})) = (previous_starts_at IS NOT NULL)",
    )
    op.create_index(
        "uq_deliveries_agenda",
        "deliveries",
        ["recipient_id", "agenda_day"],
        unique=True,
        postgresql_where=sa.text("kind = 'agenda'"),
    )

    # Claims: a live worker instead of a lease. Rows leased now are free again.
    op.drop_column("deliveries", "lease_until")
    op.add_column("deliveries", sa.Column("claimed_by", sa.String(length=32), nullable=True))
    op.create_foreign_key(
        op.f("fk_deliveries_claimed_by_delivery_workers"),
        "deliveries",
        "delivery_workers",
        ["claimed_by"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        "ix_deliveries_claimed_by",
        "deliveries",
        ["claimed_by"],
        unique=False,
        postgresql_where=sa.text("claimed_by IS NOT NULL"),
    )
    op.drop_index(
        "ix_deliveries_due",
        table_name="deliveries",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["channel", "next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )

    # Agendas already sent become sent agenda rows.
    op.execute(
        """
        INSERT INTO deliveries (recipient_id, kind, channel, agenda_day, due_at, status,
                                attempts, next_attempt_at, sent_at, created_at, updated_at)
        SELECT doctor_id, 'agenda', 'telegram', day, sent_at, 'sent', 1, sent_at, sent_at,
               sent_at, sent_at
        FROM agendas_sent
        """
    )
    op.drop_table("agendas_sent")


def downgrade() -> None:
    op.create_table(
        "agendas_sent",
        sa.Column("doctor_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctors.user_id"],
            name=op.f("fk_agendas_sent_doctor_id_doctors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("doctor_id", "day", name=op.f("pk_agendas_sent")),
    )
    # An agenda that was sent, or is still to send, counts as sent: the old code would not
    # retry it either.
    op.execute(
        """
        INSERT INTO agendas_sent (doctor_id, day, sent_at)
        SELECT recipient_id, agenda_day, coalesce(sent_at, created_at)
        FROM deliveries
        WHERE kind = 'agenda' AND status IN ('sent', 'pending')
          AND recipient_id IN (SELECT user_id FROM doctors)
        """
    )
    # The old schema has no place for notices or agendas.
    op.execute(
        "DELETE FROM deliveries "
        "WHERE kind NOT IN ('reminder', 'booked', 'rescheduled', 'cancelled')"
    )

    op.drop_index(
        "ix_deliveries_due",
        table_name="deliveries",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index(
        "ix_deliveries_claimed_by",
        table_name="deliveries",
        postgresql_where=sa.text("claimed_by IS NOT NULL"),
    )
    op.drop_constraint(
        op.f("fk_deliveries_claimed_by_delivery_workers"), "deliveries", type_="foreignkey"
    )
    op.drop_column("deliveries", "claimed_by")
    op.add_column(
        "deliveries",
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    )

    op.drop_index(
        "uq_deliveries_agenda",
        table_name="deliveries",
        postgresql_where=sa.text("kind = 'agenda'"),
    )
    for name in (
        "move_has_previous_start",
        "agenda_has_day",
        "appointment_unless_agenda",
        "email_kinds",
        "kind_known",
    ):
        op.drop_constraint(op.f(f"ck_deliveries_{name}"), "deliveries", type_="check")
    op.create_check_constraint(
        op.f("ck_deliveries_kind_known"), "deliveries", f"kind IN ({KINDS_BEFORE})"
    )
    op.alter_column(
        "deliveries",
        "kind",
        existing_type=sa.String(length=24),
        type_=sa.String(length=16),
        existing_nullable=False,
    )
    op.alter_column(
        "deliveries", "appointment_version", existing_type=sa.Integer(), nullable=False
    )
    op.alter_column("deliveries", "appointment_id", existing_type=sa.Integer(), nullable=False)
    op.drop_column("deliveries", "uncertain")
    op.drop_column("deliveries", "previous_starts_at")
    op.drop_column("deliveries", "agenda_day")
    op.drop_index("ix_deliveries_recipient_id", table_name="deliveries")
    op.drop_constraint(op.f("fk_deliveries_recipient_id_users"), "deliveries", type_="foreignkey")
    op.drop_column("deliveries", "recipient_id")
    op.drop_table("delivery_workers")
