"""Waitlists: patients waiting for a time to free up, and the one-tap offers they get.

A patient waits for a time with one doctor, or with any doctor of a specialty, within a span;
or for a time earlier than one of their appointments (taking it moves the appointment). When
time frees up — a cancellation, a move, time off or a closure removed, new hours — every
waiting entry it suits is offered the earliest suitable free time, as a ``slot_offer`` row of
the outbox written in the same transaction, so a restart loses none. What suits an entry: its
span (for an earlier time, before the appointment), the clinic's notice and horizon, the
patient's own visits (no overlap) and their cap of upcoming visits. The first tap books the
time (the database's constraints decide between two at once); a later tap is told it is gone,
and the entry keeps waiting. Booking with the doctor (or the specialty) ends the entry.

Every function takes an open session and the time, and never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

import db.booking as booking
from db.deliveries import QUEUED
from db.doctors import DoctorView, get_doctor, get_specialty, list_doctors
from db.errors import DomainError, NotFound
from db.models import (
    Appointment,
    AppointmentStatus,
    Channel,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Doctor,
    Role,
    Specialty,
    User,
    WaitlistEntry,
    WaitlistStatus,
)
from db.slots import Slot

# Entries a patient may keep waiting at once.
MAX_WAITING = 5
WAITING = WaitlistStatus.WAITING.value
BOOKED = AppointmentStatus.BOOKED.value


class WaitlistFull(DomainError):
    code = "waitlist_full"

    def __init__(self, limit: int) -> None:
        super().__init__(str(limit))
        self.limit = limit


class WaitlistEnded(DomainError):
    """The entry no longer waits: the patient left it, or booked."""

    code = "waitlist_ended"

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class NoSpan(DomainError):
    """Nothing is left of the span once the clinic's notice and horizon are applied."""

    code = "waitlist_no_span"


@dataclass(frozen=True)
class EntryView:
    """A waiting entry as the patient sees it."""

    id: int
    doctor_id: int | None
    doctor_name: str | None
    specialty: str
    from_at: datetime
    until_at: datetime
    # Waiting for a time earlier than this appointment of theirs (its current start).
    appointment_id: int | None
    appointment_starts_at: datetime | None


def _entries() -> Select[WaitlistEntry, str | None, str, datetime | None]:
    return (
        select(WaitlistEntry, Doctor.display_name, Specialty.name, Appointment.starts_at)
        .outerjoin(Doctor, Doctor.user_id == WaitlistEntry.doctor_id)
        .join(
            Specialty,
            Specialty.id == func.coalesce(WaitlistEntry.specialty_id, Doctor.specialty_id),
        )
        .outerjoin(Appointment, Appointment.id == WaitlistEntry.appointment_id)
    )


def _view(
    entry: WaitlistEntry, doctor: str | None, specialty: str, at: datetime | None
) -> EntryView:
    return EntryView(
        id=entry.id,
        doctor_id=entry.doctor_id,
        doctor_name=doctor,
        specialty=specialty,
        from_at=entry.from_at,
        until_at=entry.until_at,
        appointment_id=entry.appointment_id,
        appointment_starts_at=at,
    )


async def entry_view(s: AsyncSession, entry_id: int) -> EntryView:
    row = (await s.execute(_entries().where(WaitlistEntry.id == entry_id))).one_or_none()
    if row is None:
        raise NotFound("waitlist")
    return _view(*row)


def _live() -> ColumnElement[bool]:
    """Entries still waiting for something that may still come: not past their span, and for
    an earlier time, their appointment still booked."""
    return and_(
        WaitlistEntry.status == WAITING,
        or_(WaitlistEntry.appointment_id.is_(None), Appointment.status == BOOKED),
    )


def _doctor_sees_patients() -> ColumnElement[bool]:
    """An entry for a doctor who no longer sees patients (deactivated) is set aside: neither
    listed nor counted, and offered again if the doctor comes back. Needs ``Doctor`` joined on
    the entry's doctor."""
    return or_(WaitlistEntry.doctor_id.is_(None), Doctor.active.is_(True))


async def waiting_for(s: AsyncSession, *, patient_id: int, now: datetime) -> list[EntryView]:
    """The patient's waiting entries whose span has not passed, soonest ending first (those of
    a doctor who no longer sees patients set aside)."""
    rows = await s.execute(
        _entries()
        .where(
            WaitlistEntry.patient_id == patient_id,
            _live(),
            _doctor_sees_patients(),
            WaitlistEntry.until_at > now,
            or_(Appointment.id.is_(None), Appointment.starts_at > now),
        )
        .order_by(WaitlistEntry.until_at, WaitlistEntry.id)
    )
    return [_view(*row) for row in rows.all()]


async def _lock_patient(s: AsyncSession, patient_id: int) -> User:
    """The patient's row, locked: their waitlist changes and bookings go one at a time."""
    patient = await s.get(User, patient_id, with_for_update=True)
    if patient is None or not patient.active or patient.role != Role.PATIENT.value:
        raise NotFound("patient")
    return patient


async def _count_waiting(s: AsyncSession, patient_id: int, now: datetime) -> int:
    return int(
        await s.scalar(
            select(func.count())
            .select_from(WaitlistEntry)
            .outerjoin(Doctor, Doctor.user_id == WaitlistEntry.doctor_id)
            .where(
                WaitlistEntry.patient_id == patient_id,
                WaitlistEntry.status == WAITING,
                WaitlistEntry.until_at > now,
                _doctor_sees_patients(),
            )
        )
        or 0
    )


async def _upsert(
    s: AsyncSession, *, patient_id: int, now: datetime, limit: int, **target: object
) -> int:
    """The patient's waiting entry for ``target`` with the new span, added or updated."""
    same = [WaitlistEntry.patient_id == patient_id, WaitlistEntry.status == WAITING]
    for name in ("doctor_id", "specialty_id", "appointment_id"):
        column = getattr(WaitlistEntry, name)
        value = target.get(name)
        same.append(column.is_(None) if value is None else column == value)
    existing = await s.scalar(select(WaitlistEntry).where(*same).with_for_update())
    if existing is not None:
        existing.from_at, existing.until_at = target["from_at"], target["until_at"]  # type: ignore[assignment]
        await s.flush()
        return existing.id
    if await _count_waiting(s, patient_id, now) >= limit:
        raise WaitlistFull(limit)
    entry = WaitlistEntry(patient_id=patient_id, status=WAITING, created_at=now, **target)
    s.add(entry)
    await s.flush()
    return entry.id


async def join_waitlist(
    s: AsyncSession,
    *,
    patient_id: int,
    from_at: datetime,
    until_at: datetime,
    policy: booking.BookingPolicy,
    now: datetime,
    doctor_id: int | None = None,
    specialty_id: int | None = None,
    limit: int = MAX_WAITING,
) -> EntryView:
    """Wait for a time with the doctor (or any doctor of the specialty) between ``from_at`` and
    ``until_at``, clipped to what the clinic books (its notice and horizon). Joining again
    replaces the span. :class:`NotFound` for a doctor not taking appointments or an unknown
    specialty, :class:`NoSpan`, :class:`WaitlistFull`."""
    if (doctor_id is None) == (specialty_id is None):
        raise ValueError("a doctor or a specialty")
    await _lock_patient(s, patient_id)
    if doctor_id is not None:
        await get_doctor(s, doctor_id, bookable=True)
    else:
        assert specialty_id is not None
        await get_specialty(s, specialty_id)
    from_at = max(from_at, policy.earliest(now))
    until_at = min(until_at, policy.latest(now) + booking.MAX_APPOINTMENT)
    if from_at >= until_at:
        raise NoSpan()
    entry_id = await _upsert(
        s,
        patient_id=patient_id,
        now=now,
        limit=limit,
        doctor_id=doctor_id,
        specialty_id=specialty_id,
        appointment_id=None,
        from_at=from_at,
        until_at=until_at,
    )
    return await entry_view(s, entry_id)


async def wait_for_earlier(
    s: AsyncSession,
    *,
    patient_id: int,
    appointment_id: int,
    policy: booking.BookingPolicy,
    now: datetime,
    limit: int = MAX_WAITING,
) -> EntryView:
    """Wait for a time with the appointment's doctor earlier than the appointment (which the
    patient may still move). :class:`NotFound`, :class:`~db.booking.NotChangeable`,
    :class:`~db.booking.TooLateToChange`, :class:`NoSpan`, :class:`WaitlistFull`."""
    await _lock_patient(s, patient_id)
    appointment = await booking.check_changeable(
        s,
        appointment_id=appointment_id,
        actor=booking.Actor(patient_id, Role.PATIENT),
        policy=policy,
        now=now,
    )
    await get_doctor(s, appointment.doctor_id, bookable=True)
    from_at = policy.earliest(now)
    if from_at >= appointment.starts_at:
        raise NoSpan()
    entry_id = await _upsert(
        s,
        patient_id=patient_id,
        now=now,
        limit=limit,
        doctor_id=appointment.doctor_id,
        specialty_id=None,
        appointment_id=appointment_id,
        from_at=from_at,
        until_at=appointment.starts_at,
    )
    return await entry_view(s, entry_id)


async def leave_waitlist(
    s: AsyncSession, *, entry_id: int, patient_id: int, now: datetime
) -> EntryView:
    """Stop waiting (nothing changes if the entry already ended); :class:`NotFound` when it
    is not the patient's."""
    entry = await s.get(WaitlistEntry, entry_id, with_for_update=True)
    if entry is None or entry.patient_id != patient_id:
        raise NotFound("waitlist")
    if entry.status == WAITING:
        entry.status, entry.ended_at = WaitlistStatus.LEFT.value, now
        await s.flush()
    return await entry_view(s, entry_id)


async def on_booked(
    s: AsyncSession, *, patient_id: int, doctor: DoctorView, now: datetime
) -> None:
    """The patient booked with ``doctor``: their entries waiting for that doctor, or for any
    doctor of the specialty, end."""
    await s.execute(
        update(WaitlistEntry)
        .where(
            WaitlistEntry.patient_id == patient_id,
            WaitlistEntry.status == WAITING,
            WaitlistEntry.appointment_id.is_(None),
            or_(
                WaitlistEntry.doctor_id == doctor.user_id,
                WaitlistEntry.specialty_id == doctor.specialty_id,
            ),
        )
        .values(status=WaitlistStatus.BOOKED.value, ended_at=now)
    )


# --- offering freed time ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Waiting:
    id: int
    patient_id: int
    from_at: datetime
    until_at: datetime
    appointment_id: int | None
    appointment_starts_at: datetime | None


async def _busy_of(
    s: AsyncSession, patient_ids: set[int], start: datetime, end: datetime
) -> dict[int, list[tuple[int, datetime, datetime]]]:
    """Each patient's booked visits overlapping start..end: (id, start, end)."""
    rows = await s.execute(
        select(
            Appointment.patient_id, Appointment.id, Appointment.starts_at, Appointment.ends_at
        ).where(
            Appointment.patient_id.in_(patient_ids),
            Appointment.status == BOOKED,
            Appointment.starts_at < end,
            Appointment.ends_at > start,
        )
    )
    busy: dict[int, list[tuple[int, datetime, datetime]]] = {}
    for patient_id, id_, a, b in rows.all():
        busy.setdefault(patient_id, []).append((id_, a, b))
    return busy


async def _upcoming_of(s: AsyncSession, patient_ids: set[int], now: datetime) -> dict[int, int]:
    rows = await s.execute(
        select(Appointment.patient_id, func.count())
        .where(
            Appointment.patient_id.in_(patient_ids),
            Appointment.status == BOOKED,
            Appointment.starts_at > now,
        )
        .group_by(Appointment.patient_id)
    )
    return {patient_id: int(n) for patient_id, n in rows.all()}


def _suits(
    entry: _Waiting,
    slot: Slot,
    busy: Sequence[tuple[int, datetime, datetime]],
    policy: booking.BookingPolicy,
    now: datetime,
) -> bool:
    if slot.starts_at < entry.from_at or slot.ends_at > entry.until_at:
        return False
    if entry.appointment_id is not None:
        current = entry.appointment_starts_at
        # Earlier than the appointment, which the patient may still move.
        if current is None or slot.starts_at >= current:
            return False
        if current - now < policy.cancel_window:
            return False
    return not any(
        id_ != entry.appointment_id and a < slot.ends_at and b > slot.starts_at
        for id_, a, b in busy
    )


async def on_freed(
    s: AsyncSession,
    *,
    doctor_id: int,
    start: datetime,
    end: datetime,
    policy: booking.BookingPolicy,
    now: datetime,
    freed_by: int | None = None,
    new: Callable[[Slot], bool] | None = None,
) -> int:
    """Time of the doctor between ``start`` and ``end`` may have freed up: offer each waiting
    entry it suits (but not ``freed_by``'s, the patient who let it go) the earliest free time
    there (and ``new``, when given: a time the change opened) that suits it. Returns how many
    offers were queued. One statement when nobody waits."""
    start, end = (
        max(start, policy.earliest(now)),
        min(end, policy.latest(now) + booking.MAX_APPOINTMENT),
    )
    if start >= end:
        return 0
    specialty = select(Doctor.specialty_id).where(Doctor.user_id == doctor_id).scalar_subquery()
    query = (
        select(
            WaitlistEntry.id,
            WaitlistEntry.patient_id,
            WaitlistEntry.from_at,
            WaitlistEntry.until_at,
            WaitlistEntry.appointment_id,
            Appointment.starts_at,
        )
        .outerjoin(Appointment, Appointment.id == WaitlistEntry.appointment_id)
        .where(
            _live(),
            or_(WaitlistEntry.doctor_id == doctor_id, WaitlistEntry.specialty_id == specialty),
            WaitlistEntry.until_at > start,
            WaitlistEntry.from_at < end,
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    )
    if freed_by is not None:
        query = query.where(WaitlistEntry.patient_id != freed_by)
    entries = [_Waiting(*row) for row in (await s.execute(query)).all()]
    if not entries:
        return 0
    try:
        doctor = await get_doctor(s, doctor_id, bookable=True)
    except NotFound:
        return 0
    tz = policy.tz
    days = await booking.available_days(
        s,
        doctor=doctor,
        policy=policy,
        now=now,
        first_day=start.astimezone(tz).date(),
        last_day=end.astimezone(tz).date(),
    )
    slots = [
        slot
        for day in days.values()
        for slot in day
        if slot.starts_at < end and slot.ends_at > start and (new is None or new(slot))
    ]
    if not slots:
        return 0
    patients = {entry.patient_id for entry in entries}
    busy = await _busy_of(s, patients, slots[0].starts_at, slots[-1].ends_at)
    upcoming = await _upcoming_of(s, patients, now)
    rows = []
    for entry in entries:
        if (
            entry.appointment_id is None
            and upcoming.get(entry.patient_id, 0) >= policy.max_upcoming
        ):
            continue
        mine = busy.get(entry.patient_id, [])
        slot = next((x for x in slots if _suits(entry, x, mine, policy, now)), None)
        if slot is not None:
            rows.append(_offer_row(entry, doctor_id, slot.starts_at, now))
    if rows:
        await s.execute(insert(Delivery).values(rows).on_conflict_do_nothing())
        s.sync_session.info[QUEUED] = True
    return len(rows)


def _offer_row(
    entry: _Waiting, doctor_id: int, starts_at: datetime, now: datetime
) -> dict[str, object]:
    return {
        "recipient_id": entry.patient_id,
        "kind": DeliveryKind.SLOT_OFFER.value,
        "channel": Channel.TELEGRAM.value,
        "waitlist_entry_id": entry.id,
        "offer_doctor_id": doctor_id,
        "offer_starts_at": starts_at,
        "due_at": now,
        "next_attempt_at": now,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


async def on_doctor_open(
    s: AsyncSession, *, doctor_id: int, policy: booking.BookingPolicy, now: datetime
) -> int:
    """The doctor takes appointments again (reactivated, marked ready): their free times are
    offered to whoever waits for them."""
    return await on_freed(
        s,
        doctor_id=doctor_id,
        start=now,
        end=policy.latest(now) + booking.MAX_APPOINTMENT,
        policy=policy,
        now=now,
    )


async def on_freed_everywhere(
    s: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    policy: booking.BookingPolicy,
    now: datetime,
) -> int:
    """Time of every doctor between ``start`` and ``end`` may have freed up (a closure
    removed): offers for each doctor somebody waits for."""
    waited = await s.execute(
        select(WaitlistEntry.doctor_id, WaitlistEntry.specialty_id)
        .where(
            WaitlistEntry.status == WAITING,
            WaitlistEntry.until_at > start,
            WaitlistEntry.from_at < end,
        )
        .distinct()
    )
    doctors: set[int] = set()
    for doctor_id, specialty_id in waited.all():
        if doctor_id is not None:
            doctors.add(doctor_id)
        else:
            found = await list_doctors(s, specialty_id=specialty_id, bookable_only=True)
            doctors.update(d.user_id for d in found)
    queued = 0
    for doctor_id in sorted(doctors):
        queued += await on_freed(
            s, doctor_id=doctor_id, start=start, end=end, policy=policy, now=now
        )
    return queued


# --- an offer: sent, and taken ------------------------------------------------------------------


@dataclass(frozen=True)
class OfferView:
    """A freed time as the offer shows it."""

    entry_id: int
    doctor_id: int
    doctor_name: str
    specialty: str
    starts_at: datetime
    ends_at: datetime
    # For an earlier time: the appointment it would move, and its current start.
    appointment_id: int | None
    current_starts_at: datetime | None


async def offer_to_send(
    s: AsyncSession,
    *,
    entry_id: int,
    doctor_id: int,
    starts_at: datetime,
    policy: booking.BookingPolicy,
    now: datetime,
) -> OfferView | str:
    """The offer as it stands when it is about to be sent, or why it must not be: the entry
    ended, the time was taken meanwhile, no longer suits the patient."""
    row = (
        await s.execute(
            select(WaitlistEntry, Appointment.starts_at, Appointment.status)
            .outerjoin(Appointment, Appointment.id == WaitlistEntry.appointment_id)
            .where(WaitlistEntry.id == entry_id)
        )
    ).one_or_none()
    if row is None:
        return "waitlist entry gone"
    entry, current, status = row
    if entry.status != WAITING:
        return f"waitlist entry {entry.status}"
    try:
        doctor = await get_doctor(s, doctor_id, bookable=True)
    except NotFound:
        return "the doctor takes no appointments"
    if entry.appointment_id is not None:
        if status != BOOKED or current is None or starts_at >= current:
            return "no longer earlier than the appointment"
        if current - now < policy.cancel_window:
            return "the appointment can no longer be moved"
    elif await booking.upcoming_count(s, patient_id=entry.patient_id, now=now) >= (
        policy.max_upcoming
    ):
        return "the patient has the most upcoming visits"
    day = starts_at.astimezone(policy.tz).date()
    days = await booking.available_days(
        s,
        doctor=doctor,
        policy=policy,
        now=now,
        patient_id=entry.patient_id,
        ignore_appointment=entry.appointment_id,
        first_day=day,
        last_day=day,
    )
    slot = next((x for x in days.get(day, []) if x.starts_at == starts_at), None)
    if slot is None:
        return "the time is no longer free"
    return OfferView(
        entry_id=entry.id,
        doctor_id=doctor.user_id,
        doctor_name=doctor.name,
        specialty=doctor.specialty,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        appointment_id=entry.appointment_id,
        current_starts_at=current,
    )


@dataclass(frozen=True)
class Taken:
    """A freed time taken: the appointment booked (or moved there, from ``moved_from``)."""

    appointment: booking.AppointmentView
    moved_from: datetime | None


async def take_freed_time(
    s: AsyncSession,
    *,
    entry_id: int,
    patient_id: int,
    doctor_id: int,
    starts_at: datetime,
    policy: booking.BookingPolicy,
    now: datetime,
) -> Taken:
    """Take an offered time: book it, or for an earlier time, move the appointment there,
    through the booking use cases and every rule of theirs (the database decides between two
    taps at once: :class:`~db.booking.SlotTaken`, and the entry keeps waiting). The entry then
    ends. :class:`NotFound` when the entry is not the patient's, :class:`WaitlistEnded` when it
    no longer waits, :class:`~db.booking.SlotUnavailable` when the time is no longer earlier."""
    # The patient's row before the entry's, in the order booking takes them.
    await _lock_patient(s, patient_id)
    entry = await s.get(WaitlistEntry, entry_id, with_for_update=True)
    if entry is None or entry.patient_id != patient_id:
        raise NotFound("waitlist")
    if entry.status != WAITING:
        raise WaitlistEnded(entry.status)
    actor = booking.Actor(patient_id, Role.PATIENT)
    moved_from: datetime | None = None
    if entry.appointment_id is not None:
        current = await booking.appointment_view(s, entry.appointment_id)
        if current.doctor_id != doctor_id or starts_at >= current.starts_at:
            raise booking.SlotUnavailable("not earlier")
        view, moved_from = await booking.reschedule(
            s,
            appointment_id=entry.appointment_id,
            actor=actor,
            new_start=starts_at,
            policy=policy,
            now=now,
        )
    else:
        view = await booking.book(
            s,
            patient_id=patient_id,
            doctor_id=doctor_id,
            starts_at=starts_at,
            policy=policy,
            now=now,
        )
    await s.refresh(entry)
    if entry.status == WAITING:
        entry.status, entry.ended_at = WaitlistStatus.BOOKED.value, now
    await s.flush()
    return Taken(appointment=view, moved_from=moved_from)


def span_of(days: int, policy: booking.BookingPolicy, now: datetime) -> tuple[datetime, datetime]:
    """From now to the end of the ``days``-th local day from today (today the first); the
    horizon's days or more: to the end of its last day."""
    last = policy.last_day(now) if days >= policy.horizon_days else None
    after_last = (last or policy.today(now) + timedelta(days=days - 1)) + timedelta(days=1)
    return now, datetime(after_last.year, after_last.month, after_last.day, tzinfo=policy.tz)
