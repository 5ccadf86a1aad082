"""confirmed email addresses, emailed codes, and the notice of an address confirmed elsewhere

``users.email_verified_at`` records when an account's owner proved its address with a code.
Accounts from before this revision were never asked for one: they stay unconfirmed (nothing
is emailed to them until their owner confirms the address with /verify or a /reset), except
admins, whose accounts only ``clinic-bot create-admin`` made, on the operator's word.

An address is no longer unique among all accounts: it is unique among the accounts that hold
it for good, confirmed ones and staff ones (doctors, front desk, admins, whose addresses an
admin enters). An unconfirmed patient's address blocks nobody, so its owner can still register
with it (``uq_users_email_held``); logging in tries each account of the address.

``email_codes`` keeps every code asked for (as a keyed hash), for its tries and to throttle
asking per chat and per address. ``deliveries`` gains the kind ``email_claimed``: a chat
notice to an unconfirmed account whose address its owner confirmed for another account.

Downgrading gives addresses back their global uniqueness: an unconfirmed patient sharing its
address with another account has ``+unconfirmed-<id>`` added to the local part of its address
(it could not be emailed anyway), and the ``email_claimed`` notices are dropped.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = (
    "'reminder', 'booked', 'rescheduled', 'cancelled', 'doctor_booked', 'doctor_cancelled', "
    "'doctor_rescheduled', 'clinic_cancelled', 'clinic_rescheduled', 'clinic_booked', 'agenda'"
)
KINDS = f"{KINDS_BEFORE}, 'email_claimed'"
HELD = "email_verified_at IS NOT NULL OR role <> 'patient'"


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
    op.add_column(
        "users", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute("UPDATE users SET email_verified_at = created_at WHERE role = 'admin'")
    op.drop_constraint(op.f("uq_users_email"), "users", type_="unique")
    op.create_index("ix_users_email", "users", ["email"], unique=False)
    op.create_index(
        "uq_users_email_held",
        "users",
        ["email"],
        unique=True,
        postgresql_where=sa.text(HELD),
    )

    op.create_table(
        "email_codes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('register', 'reset', 'verify')", name=op.f("ck_email_codes_purpose_known")
        ),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_email_codes_expires_after_creation")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_email_codes_attempts_not_negative")),
        sa.CheckConstraint(
            "(purpose = 'register') OR (confirmed_at IS NULL) OR (user_id IS NOT NULL)",
            name=op.f("ck_email_codes_confirmed_has_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_codes")),
    )
    op.create_index(
        "ix_email_codes_chat_created", "email_codes", ["chat_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_email_codes_email_created", "email_codes", ["email", "created_at"], unique=False
    )
    op.create_index("ix_email_codes_user", "email_codes", ["user_id"], unique=False)

    _deliveries_constraints(KINDS, "'agenda', 'email_claimed'")


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind = 'email_claimed'")
    _deliveries_constraints(KINDS_BEFORE, "'agenda'")
    op.drop_index("ix_email_codes_user", table_name="email_codes")
    op.drop_index("ix_email_codes_email_created", table_name="email_codes")
    op.drop_index("ix_email_codes_chat_created", table_name="email_codes")
    op.drop_table("email_codes")
    # Every account but the oldest holder of a shared address is an unconfirmed patient (one
    # holds it for good at most): each gets an address of its own.
    op.execute(
        """
        UPDATE users AS u
        SET email = split_part(u.email, '@', 1) || '+unconfirmed-' || u.id || '@'
                    || split_part(u.email, '@', 2)
        WHERE u.email_verified_at IS NULL AND u.role = 'patient'
          AND EXISTS (
              SELECT 1 FROM users AS o
              WHERE o.email = u.email AND o.id <> u.id
                AND (o.email_verified_at IS NOT NULL OR o.role <> 'patient' OR o.id < u.id)
          )
        """
    )
    op.drop_index("uq_users_email_held", table_name="users", postgresql_where=sa.text(HELD))
    op.drop_index("ix_users_email", table_name="users")
    op.create_unique_constraint(op.f("uq_users_email"), "users", ["email"])
    op.drop_column("users", "email_verified_at")
