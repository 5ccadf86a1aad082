"""Durable reminders and confirmations: created with the appointment change that causes them,
claimed with ``FOR UPDATE SKIP LOCKED`` under a lease, and settled with their outcome.

Every function takes an open session and a time, and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    AgendaSent,
    Appointment,
    AppointmentStatus,
    Channel,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Doctor,
)

CHANNELS = (Channel.TELEGRAM, Channel.EMAIL)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)

PENDING = DeliveryStatus.PENDING.value
BOOKED = AppointmentStatus.BOOKED.value
# Written into the SQL, so every plan can use the partial index ``ix_deliveries_due``.
IS_PENDING = Delivery.status == literal(PENDING, literal_execute=True)


def _minutes(offset: timedelta) -> int:
    return int(offset.total_seconds() // 60)


async def _insert(s: AsyncSession, rows: list[dict[str, object]]) -> None:
    if rows:
        stmt = insert(Delivery).values(rows)
        await s.execute(stmt.on_conflict_do_nothing())


def _row(
    appointment: Appointment,
    kind: DeliveryKind,
    channel: Channel,
    due_at: datetime,
    now: datetime,
    offset: int | None = None,
) -> dict[str, object]:
    return {
        "appointment_id": appointment.id,
        "appointment_version": appointment.version,
        "kind": kind.value,
        "channel": channel.value,
        "offset_minutes": offset,
        "due_at": due_at,
        "next_attempt_at": due_at,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def reminder_rows(
    appointment: Appointment, offsets: Sequence[timedelta], now: datetime
) -> list[dict[str, object]]:
    """One row per channel and offset; an offset already past is skipped, not sent late."""
    return [
        _row(appointment, DeliveryKind.REMINDER, channel, due, now, _minutes(offset))
        for offset in offsets
        if (due := appointment.starts_at - offset) > now
        for channel in CHANNELS
    ]


async def _drop_pending(s: AsyncSession, appointment_id: int) -> None:
    """Remove unsent reminders and confirmations of the appointment's earlier state."""
    await s.execute(
        delete(Delivery).where(
            Delivery.appointment_id == appointment_id,
            Delivery.status == PENDING,
            Delivery.kind != DeliveryKind.CANCELLED.value,
        )
    )


async def on_booked(
    s: AsyncSession, appointment: Appointment, offsets: Sequence[timedelta], now: datetime
) -> None:
    """Reminders for a new appointment and its confirmation email."""
    rows = reminder_rows(appointment, offsets, now)
    rows.append(_row(appointment, DeliveryKind.BOOKED, Channel.EMAIL, now, now))
    await _insert(s, rows)


async def on_moved(
    s: AsyncSession, appointment: Appointment, offsets: Sequence[timedelta], now: datetime
) -> None:
    """Reminders recomputed for the new time, and a confirmation email with the new time."""
    await _drop_pending(s, appointment.id)
    rows = reminder_rows(appointment, offsets, now)
    rows.append(_row(appointment, DeliveryKind.RESCHEDULED, Channel.EMAIL, now, now))
    await _insert(s, rows)


async def on_cancelled(s: AsyncSession, appointment: Appointment, now: datetime) -> None:
    """Unsent reminders removed; a cancellation email (with the calendar cancellation)."""
    await _drop_pending(s, appointment.id)
    await _insert(s, [_row(appointment, DeliveryKind.CANCELLED, Channel.EMAIL, now, now)])


_SYNC = text(
    """
    INSERT INTO deliveries (appointment_id, appointment_version, kind, channel, offset_minutes,
                            due_at, next_attempt_at, status, attempts, created_at, updated_at)
    SELECT a.id, a.version, 'reminder', c.channel, o.minutes,
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
        )
        .returning(Delivery.id)
    )
    created = await s.execute(
        _SYNC, {"now": now, "minutes": minutes, "channels": [c.value for c in CHANNELS]}
    )
    return len(created.all()), len(dropped.all())


@dataclass(frozen=True)
class _ClaimRow:
    id: int
    appointment_id: int
    appointment_version: int
    kind: str
    channel: str
    offset_minutes: int | None
    attempts: int


@dataclass(frozen=True)
class Claimed:
    """A delivery this process holds under lease, with what is needed to send it."""

    id: int
    appointment_id: int
    kind: DeliveryKind
    channel: Channel
    offset_minutes: int | None
    attempts: int


async def claim_due(
    s: AsyncSession, *, now: datetime, limit: int = 200, lease: timedelta = LEASE
) -> list[Claimed]:
    """Take up to ``limit`` due deliveries under a lease (rows other processes hold are
    skipped). Reminders no longer wanted are settled here instead of being returned: their
    appointment was cancelled, moved or has begun, or a later reminder of the same channel is
    also due (after downtime only the nearest one is sent)."""
    due = (
        select(Delivery.id)
        .where(
            IS_PENDING,
            Delivery.next_attempt_at <= now,
            (Delivery.lease_until.is_(None)) | (Delivery.lease_until < now),
        )
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = (
        await s.execute(
            update(Delivery)
            .where(Delivery.id.in_(due.scalar_subquery()))
            .values(lease_until=now + lease, attempts=Delivery.attempts + 1, updated_at=now)
            .returning(
                Delivery.id,
                Delivery.appointment_id,
                Delivery.appointment_version,
                Delivery.kind,
                Delivery.channel,
                Delivery.offset_minutes,
                Delivery.attempts,
            )
        )
    ).all()
    rows = [_ClaimRow(*r) for r in result]
    if not rows:
        return []
    appointments = {
        a.id: a
        for a in (
            await s.scalars(
                select(Appointment).where(Appointment.id.in_({r.appointment_id for r in rows}))
            )
        ).all()
    }
    claimed: list[Claimed] = []
    stale: dict[int, str] = {}
    nearest: dict[tuple[int, str], int] = {}
    for r in rows:
        if r.kind == DeliveryKind.REMINDER.value and r.offset_minutes is not None:
            key = (r.appointment_id, r.channel)
            nearest[key] = min(nearest.get(key, r.offset_minutes), r.offset_minutes)
    for r in rows:
        appointment = appointments.get(r.appointment_id)
        reason = _unwanted(r, appointment, now, nearest)
        if reason:
            stale[r.id] = reason
            continue
        claimed.append(
            Claimed(
                id=r.id,
                appointment_id=r.appointment_id,
                kind=DeliveryKind(r.kind),
                channel=Channel(r.channel),
                offset_minutes=r.offset_minutes,
                attempts=r.attempts,
            )
        )
    for delivery_id, reason in stale.items():
        await settle(
            s, delivery_id=delivery_id, status=DeliveryStatus.SKIPPED, now=now, error=reason
        )
    return claimed


def _unwanted(
    row: _ClaimRow,
    appointment: Appointment | None,
    now: datetime,
    nearest: dict[tuple[int, str], int],
) -> str:
    """Why a claimed delivery must not be sent; empty when it should be."""
    if appointment is None:
        return "appointment gone"
    if row.kind == DeliveryKind.CANCELLED.value:
        return ""
    if appointment.status != BOOKED:
        return f"appointment {appointment.status}"
    if appointment.version != row.appointment_version:
        return "appointment moved"
    if appointment.starts_at <= now:
        return "appointment has begun"
    if (
        row.kind == DeliveryKind.REMINDER.value
        and row.offset_minutes is not None
        and nearest[(row.appointment_id, row.channel)] < row.offset_minutes
    ):
        return "superseded by a later reminder"
    return ""


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: 1, 2, 4, … minutes, at most 1 h."""
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, LONGEST_RETRY)


async def settle(
    s: AsyncSession,
    *,
    delivery_id: int,
    status: DeliveryStatus,
    now: datetime,
    error: str | None = None,
) -> None:
    """Record a final outcome: sent, failed (given up) or skipped."""
    values: dict[str, object] = {
        "status": status.value,
        "lease_until": None,
        "updated_at": now,
        "last_error": error[:500] if error else None,
    }
    if status is DeliveryStatus.SENT:
        values["sent_at"] = now
    await s.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))


async def retry_later(
    s: AsyncSession,
    *,
    delivery_id: int,
    attempts: int,
    now: datetime,
    error: str,
    after: timedelta | None = None,
) -> DeliveryStatus:
    """A temporary failure: try again with backoff, or give up after :data:`MAX_ATTEMPTS`."""
    if attempts >= MAX_ATTEMPTS:
        await settle(
            s, delivery_id=delivery_id, status=DeliveryStatus.FAILED, now=now, error=error
        )
        return DeliveryStatus.FAILED
    await s.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            lease_until=None,
            next_attempt_at=now + (after if after is not None else backoff(attempts)),
            last_error=error[:500],
            updated_at=now,
        )
    )
    return DeliveryStatus.PENDING


@dataclass(frozen=True)
class FailedDelivery:
    """A delivery that failed (for good, or so far), as the admins' report shows it."""

    id: int
    channel: str
    appointment_id: int
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

    latest = await s.scalars(
        select(Delivery)
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
                appointment_id=d.appointment_id,
                attempts=d.attempts,
                status=d.status,
                last_error=d.last_error,
            )
            for d in latest.all()
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


async def claim_agenda(s: AsyncSession, *, doctor_id: int, day: date, now: datetime) -> bool:
    """Record that the doctor's agenda of ``day`` is being sent; False when it already was
    (by an earlier run or another process)."""
    claimed = await s.execute(
        insert(AgendaSent)
        .values(doctor_id=doctor_id, day=day, sent_at=now)
        .on_conflict_do_nothing()
        .returning(AgendaSent.doctor_id)
    )
    return claimed.first() is not None
