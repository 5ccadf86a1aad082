"""Typed SQLAlchemy models. Every time is ``timestamptz``; every rule that must hold under
concurrency is a database constraint."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


class Role(enum.StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    STAFF = "staff"  # the front desk
    ADMIN = "admin"


def _values(kind: type[enum.StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in kind)


class User(Base):
    """An account. Its address is its owner's for good once confirmed with a code (or entered
    for staff): at most one such account per address. An unconfirmed patient's address blocks
    nobody, so its owner can still register with it; emails go only to confirmed addresses."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(btrim(email))", name="email_normalised"),
        CheckConstraint(f"role IN ({_values(Role)})", name="role_known"),
        CheckConstraint("language IS NULL OR language IN ('en', 'es')", name="language_known"),
        Index("ix_users_email", "email"),
        Index(
            "uq_users_email_held",
            "email",
            unique=True,
            postgresql_where=text("email_verified_at IS NOT NULL OR role <> 'patient'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL only for a patient the clinic registered without one (no email reminders).
    email: Mapped[str | None] = mapped_column(String(254))
    # When its owner proved the address with a code (or an admin account was created); NULL:
    # unconfirmed, so nothing is emailed to it.
    email_verified_at: Mapped[datetime | None]
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.PATIENT.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # NULL until an invited doctor or front-desk member sets a password, and for a patient the
    # clinic registered until they claim the account from Telegram; such an account cannot
    # log in.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8))
    last_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ChatSession(Base):
    """A chat's login: the signed token and what is needed to revoke it."""

    __tablename__ = "chat_sessions"
    __table_args__ = (
        CheckConstraint("expires_at > issued_at", name="expires_after_issue"),
        Index(
            "ix_chat_sessions_chat_live",
            "chat_id",
            "issued_at",
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index(
            "ix_chat_sessions_user_live", "user_id", postgresql_where=text("revoked_at IS NULL")
        ),
        # Whether a chat ever held a session of a user (login throttling), and the user's rows.
        Index("ix_chat_sessions_user_chat", "user_id", "chat_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    token: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginFailure(Base):
    """One failed login, counted per chat and per email to throttle guessing (written before the
    password is checked, and removed again when it was right)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_chat_at", "chat_id", "at"),
        Index("ix_login_failures_email_at", "email", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime]


class CodePurpose(enum.StrEnum):
    """What an emailed code proves the address for."""

    REGISTER = "register"  # a new patient account
    RESET = "reset"  # a new password for the account
    VERIFY = "verify"  # an existing account's address


class EmailCode(Base):
    """A 6-digit code emailed to an address, kept only as a keyed hash; valid for a while and a
    few tries. Every one asked for is a row, so codes are counted per chat and per address to
    throttle asking for them, as failed logins are."""

    __tablename__ = "email_codes"
    __table_args__ = (
        CheckConstraint(f"purpose IN ({_values(CodePurpose)})", name="purpose_known"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint(
            "(purpose = 'register') OR (confirmed_at IS NULL) OR (user_id IS NOT NULL)",
            name="confirmed_has_account",
        ),
        Index("ix_email_codes_chat_created", "chat_id", "created_at"),
        Index("ix_email_codes_email_created", "email", "created_at"),
        Index("ix_email_codes_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str] = mapped_column(String(254))
    # The account a reset or confirmation is for; NULL for a registration, or when no account
    # could take the code (it was not sent, and nothing can match it).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # When the right code was typed, and when what it allowed was done.
    confirmed_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]


class Chat(Base):
    """A private chat with the bot: its open conversation (state and draft), read with the
    chat's session in one statement at the start of every update and written only when it
    changed, before the reply is sent; and the language a guest chose."""

    __tablename__ = "chats"
    __table_args__ = (
        CheckConstraint("(conversation IS NULL) = (state IS NULL)", name="conversation_has_state"),
        CheckConstraint("language IS NULL OR language IN ('en', 'es')", name="language_known"),
    )

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))
    conversation: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str | None] = mapped_column(String(48))
    draft: Mapped[Any] = mapped_column(JSONB, nullable=True)
    # Numbers the chat's conversations: a step's buttons carry it, so a button of an ended or
    # replaced conversation is told apart from the open one's.
    flow: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # An open conversation lapses when left unanswered this long.
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    # The newest update whose change is stored here: Telegram sends again what a process that
    # died had fetched but not acknowledged, and what was stored then is not done twice.
    last_update_id: Mapped[int | None] = mapped_column(BigInteger)


SLOT_LENGTHS = (15, 20, 30, 45, 60)


class ChangeReason(enum.StrEnum):
    """Why the clinic cancelled or moved a visit (the short list; anything else is typed)."""

    DOCTOR_UNAVAILABLE = "doctor_unavailable"
    PATIENT_REQUEST = "patient_request"
    CLINIC_SCHEDULE = "clinic_schedule"
    EMERGENCY = "emergency"


class AppointmentStatus(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class Specialty(Base):
    __tablename__ = "specialties"
    __table_args__ = (
        Index("uq_specialties_name_ci", text("lower(name)"), unique=True),
        CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Doctor(Base):
    """A user with role ``doctor`` as the clinic books them."""

    __tablename__ = "doctors"
    __table_args__ = (
        CheckConstraint(
            f"slot_minutes IN ({', '.join(map(str, SLOT_LENGTHS))})", name="slot_minutes_allowed"
        ),
        Index("ix_doctors_specialty_active", "specialty_id", postgresql_where=text("active")),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True
    )
    display_name: Mapped[str] = mapped_column(String(120))
    specialty_id: Mapped[int] = mapped_column(ForeignKey("specialties.id", ondelete="RESTRICT"))
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # Bookable before accepting the invite: an admin's decision (a doctor who has accepted it,
    # and so has a password, is bookable anyway).
    marked_ready: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WorkingHours(Base):
    """One range of a doctor's weekly hours, in local wall-clock minutes (end 1440 = midnight)."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_valid"),
        CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
            name="range_valid",
        ),
        Index("ix_working_hours_doctor", "doctor_id", "weekday"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.user_id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class TimeOff(Base):
    """A dated exception to a doctor's hours: a whole day (or days) or part of one."""

    __tablename__ = "time_off"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="range_valid"),
        Index("ix_time_off_doctor_ends", "doctor_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.user_id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    whole_days: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ClinicClosure(Base):
    """A dated closure of the whole clinic (a holiday: whole days, or part of a day): no doctor
    is bookable in it."""

    __tablename__ = "clinic_closures"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="range_valid"),
        CheckConstraint("name IS NULL OR btrim(name) <> ''", name="name_not_blank"),
        Index("ix_clinic_closures_ends_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # What it is for, as patients and doctors are told (e.g. "Christmas"); optional.
    name: Mapped[str | None] = mapped_column(String(80))
    whole_days: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Appointment(Base):
    """Never deleted. No two live (not cancelled) appointments of a doctor, or of a patient,
    overlap: exclusion constraints in the migration enforce it (ranges of the id avoid the need
    for ``btree_gist``)."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="range_valid"),
        CheckConstraint(f"status IN ({_values(AppointmentStatus)})", name="status_known"),
        CheckConstraint(
            "(status = 'cancelled') = (cancelled_at IS NOT NULL)", name="cancelled_has_time"
        ),
        CheckConstraint(
            f"change_reason IS NULL OR change_reason IN ({_values(ChangeReason)})",
            name="change_reason_known",
        ),
        CheckConstraint(
            "change_reason IS NULL OR change_note IS NULL", name="change_reason_or_note"
        ),
        CheckConstraint("reason IS NULL OR btrim(reason) <> ''", name="reason_not_blank"),
        CheckConstraint(f"booked_as IN ({_values(Role)})", name="booked_as_known"),
        Index(
            "ix_appointments_doctor_live",
            "doctor_id",
            "starts_at",
            postgresql_where=text("status <> 'cancelled'"),
        ),
        # A patient's appointments of every status (their history, cancelled ones included).
        Index("ix_appointments_patient_start", "patient_id", "starts_at"),
        # Upcoming booked appointments clinic-wide (reminder sync, daily agendas).
        Index(
            "ix_appointments_booked_start", "starts_at", postgresql_where=text("status = 'booked'")
        ),
        # Every appointment clinic-wide by time, whatever its status (the admins' statistics and
        # a month's export).
        Index("ix_appointments_start", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.user_id", ondelete="RESTRICT"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=AppointmentStatus.BOOKED.value)
    # Bumped on every change of time or status: the calendar file's SEQUENCE.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    # Who booked it (NULL: the patient, before this was recorded). Someone other than the
    # patient means the clinic booked it for them.
    booked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # The booker's role when they booked (the front desk's and admins' statistics).
    booked_as: Mapped[str] = mapped_column(
        String(16), default=Role.PATIENT.value, server_default=text("'patient'")
    )
    # Why the clinic made the latest change (a cancellation or a move): one of the short list,
    # or what was typed. Both NULL after a change the patient made.
    change_reason: Mapped[str | None] = mapped_column(String(24))
    change_note: Mapped[str | None] = mapped_column(String(200))
    # A visit the clinic cancelled: the one the patient booked from the times it offered them
    # (each notice's offer is taken once).
    rebooked_as: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    # Why the patient is coming, in their words (optional; shown to the doctor, never emailed).
    reason: Mapped[str | None] = mapped_column(String(200))
    # The patient said they will come (for the appointment's current time) / arrived.
    confirmed_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]


class Invite(Base):
    """A one-time link for an invited account (a doctor, a front-desk member) to set its
    password; only its hash is kept."""

    __tablename__ = "invites"
    __table_args__ = (Index("ix_invites_user", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class DeliveryKind(enum.StrEnum):
    """What a delivery says, and to whom."""

    # To the patient, by chat and email: before the appointment.
    REMINDER = "reminder"
    # To the patient, by email, with the calendar file: confirmations of their changes.
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    # To the doctor, by chat: a booking, cancellation or move of theirs someone else made.
    DOCTOR_BOOKED = "doctor_booked"
    DOCTOR_CANCELLED = "doctor_cancelled"
    DOCTOR_RESCHEDULED = "doctor_rescheduled"
    # To the patient, by chat: the clinic cancelled or moved their appointment.
    CLINIC_CANCELLED = "clinic_cancelled"
    CLINIC_RESCHEDULED = "clinic_rescheduled"
    # To the patient, by chat: the clinic booked an appointment for them.
    CLINIC_BOOKED = "clinic_booked"
    # To the doctor, by chat: the day's appointments (not tied to one appointment).
    AGENDA = "agenda"
    # To a patient, by chat: the owner of the address on their account, unconfirmed, has
    # confirmed it for another account (not tied to an appointment).
    EMAIL_CLAIMED = "email_claimed"
    # To a patient on a waitlist, by chat: a time that suits them freed up (not tied to an
    # appointment; its entry, doctor and time are on the row).
    SLOT_OFFER = "slot_offer"
    # To a doctor, by chat: an admin changed their details (not tied to an appointment; what
    # they are now is read when it is sent).
    PROFILE_CHANGED = "profile_changed"


EMAIL_KINDS = (
    DeliveryKind.REMINDER,
    DeliveryKind.BOOKED,
    DeliveryKind.RESCHEDULED,
    DeliveryKind.CANCELLED,
)
MOVE_KINDS = (DeliveryKind.DOCTOR_RESCHEDULED, DeliveryKind.CLINIC_RESCHEDULED)
# Deliveries about no appointment.
UNTIED_KINDS = (
    DeliveryKind.AGENDA,
    DeliveryKind.EMAIL_CLAIMED,
    DeliveryKind.SLOT_OFFER,
    DeliveryKind.PROFILE_CHANGED,
)


class Channel(enum.StrEnum):
    TELEGRAM = "telegram"
    EMAIL = "email"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


def _list(kinds: tuple[DeliveryKind, ...]) -> str:
    return ", ".join(f"'{kind.value}'" for kind in kinds)


class DeliveryWorker(Base):
    """A bot process that sends deliveries, alive while its heartbeat (kept by the database's
    clock) is fresh. The deliveries it claimed are its own until it stops beating; removing
    its row releases them."""

    __tablename__ = "delivery_workers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]


class Delivery(Base):
    """The outbox: a message to send to one person by one channel, kept until it is sent (or
    given up on), with its retries and last error. Created in the same transaction as the
    change that causes it, so a restart loses none; claimed with ``FOR UPDATE SKIP LOCKED`` by
    one live worker at a time, so no two processes send the same one."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_values(DeliveryKind)})", name="kind_known"),
        CheckConstraint(f"channel IN ({_values(Channel)})", name="channel_known"),
        CheckConstraint(f"status IN ({_values(DeliveryStatus)})", name="status_known"),
        CheckConstraint(
            "(kind = 'reminder') = (offset_minutes IS NOT NULL)", name="reminder_has_offset"
        ),
        CheckConstraint(
            f"channel = 'telegram' OR kind IN ({_list(EMAIL_KINDS)})", name="email_kinds"
        ),
        CheckConstraint(
            f"(kind IN ({_list(UNTIED_KINDS)})) = (appointment_id IS NULL) "
            "AND (appointment_id IS NULL) = (appointment_version IS NULL)",
            name="appointment_unless_agenda",
        ),
        CheckConstraint("(kind = 'agenda') = (agenda_day IS NOT NULL)", name="agenda_has_day"),
        CheckConstraint(
            f"(kind IN ({_list(MOVE_KINDS)})) = (previous_starts_at IS NOT NULL)",
            name="move_has_previous_start",
        ),
        CheckConstraint(
            "(kind = 'slot_offer') = (waitlist_entry_id IS NOT NULL) "
            "AND (waitlist_entry_id IS NULL) = (offer_doctor_id IS NULL) "
            "AND (waitlist_entry_id IS NULL) = (offer_starts_at IS NULL)",
            name="offer_has_slot",
        ),
        # A time is offered to a waitlist entry once while the offer is unsent.
        Index(
            "uq_deliveries_offer",
            "waitlist_entry_id",
            "offer_doctor_id",
            "offer_starts_at",
            unique=True,
            postgresql_where=text("kind = 'slot_offer' AND status = 'pending'"),
        ),
        # One row per appointment version, kind, channel and offset: creating is idempotent.
        Index(
            "uq_deliveries_once",
            "appointment_id",
            "appointment_version",
            "kind",
            "channel",
            text("coalesce(offset_minutes, -1)"),
            unique=True,
        ),
        # One agenda per doctor and day.
        Index(
            "uq_deliveries_agenda",
            "recipient_id",
            "agenda_day",
            unique=True,
            postgresql_where=text("kind = 'agenda'"),
        ),
        # Each channel's due scan reads only its pending rows: its cost does not grow with
        # history, nor with the other channel's backlog.
        Index(
            "ix_deliveries_due",
            "channel",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_deliveries_due_at", "due_at"),
        Index("ix_deliveries_recipient_id", "recipient_id"),
        # Releasing a stopped worker's claims (ON DELETE SET NULL) finds them by this.
        Index(
            "ix_deliveries_claimed_by",
            "claimed_by",
            postgresql_where=text("claimed_by IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE")
    )
    appointment_version: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    offset_minutes: Mapped[int | None] = mapped_column(Integer)
    # The doctor's day an agenda is about (local date).
    agenda_day: Mapped[date | None] = mapped_column(Date)
    # Where a moved appointment was before the move.
    previous_starts_at: Mapped[datetime | None]
    # A waitlist offer: the entry it is for, and the doctor's time it offers.
    waitlist_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("waitlist_entries.id", ondelete="CASCADE")
    )
    offer_doctor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    offer_starts_at: Mapped[datetime | None]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime]
    # The live worker sending it; NULL when nobody holds it.
    claimed_by: Mapped[str | None] = mapped_column(
        ForeignKey("delivery_workers.id", ondelete="SET NULL")
    )
    # An earlier attempt may have arrived (the Bot API's answer was lost): retried only once.
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WaitlistStatus(enum.StrEnum):
    WAITING = "waiting"
    LEFT = "left"  # the patient left the list
    BOOKED = "booked"  # the patient booked (from an offer, or otherwise)


class WaitlistEntry(Base):
    """A patient waiting for a time to free up: with one doctor, or any doctor of a specialty,
    between ``from_at`` and ``until_at``; with ``appointment_id``, for a time earlier than that
    appointment of theirs (taking an offer moves it). One waiting entry per patient and what
    they wait for; a freed time that suits it is offered through the outbox (``slot_offer``)."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint("(doctor_id IS NULL) <> (specialty_id IS NULL)", name="one_target"),
        CheckConstraint(
            "appointment_id IS NULL OR doctor_id IS NOT NULL", name="earlier_with_its_doctor"
        ),
        CheckConstraint("from_at < until_at", name="range_valid"),
        CheckConstraint(f"status IN ({_values(WaitlistStatus)})", name="status_known"),
        CheckConstraint("(status = 'waiting') = (ended_at IS NULL)", name="ended_when_done"),
        Index(
            "uq_waitlist_entries_waiting",
            "patient_id",
            text("coalesce(doctor_id, 0)"),
            text("coalesce(specialty_id, 0)"),
            text("coalesce(appointment_id, 0)"),
            unique=True,
            postgresql_where=text("status = 'waiting'"),
        ),
        # A freed time finds its doctor's and its specialty's waiting entries by these.
        Index(
            "ix_waitlist_entries_doctor_waiting",
            "doctor_id",
            "until_at",
            postgresql_where=text("status = 'waiting'"),
        ),
        Index(
            "ix_waitlist_entries_specialty_waiting",
            "specialty_id",
            "until_at",
            postgresql_where=text("status = 'waiting'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    doctor_id: Mapped[int | None] = mapped_column(
        ForeignKey("doctors.user_id", ondelete="CASCADE")
    )
    specialty_id: Mapped[int | None] = mapped_column(
        ForeignKey("specialties.id", ondelete="CASCADE")
    )
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE")
    )
    from_at: Mapped[datetime]
    until_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=WaitlistStatus.WAITING.value)
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
