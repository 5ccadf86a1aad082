"""The outbox: every message the clinic sends on its own — patients' reminders and confirmation
emails, doctors' notices, "the clinic cancelled or moved" notices, doctors' morning agendas —
created in the same transaction as the change that causes it, claimed by one live worker with
``FOR UPDATE SKIP LOCKED``, and settled with its outcome.

A claim belongs to the worker (see :mod:`db.workers`) for as long as the worker lives; a row is
never claimed again while its claimer lives, except by that worker itself, which never claims a
row whose outcome it still holds (an outcome it could not record yet, e.g. while the database
was down).

Every function takes an open session and a time, and never commits.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    EMAIL_KINDS,
    UNTIED_KINDS,
    Appointment,
    AppointmentStatus,
    Channel,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Doctor,
    User,
)

CHANNELS = (Channel.TELEGRAM, Channel.EMAIL)
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)

PENDING = DeliveryStatus.PENDING.value
BOOKED = AppointmentStatus.BOOKED.value
# Written into the SQL, so every plan can use the partial index ``ix_deliveries_due``.
IS_PENDING = Delivery.status == literal(PENDING, literal_execute=True)
# A patient's reminders and confirmations of an appointment's earlier state.
_SUPERSEDED_BY_A_CHANGE = (
    DeliveryKind.REMINDER.value,
    DeliveryKind.BOOKED.value,
    DeliveryKind.RESCHEDULED.value,
)
NOTICE_KINDS = frozenset(
    {
        DeliveryKind.DOCTOR_BOOKED,
        DeliveryKind.DOCTOR_CANCELLED,
        DeliveryKind.DOCTOR_RESCHEDULED,
        DeliveryKind.CLINIC_CANCELLED,
        DeliveryKind.CLINIC_RESCHEDULED,
        DeliveryKind.CLINIC_BOOKED,
    }
)
assert set(EMAIL_KINDS).isdisjoint(NOTICE_KINDS)


def _minutes(offset: timedelta) -> int:
    return int(offset.total_seconds() // 60)


# Set in a session's info when it queued something to send: once it commits, whoever ran it
# (a chat update) starts a delivery pass at once instead of waiting for the next scan.
QUEUED = "clinic.queued_deliveries"


def queued(s: AsyncSession) -> bool:
    """Whether ``s`` queued deliveries (to send them as soon as it has committed)."""
    return bool(s.sync_session.info.get(QUEUED))


async def _insert(s: AsyncSession, rows: list[dict[str, object]]) -> None:
    if rows:
        stmt = insert(Delivery).values(rows)
        await s.execute(stmt.on_conflict_do_nothing())
        s.sync_session.info[QUEUED] = True


def _row(
    kind: DeliveryKind,
    channel: Channel,
    recipient_id: int,
    due_at: datetime,
    now: datetime,
    *,
    appointment: Appointment | None = None,
    offset: int | None = None,
    agenda_day: date | None = None,
    previous_starts_at: datetime | None = None,
) -> dict[str, object]:
    return {
        "recipient_id": recipient_id,
        "appointment_id": appointment.id if appointment is not None else None,
        "appointment_version": appointment.version if appointment is not None else None,
        "kind": kind.value,
        "channel": channel.value,
        "offset_minutes": offset,
        "agenda_day": agenda_day,
        "previous_starts_at": previous_starts_at,
        "due_at": due_at,
        "next_attempt_at": due_at,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def _to_patient(
    appointment: Appointment, kind: DeliveryKind, channel: Channel, now: datetime
) -> dict[str, object]:
    return _row(kind, channel, appointment.patient_id, now, now, appointment=appointment)


def _notice(
    appointment: Appointment,
    kind: DeliveryKind,
    recipient_id: int,
    now: datetime,
    previous_starts_at: datetime | None = None,
) -> dict[str, object]:
    return _row(
        kind,
        Channel.TELEGRAM,
        recipient_id,
        now,
        now,
        appointment=appointment,
        previous_starts_at=previous_starts_at,
    )


def reminder_rows(
    appointment: Appointment, offsets: Sequence[timedelta], now: datetime
) -> list[dict[str, object]]:
    """One row per channel and offset; an offset already past is skipped, not sent late."""
    return [
        _row(
            DeliveryKind.REMINDER,
            channel,
            appointment.patient_id,
            due,
            now,
            appointment=appointment,
            offset=_minutes(offset),
        )
        for offset in offsets
        if (due := appointment.starts_at - offset) > now
        for channel in CHANNELS
    ]


async def on_email_claimed(s: AsyncSession, user_ids: Sequence[int], now: datetime) -> None:
    """A chat notice to each of these unconfirmed accounts: the owner of their address has
    confirmed it for another account."""
    await _insert(
        s, [_row(DeliveryKind.EMAIL_CLAIMED, Channel.TELEGRAM, uid, now, now) for uid in user_ids]
    )


async def on_profile_changed(s: AsyncSession, doctor_id: int, now: datetime) -> None:
    """A chat notice to the doctor: an admin changed their details."""
    await _insert(s, [_row(DeliveryKind.PROFILE_CHANGED, Channel.TELEGRAM, doctor_id, now, now)])


async def _drop_pending(s: AsyncSession, appointment_id: int) -> None:
    """Remove unsent reminders and confirmations of the appointment's earlier state (notices
    stay: each is settled when claimed, as sent or superseded)."""
    await s.execute(
        delete(Delivery).where(
            Delivery.appointment_id == appointment_id,
            Delivery.status == PENDING,
            Delivery.kind.in_(_SUPERSEDED_BY_A_CHANGE),
        )
    )


async def on_booked(
    s: AsyncSession,
    appointment: Appointment,
    offsets: Sequence[timedelta],
    now: datetime,
    *,
    by_clinic: bool = False,
) -> None:
    """Reminders for a new appointment, its confirmation email, the doctor's notice, and when
    the clinic booked it for the patient, a notice to the patient."""
    rows = reminder_rows(appointment, offsets, now)
    rows.append(_to_patient(appointment, DeliveryKind.BOOKED, Channel.EMAIL, now))
    rows.append(_notice(appointment, DeliveryKind.DOCTOR_BOOKED, appointment.doctor_id, now))
    if by_clinic:
        rows.append(_notice(appointment, DeliveryKind.CLINIC_BOOKED, appointment.patient_id, now))
    await _insert(s, rows)


async def on_moved(
    s: AsyncSession,
    appointment: Appointment,
    offsets: Sequence[timedelta],
    now: datetime,
    *,
    previous_starts_at: datetime,
    moved_by: int,
) -> None:
    """Reminders recomputed for the new time, a confirmation email with the new time, and a
    notice to the doctor and to the patient, unless they made the move themselves."""
    await _drop_pending(s, appointment.id)
    rows = reminder_rows(appointment, offsets, now)
    rows.append(_to_patient(appointment, DeliveryKind.RESCHEDULED, Channel.EMAIL, now))
    if moved_by != appointment.doctor_id:
        rows.append(
            _notice(
                appointment,
                DeliveryKind.DOCTOR_RESCHEDULED,
                appointment.doctor_id,
                now,
                previous_starts_at,
            )
        )
    if moved_by != appointment.patient_id:
        rows.append(
            _notice(
                appointment,
                DeliveryKind.CLINIC_RESCHEDULED,
                appointment.patient_id,
                now,
                previous_starts_at,
            )
        )
    await _insert(s, rows)


async def on_cancelled(
    s: AsyncSession,
    appointment: Appointment,
    now: datetime,
    *,
    cancelled_by: int,
    tell_doctor: bool = True,
) -> None:
    """Unsent reminders removed; a cancellation email (with the calendar cancellation); a
    notice to the doctor (unless they cancelled, or ``tell_doctor`` is off) and a "the clinic
    cancelled" notice to the patient (unless they cancelled)."""
    await _drop_pending(s, appointment.id)
    rows = [_to_patient(appointment, DeliveryKind.CANCELLED, Channel.EMAIL, now)]
    if tell_doctor and cancelled_by != appointment.doctor_id:
        rows.append(
            _notice(appointment, DeliveryKind.DOCTOR_CANCELLED, appointment.doctor_id, now)
        )
    if cancelled_by != appointment.patient_id:
        rows.append(
            _notice(appointment, DeliveryKind.CLINIC_CANCELLED, appointment.patient_id, now)
        )
    await _insert(s, rows)


_SYNC = text(
    """
    INSERT INTO deliveries (recipient_id, appointment_id, appointment_version, kind, channel,
                            offset_minutes, due_at, next_attempt_at, status, attempts,
                            created_at, updated_at)
    SELECT a.patient_id, a.id, a.version, 'reminder', c.channel, o.minutes,
           a.starts_at - make_interval(mins => o.minutes),
           a.starts_at - make_interval(mins => o.minutes),
           'pending', 0, :now, :now
    FROM appointments AS a
    CROSS JOIN unnest(CAST(:minutes AS integer[])) AS o(minutes)
    CROSS JOIN unnest(CAST(:channels AS text[])) AS c(channel)
    WHERE a.status = 'booked'
      AND a.starts_at > :now
      AND a.starts_at - make_interval(mins => o.minutes) > :now
    ON CONFLICT DO NOTHING
    RETURNING id
    """
)


async def sync_offsets(
    s: AsyncSession, offsets: Sequence[timedelta], now: datetime
) -> tuple[int, int]:
    """Apply the configured offsets to upcoming appointments: missing reminders are created,
    unsent ones of offsets no longer configured are dropped. Returns (created, dropped)."""
    minutes = sorted({_minutes(o) for o in offsets})
    dropped = await s.execute(
        delete(Delivery)
        .where(
            Delivery.kind == DeliveryKind.REMINDER.value,
            Delivery.status == PENDING,
            Delivery.offset_minutes.not_in(minutes),
            Delivery.claimed_by.is_(None),
        )
        .returning(Delivery.id)
    )
    created = await s.execute(
        _SYNC, {"now": now, "minutes": minutes, "channels": [c.value for c in CHANNELS]}
    )
    return len(created.all()), len(dropped.all())


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds, with what is needed to send it."""

    id: int
    recipient_id: int
    appointment_id: int | None
    appointment_version: int | None
    kind: DeliveryKind
    channel: Channel
    offset_minutes: int | None
    agenda_day: date | None
    previous_starts_at: datetime | None
    attempts: int
    uncertain: bool
    # A waitlist offer's entry, doctor and time.
    waitlist_entry_id: int | None = None
    offer_doctor_id: int | None = None
    offer_starts_at: datetime | None = None


_CLAIMED = (
    Delivery.id,
    Delivery.recipient_id,
    Delivery.appointment_id,
    Delivery.appointment_version,
    Delivery.kind,
    Delivery.channel,
    Delivery.offset_minutes,
    Delivery.agenda_day,
    Delivery.previous_starts_at,
    Delivery.attempts,
    Delivery.uncertain,
    Delivery.waitlist_entry_id,
    Delivery.offer_doctor_id,
    Delivery.offer_starts_at,
)


def _claimed(row: Any) -> Claimed:
    return Claimed(
        id=row.id,
        recipient_id=row.recipient_id,
        appointment_id=row.appointment_id,
        appointment_version=row.appointment_version,
        kind=DeliveryKind(row.kind),
        channel=Channel(row.channel),
        offset_minutes=row.offset_minutes,
        agenda_day=row.agenda_day,
        previous_starts_at=row.previous_starts_at,
        attempts=row.attempts,
        uncertain=row.uncertain,
        waitlist_entry_id=row.waitlist_entry_id,
        offer_doctor_id=row.offer_doctor_id,
        offer_starts_at=row.offer_starts_at,
    )


async def claim_due(
    s: AsyncSession,
    *,
    worker: str,
    channel: Channel,
    now: datetime,
    limit: int = 200,
    held: Collection[int] = (),
) -> list[Claimed]:
    """Claim up to ``limit`` due deliveries of ``channel`` for ``worker``: free ones, and the
    worker's own claims it no longer works on, except those whose outcome it still ``held``
    (rows other transactions hold are skipped). Deliveries no longer wanted are settled here
    instead of being returned (see :func:`_unwanted`)."""
    mine = Delivery.claimed_by == worker
    if held:
        mine = and_(mine, Delivery.id.not_in(list(held)))
    due = (
        select(Delivery.id)
        .where(
            IS_PENDING,
            Delivery.channel == channel.value,
            Delivery.next_attempt_at <= now,
            or_(Delivery.claimed_by.is_(None), mine),
        )
        .order_by(Delivery.channel, Delivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = (
        await s.execute(
            update(Delivery)
            .where(Delivery.id.in_(due.scalar_subquery()))
            .values(claimed_by=worker, attempts=Delivery.attempts + 1, updated_at=now)
            .returning(*_CLAIMED)
        )
    ).all()
    rows = sorted((_claimed(r) for r in result), key=lambda r: r.id)
    if not rows:
        return []
    appointment_ids = {r.appointment_id for r in rows if r.appointment_id is not None}
    appointments = {
        a.id: a
        for a in (
            await s.scalars(select(Appointment).where(Appointment.id.in_(appointment_ids)))
        ).all()
    }
    nearest: dict[tuple[int, Channel], int] = {}
    for r in rows:
        if r.kind is DeliveryKind.REMINDER and r.offset_minutes is not None:
            key = (r.appointment_id or 0, r.channel)
            nearest[key] = min(nearest.get(key, r.offset_minutes), r.offset_minutes)
    # Emails go only to addresses their owners confirmed (read now: a later confirmation
    # lets the next due ones go).
    unconfirmed: set[int] = set()
    if channel is Channel.EMAIL:
        unconfirmed = set(
            (
                await s.scalars(
                    select(User.id).where(
                        User.id.in_({r.recipient_id for r in rows}),
                        User.email_verified_at.is_(None),
                        User.email.is_not(None),  # no address at all: told at sending
                    )
                )
            ).all()
        )
    claimed: list[Claimed] = []
    stale: list[Outcome] = []
    for r in rows:
        appointment = appointments.get(r.appointment_id) if r.appointment_id else None
        if r.recipient_id in unconfirmed:
            reason = "email address not confirmed"
        else:
            reason = _unwanted(r, appointment, now, nearest)
        if reason:
            stale.append(Outcome(r.id, Result.SKIPPED, now, error=reason))
        else:
            claimed.append(r)
    await record(s, worker=worker, outcomes=stale)
    return claimed


def _unwanted(
    row: Claimed,
    appointment: Appointment | None,
    now: datetime,
    nearest: dict[tuple[int, Channel], int],
) -> str:
    """Why a claimed delivery must not be sent; empty when it should be."""
    if row.kind in UNTIED_KINDS:
        return ""  # whether anything is left to tell is known when it is written
    if appointment is None:
        return "appointment gone"
    if row.kind is DeliveryKind.CANCELLED:
        return ""
    if row.kind in NOTICE_KINDS:
        # A notice tells of one change: a later change of the appointment has its own notice.
        if appointment.version != row.appointment_version:
            return "superseded by a later change"
        if appointment.starts_at <= now:
            return "appointment has begun"
        return ""
    if appointment.status != BOOKED:
        return f"appointment {appointment.status}"
    if appointment.version != row.appointment_version:
        return "appointment moved"
    if appointment.starts_at <= now:
        return "appointment has begun"
    if (
        row.kind is DeliveryKind.REMINDER
        and row.offset_minutes is not None
        and nearest[(row.appointment_id or 0, row.channel)] < row.offset_minutes
    ):
        return "superseded by a later reminder"
    return ""


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: 1, 2, 4, … minutes, at most 1 h."""
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, LONGEST_RETRY)


class Result(enum.Enum):
    """What became of one claimed delivery."""

    SENT = "sent"
    FAILED = "failed"  # given up
    SKIPPED = "skipped"  # not to be sent
    RETRY = "retry"  # failed for now: try again at ``retry_at``
    UNTRIED = "untried"  # released without an attempt


@dataclass(frozen=True)
class Outcome:
    """The outcome of one claimed delivery, as the worker records it (possibly later)."""

    delivery_id: int
    result: Result
    at: datetime
    error: str | None = None
    retry_at: datetime | None = None
    # The attempt may have arrived although it failed (its answer was lost).
    uncertain: bool = False


def failure(
    claimed: Claimed,
    error: str,
    now: datetime,
    *,
    after: timedelta | None = None,
    uncertain: bool = False,
) -> Outcome:
    """The outcome of a failed attempt: try again with backoff (or after ``after``), or give
    up after :data:`MAX_ATTEMPTS` tries. An attempt that may have arrived is tried once more
    only, so a message arrives at most twice."""
    if uncertain and claimed.uncertain:
        error = f"may have arrived, not sent again: {error}"
        return Outcome(claimed.id, Result.FAILED, now, error=error)
    if claimed.attempts >= MAX_ATTEMPTS:
        return Outcome(claimed.id, Result.FAILED, now, error=error)
    retry_at = now + (after if after is not None else backoff(claimed.attempts))
    return Outcome(
        claimed.id, Result.RETRY, now, error=error, retry_at=retry_at, uncertain=uncertain
    )


_FINAL = {
    Result.SENT: DeliveryStatus.SENT,
    Result.FAILED: DeliveryStatus.FAILED,
    Result.SKIPPED: DeliveryStatus.SKIPPED,
}


async def record(s: AsyncSession, *, worker: str, outcomes: Iterable[Outcome]) -> None:
    """Record outcomes and release the claims. A send that went out is recorded even if the
    row was meanwhile released (this worker had been taken for dead): it is not sent again.
    Any other outcome is recorded only while the row is this worker's or nobody's."""
    for outcome in outcomes:
        row = and_(Delivery.id == outcome.delivery_id, IS_PENDING)
        ours = and_(row, or_(Delivery.claimed_by == worker, Delivery.claimed_by.is_(None)))
        error = outcome.error[:500] if outcome.error else None
        values: dict[str, object] = {"claimed_by": None, "updated_at": outcome.at}
        if outcome.result is Result.SENT:
            values.update(status=DeliveryStatus.SENT.value, sent_at=outcome.at, last_error=error)
            await s.execute(update(Delivery).where(row).values(**values))
        elif outcome.result is Result.UNTRIED:
            values["attempts"] = func.greatest(Delivery.attempts - 1, 0)
            await s.execute(update(Delivery).where(ours).values(**values))
        elif outcome.result is Result.RETRY:
            values.update(next_attempt_at=outcome.retry_at or outcome.at, last_error=error)
            if outcome.uncertain:
                values["uncertain"] = True
            await s.execute(update(Delivery).where(ours).values(**values))
        else:
            values.update(status=_FINAL[outcome.result].value, last_error=error)
            await s.execute(update(Delivery).where(ours).values(**values))


@dataclass(frozen=True)
class FailedDelivery:
    """A delivery that failed (for good, or so far), as the admins' report shows it."""

    id: int
    channel: str
    kind: str
    recipient: str  # the name of whom it is for
    attempts: int
    status: str
    last_error: str | None


@dataclass(frozen=True)
class DeliveryStats:
    next_day: dict[tuple[str, str], int]
    last_day: dict[tuple[str, str], int]
    failures: list[FailedDelivery]


async def stats(s: AsyncSession, *, now: datetime, failures: int = 5) -> DeliveryStats:
    """Counts by (channel, status) due in the next and the last 24 h; the latest failures."""

    async def counts(start: datetime, end: datetime) -> dict[tuple[str, str], int]:
        rows = await s.execute(
            select(Delivery.channel, Delivery.status, func.count())
            .where(Delivery.due_at >= start, Delivery.due_at < end)
            .group_by(Delivery.channel, Delivery.status)
        )
        return {(channel, status): int(n) for channel, status, n in rows.all()}

    latest = await s.execute(
        select(Delivery, User.name)
        .join(User, User.id == Delivery.recipient_id)
        .where(
            and_(
                Delivery.last_error.is_not(None),
                Delivery.status.in_([DeliveryStatus.FAILED.value, PENDING]),
            )
        )
        .order_by(Delivery.updated_at.desc())
        .limit(failures)
    )
    return DeliveryStats(
        next_day=await counts(now, now + timedelta(hours=24)),
        last_day=await counts(now - timedelta(hours=24), now),
        failures=[
            FailedDelivery(
                id=d.id,
                channel=d.channel,
                kind=d.kind,
                recipient=name,
                attempts=d.attempts,
                status=d.status,
                last_error=d.last_error,
            )
            for d, name in latest.all()
        ],
    )


async def doctors_to_brief(
    s: AsyncSession, *, start: datetime, end: datetime, now: datetime
) -> list[int]:
    """Active doctors with a booked appointment still to come between ``start`` and ``end``."""
    rows = await s.scalars(
        select(Appointment.doctor_id)
        .join(Doctor, Doctor.user_id == Appointment.doctor_id)
        .where(
            Appointment.status == literal(BOOKED, literal_execute=True),
            Appointment.starts_at >= max(start, now),
            Appointment.starts_at < end,
            Doctor.active,
        )
        .distinct()
    )
    return sorted(rows.all())


async def enqueue_agendas(
    s: AsyncSession, *, day: date, start: datetime, end: datetime, now: datetime
) -> int:
    """Queue the agenda of ``day`` (from ``start`` to ``end``) for each doctor with
    appointments still to come, once per doctor and day; how many were queued now."""
    doctors = await doctors_to_brief(s, start=start, end=end, now=now)
    if not doctors:
        return 0
    rows = [
        _row(DeliveryKind.AGENDA, Channel.TELEGRAM, doctor_id, now, now, agenda_day=day)
        for doctor_id in doctors
    ]
    queued = await s.execute(
        insert(Delivery)
        .values(rows)
        .on_conflict_do_nothing(
            index_elements=[Delivery.recipient_id, Delivery.agenda_day],
            index_where=text("kind = 'agenda'"),
        )
        .returning(Delivery.id)
    )
    return len(queued.all())


async def languages(s: AsyncSession, user_ids: Collection[int]) -> dict[int, str | None]:
    """Each user's language (None when they never chose one)."""
    if not user_ids:
        return {}
    rows = await s.execute(select(User.id, User.language).where(User.id.in_(set(user_ids))))
    return {user_id: language for user_id, language in rows.all()}
