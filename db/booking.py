"""Free slots, booking, cancelling, rescheduling, schedules and attendance.

No two live appointments of a doctor (or of a patient) overlap: the database's exclusion
constraints guarantee it under any concurrency; the code here turns a violation into a clear
domain error. Every change queues, in the same transaction, what must be told about it:
reminders, confirmation emails, and the notices to the doctor or the patient who did not make
the change (:mod:`db.deliveries`). Every function takes an open session and a time, and never
commits.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    func,
    literal,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

import db.waitlist as waitlist
from db import deliveries
from db.doctors import (
    DoctorView,
    OverlappingHours,
    add_hours,
    add_time_off,
    doctor_view,
    get_doctor,
    lock_doctor,
    replace_hours,
    set_doctor_active,
    weekly_hours,
)
from db.errors import DomainError, NotFound
from db.locks import lock_clinic
from db.models import (
    Appointment,
    AppointmentStatus,
    ChangeReason,
    ClinicClosure,
    Doctor,
    Role,
    Specialty,
    TimeOff,
    User,
)
from db.slots import Interval, Slot, WeeklyRange, free_days, free_slots

# Appointments are never longer than this: it bounds the index scans for overlaps.
MAX_APPOINTMENT = timedelta(hours=2)

BOOKED = AppointmentStatus.BOOKED.value
CANCELLED = AppointmentStatus.CANCELLED.value
# Written into the SQL rather than bound, so every plan (a generic one included) can use the
# partial indexes defined with ``status <> 'cancelled'`` / ``status = 'booked'``.
LIVE = Appointment.status != literal(CANCELLED, literal_execute=True)
IS_BOOKED = Appointment.status == literal(BOOKED, literal_execute=True)


class SlotTaken(DomainError):
    code = "slot_taken"


class SlotUnavailable(DomainError):
    code = "slot_unavailable"


class PatientOverlap(DomainError):
    code = "patient_overlap"


class TooManyUpcoming(DomainError):
    code = "too_many_upcoming"

    def __init__(self, limit: int) -> None:
        super().__init__(f"limit {limit}")
        self.limit = limit


class TooLateToChange(DomainError):
    code = "too_late"


class NotChangeable(DomainError):
    code = "not_changeable"


class NotStartedYet(DomainError):
    code = "not_started"


class ChangedMeanwhile(DomainError):
    """The visit changed (moved, cancelled) after the person acting on it was shown it."""

    code = "changed"


class OfferTaken(DomainError):
    """A cancellation notice's offer was already used to book another visit."""

    code = "offer_taken"

    def __init__(self, appointment_id: int) -> None:
        super().__init__(str(appointment_id))
        self.appointment_id = appointment_id


class InvalidNote(DomainError):
    """A typed reason that is empty or too long."""

    code = "invalid_note"


# Who may act for any patient: the front desk and admins.
CLINIC = frozenset({Role.STAFF, Role.ADMIN})
NOTE_LENGTH = 200


def normalise_note(raw: str) -> str:
    """A typed reason with spaces folded; :class:`InvalidNote` when empty or too long."""
    note = " ".join(raw.split())
    if not 2 <= len(note) <= NOTE_LENGTH or note.startswith("/"):
        raise InvalidNote()
    return note


@dataclass(frozen=True)
class Why:
    """Why the clinic cancels or moves a visit: one of the short list, or typed."""

    reason: ChangeReason | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if (self.reason is None) == (self.note is None):
            raise ValueError("give a reason from the list or a typed one")


# A visit's reason: a short note in the patient's words, kept on one line.
MAX_REASON = 200


class ReasonTooLong(DomainError):
    code = "reason_too_long"

    def __init__(self, length: int) -> None:
        super().__init__(f"{length} characters")
        self.length = length


def clean_reason(text: str | None) -> str | None:
    """``text`` as a visit's reason: on one line, without control characters, its whitespace
    collapsed; ``None`` when nothing is left. :class:`ReasonTooLong` over :data:`MAX_REASON`
    characters."""
    if text is None:
        return None
    kept = "".join(
        " " if unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} else char for char in text
    )
    reason = " ".join(kept.split())
    if len(reason) > MAX_REASON:
        raise ReasonTooLong(len(reason))
    return reason or None


@dataclass(frozen=True)
class BookingPolicy:
    """The clinic's booking rules."""

    tz: ZoneInfo
    horizon_days: int = 30
    min_notice: timedelta = timedelta(hours=1)
    cancel_window: timedelta = timedelta(hours=2)
    max_upcoming: int = 3
    # Reminders are created with every booking and move (db.deliveries).
    reminder_offsets: tuple[timedelta, ...] = ()

    def earliest(self, now: datetime) -> datetime:
        return now + self.min_notice

    def latest(self, now: datetime) -> datetime:
        return now + timedelta(days=self.horizon_days)

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def last_day(self, now: datetime) -> date:
        return self.latest(now).astimezone(self.tz).date()


@dataclass(frozen=True)
class Actor:
    """Who asks for a change, as verified from their session."""

    user_id: int
    role: Role


@dataclass(frozen=True)
class AppointmentView:
    id: int
    doctor_id: int
    doctor_name: str
    specialty: str
    patient_id: int
    patient_name: str
    patient_email: str | None
    patient_phone: str | None
    patient_language: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    version: int
    cancelled_by: int | None
    # Booked by someone other than the patient: the clinic.
    booked_by_clinic: bool = False
    # Why the clinic made the latest change, when it did.
    change_reason: ChangeReason | None = None
    change_note: str | None = None
    rebooked_as: int | None = None
    reason: str | None = None
    confirmed_at: datetime | None = None
    arrived_at: datetime | None = None


_Patient = aliased(User)


def _views() -> Select[Appointment, Doctor, Specialty, User]:
    return (
        select(Appointment, Doctor, Specialty, _Patient)
        .join(Doctor, Doctor.user_id == Appointment.doctor_id)
        .join(Specialty, Specialty.id == Doctor.specialty_id)
        .join(_Patient, _Patient.id == Appointment.patient_id)
    )


def _view(
    appt: Appointment, doctor: Doctor, specialty: Specialty, patient: User
) -> AppointmentView:
    return AppointmentView(
        id=appt.id,
        doctor_id=appt.doctor_id,
        doctor_name=doctor.display_name,
        specialty=specialty.name,
        patient_id=patient.id,
        patient_name=patient.name,
        patient_email=patient.email,
        patient_phone=patient.phone,
        patient_language=patient.language,
        starts_at=appt.starts_at,
        ends_at=appt.ends_at,
        status=appt.status,
        version=appt.version,
        cancelled_by=appt.cancelled_by,
        booked_by_clinic=appt.booked_by is not None and appt.booked_by != appt.patient_id,
        change_reason=ChangeReason(appt.change_reason) if appt.change_reason else None,
        change_note=appt.change_note,
        rebooked_as=appt.rebooked_as,
        reason=appt.reason,
        confirmed_at=appt.confirmed_at,
        arrived_at=appt.arrived_at,
    )


async def appointment_view(s: AsyncSession, appointment_id: int) -> AppointmentView:
    """One appointment with its doctor and patient; :class:`NotFound` when there is none."""
    row = (await s.execute(_views().where(Appointment.id == appointment_id))).first()
    if row is None:
        raise NotFound("appointment")
    return _view(*row)


async def _views_of(
    s: AsyncSession, query: Select[Appointment, Doctor, Specialty, User]
) -> list[AppointmentView]:
    return [_view(*row) for row in (await s.execute(query)).all()]


# --- free slots ---------------------------------------------------------------------------------


async def _blocked(
    s: AsyncSession, *, doctor_id: int, start: datetime, end: datetime
) -> list[Interval]:
    """The doctor's time off and the clinic's closures within start..end, in one statement."""
    time_off = select(TimeOff.starts_at, TimeOff.ends_at).where(
        TimeOff.doctor_id == doctor_id, TimeOff.ends_at > start, TimeOff.starts_at < end
    )
    closed = select(ClinicClosure.starts_at, ClinicClosure.ends_at).where(
        ClinicClosure.ends_at > start, ClinicClosure.starts_at < end
    )
    return [Interval(a, b) for a, b in (await s.execute(union_all(time_off, closed))).all()]


async def _busy(
    s: AsyncSession,
    *,
    doctor_id: int,
    patient_id: int | None,
    start: datetime,
    end: datetime,
    ignore_appointment: int | None,
) -> list[Interval]:
    """Time off, clinic closures and live appointments (of the doctor, and of the patient)
    within start..end."""
    owners = [Appointment.doctor_id == doctor_id]
    if patient_id is not None:
        owners.append(Appointment.patient_id == patient_id)
    busy = await _blocked(s, doctor_id=doctor_id, start=start, end=end)
    for owner in owners:
        query = select(Appointment.starts_at, Appointment.ends_at).where(
            owner,
            LIVE,
            # Bounded on starts_at so that the partial (owner, starts_at) index is range-scanned.
            Appointment.starts_at > start - MAX_APPOINTMENT,
            Appointment.starts_at < end,
            Appointment.ends_at > start,
        )
        if ignore_appointment is not None:
            query = query.where(Appointment.id != ignore_appointment)
        busy.extend(Interval(a, b) for a, b in (await s.execute(query)).all())
    return busy


async def available_days(
    s: AsyncSession,
    *,
    doctor: DoctorView,
    policy: BookingPolicy,
    now: datetime,
    patient_id: int | None = None,
    ignore_appointment: int | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> dict[date, list[Slot]]:
    """The doctor's free slots by local day, from today (or ``first_day``) to the horizon.

    A bounded number of queries (hours, time off with the clinic's closures, the doctor's and
    the patient's appointments), whatever the number of days.
    """
    first = max(first_day or policy.today(now), policy.today(now))
    last = min(last_day or policy.last_day(now), policy.last_day(now))
    if first > last:
        return {}
    earliest, latest = policy.earliest(now), policy.latest(now)
    window_start = max(earliest, _local_midnight(first, policy.tz))
    window_end = min(
        latest + MAX_APPOINTMENT, _local_midnight(last + timedelta(days=1), policy.tz)
    )
    weekly = await weekly_hours(s, doctor.user_id)
    if not weekly:
        return {}
    busy = await _busy(
        s,
        doctor_id=doctor.user_id,
        patient_id=patient_id,
        start=window_start,
        end=window_end,
        ignore_appointment=ignore_appointment,
    )
    return free_days(
        weekly=weekly,
        busy=busy,
        slot_minutes=doctor.slot_minutes,
        tz=policy.tz,
        first_day=first,
        last_day=last,
        not_before=earliest,
        not_after=latest,
    )


async def next_free_slots(
    s: AsyncSession,
    *,
    doctor: DoctorView,
    policy: BookingPolicy,
    now: datetime,
    after: datetime,
    patient_id: int | None = None,
    limit: int = 6,
) -> list[Slot]:
    """The first free slots starting at or after ``after`` (the "just taken" alternatives)."""
    first_day = max(after.astimezone(policy.tz).date(), policy.today(now))
    days = await available_days(
        s, doctor=doctor, policy=policy, now=now, patient_id=patient_id, first_day=first_day
    )
    slots = [slot for day_slots in days.values() for slot in day_slots if slot.starts_at >= after]
    return slots[:limit]


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


async def _offered_slot(
    s: AsyncSession,
    *,
    doctor: DoctorView,
    starts_at: datetime,
    policy: BookingPolicy,
    now: datetime,
) -> Slot:
    """The slot starting at ``starts_at`` if the doctor's hours, time off, the clinic's
    closures, notice and horizon offer it (other appointments aside: the constraint decides
    those)."""
    day = starts_at.astimezone(policy.tz).date()
    lower = _local_midnight(day, policy.tz)
    upper = _local_midnight(day + timedelta(days=1), policy.tz)
    candidates = free_slots(
        weekly=await weekly_hours(s, doctor.user_id),
        busy=await _blocked(s, doctor_id=doctor.user_id, start=lower, end=upper),
        slot_minutes=doctor.slot_minutes,
        tz=policy.tz,
        first_day=day,
        last_day=day,
        not_before=policy.earliest(now),
        not_after=policy.latest(now),
    )
    for slot in candidates:
        if slot.starts_at == starts_at:
            return slot
    raise SlotUnavailable(starts_at.isoformat())


# Two changes taking one time at once each check the other's new row against the overlap
# constraints, and may each wait for the other: PostgreSQL then fails one of them (a deadlock).
# That one tries again, now behind the other, and so learns whether the time is still free.
OVERLAP_TRIES = 3
DEADLOCK = "40P01"


def _deadlocked(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == DEADLOCK


async def _take_time(
    s: AsyncSession,
    write: Callable[[], Awaitable[None]],
    undo: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run ``write`` (it gives an appointment its time) in a savepoint: a clash with another
    appointment is raised as its domain error, a deadlock tried again (``OVERLAP_TRIES`` in
    all); ``undo`` runs after each failed try."""
    for attempt in range(1, OVERLAP_TRIES + 1):
        try:
            async with s.begin_nested():
                await write()
            return
        except DBAPIError as exc:
            if undo is not None:
                await undo()
            if isinstance(exc, IntegrityError) and (error := _overlap_error(exc)) is not None:
                raise error from None
            if not _deadlocked(exc) or attempt == OVERLAP_TRIES:
                raise


def _overlap_error(exc: IntegrityError) -> DomainError | None:
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if name == "ex_appointments_doctor_overlap":
        return SlotTaken()
    if name == "ex_appointments_patient_overlap":
        return PatientOverlap()
    return None


# --- booking ------------------------------------------------------------------------------------


async def upcoming_count(s: AsyncSession, *, patient_id: int, now: datetime) -> int:
    return int(
        await s.scalar(
            select(func.count()).where(
                Appointment.patient_id == patient_id,
                IS_BOOKED,
                Appointment.starts_at > now,
            )
        )
        or 0
    )


async def book(
    s: AsyncSession,
    *,
    patient_id: int,
    doctor_id: int,
    starts_at: datetime,
    policy: BookingPolicy,
    now: datetime,
    actor: Actor | None = None,
    reason: str | None = None,
) -> AppointmentView:
    """Book the slot for the patient: by themselves, or (``actor``) by the front desk or an
    admin for them, with the same rules, and with the patient's ``reason`` for the visit if
    any. :class:`SlotTaken` when another booking got it first (the database decides),
    :class:`SlotUnavailable` when it is not a slot the doctor offers, :class:`PatientOverlap` /
    :class:`TooManyUpcoming` for the patient's own limits, :class:`ReasonTooLong`,
    :class:`NotFound` for a doctor not taking appointments, or a patient the actor may not
    book for."""
    reason = clean_reason(reason)
    by_clinic = actor is not None and actor.user_id != patient_id
    if by_clinic and actor is not None and actor.role not in CLINIC:
        raise NotFound("patient")
    # Shared locks on the clinic and the doctor: bookings run side by side, but not across a
    # closure (which locks the clinic exclusively), a deactivation or new time off (which lock
    # the doctor exclusively), so none slips past those checks.
    await lock_clinic(s, shared=True)
    await lock_doctor(s, doctor_id, shared=True)
    doctor = await get_doctor(s, doctor_id, bookable=True)
    # Locking the patient's row serialises their bookings, so the upcoming limit holds.
    patient = await s.get(User, patient_id, with_for_update=True)
    if patient is None or not patient.active:
        raise NotFound("patient")
    if by_clinic and patient.role != Role.PATIENT.value:
        raise NotFound("patient")
    if await upcoming_count(s, patient_id=patient_id, now=now) >= policy.max_upcoming:
        raise TooManyUpcoming(policy.max_upcoming)
    slot = await _offered_slot(s, doctor=doctor, starts_at=starts_at, policy=policy, now=now)
    appointment = Appointment(
        doctor_id=doctor.user_id,
        patient_id=patient_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        status=BOOKED,
        version=0,
        created_at=now,
        updated_at=now,
        booked_by=actor.user_id if actor is not None else patient_id,
        booked_as=actor.role.value if actor is not None else Role.PATIENT.value,
        reason=reason,
    )

    async def insert() -> None:
        s.add(appointment)  # a failed try takes it out again

    await _take_time(s, insert)
    await deliveries.on_booked(s, appointment, policy.reminder_offsets, now, by_clinic=by_clinic)
    await waitlist.on_booked(s, patient_id=patient_id, doctor=doctor, now=now)
    return await appointment_view(s, appointment.id)


async def _locked(s: AsyncSession, appointment_id: int) -> Appointment:
    appointment = await s.get(Appointment, appointment_id, with_for_update=True)
    if appointment is None:
        raise NotFound("appointment")
    return appointment


def _authorise(appointment: Appointment, actor: Actor, *, doctor_may: bool = True) -> None:
    """Patients act on their own appointments, doctors on theirs, the front desk and admins
    on any; a stranger is told the appointment does not exist."""
    if actor.role in CLINIC:
        return
    if actor.role is Role.PATIENT and appointment.patient_id == actor.user_id:
        return
    if doctor_may and actor.role is Role.DOCTOR and appointment.doctor_id == actor.user_id:
        return
    raise NotFound("appointment")


def _check_changeable(
    appointment: Appointment,
    actor: Actor,
    policy: BookingPolicy,
    now: datetime,
    *,
    doctor_may: bool,
    expected_version: int | None = None,
) -> None:
    """The rules for cancelling or moving: the actor's own appointment, still booked and not
    started, and for patients outside the cancellation window; with ``expected_version``, not
    changed since the actor was shown it (:class:`ChangedMeanwhile`)."""
    _authorise(appointment, actor, doctor_may=doctor_may)
    if expected_version is not None and appointment.version != expected_version:
        raise ChangedMeanwhile(str(appointment.version))
    if appointment.status != BOOKED or appointment.starts_at <= now:
        raise NotChangeable(appointment.status)
    if actor.role is Role.PATIENT and appointment.starts_at - now < policy.cancel_window:
        raise TooLateToChange()


async def cancel(
    s: AsyncSession,
    *,
    appointment_id: int,
    actor: Actor,
    policy: BookingPolicy,
    now: datetime,
    reason: str = "",
    why: Why | None = None,
    expected_version: int | None = None,
) -> AppointmentView:
    """Cancel (never delete). Patients may not cancel inside the cancellation window; the
    clinic (its doctor, the front desk, an admin) gives ``why``, which the patient is told.
    With ``expected_version``, :class:`ChangedMeanwhile` if the visit changed since shown."""
    appointment = await _locked(s, appointment_id)
    _check_changeable(
        appointment, actor, policy, now, doctor_may=True, expected_version=expected_version
    )
    appointment.status = CANCELLED
    appointment.cancelled_at = now
    appointment.cancelled_by = actor.user_id
    appointment.cancel_reason = reason or actor.role.value
    _record_why(appointment, why)
    appointment.version += 1
    appointment.updated_at = now
    await s.flush()
    # A deactivated doctor is not told of each appointment their deactivation cancels.
    await deliveries.on_cancelled(
        s,
        appointment,
        now,
        cancelled_by=actor.user_id,
        tell_doctor=appointment.cancel_reason != "doctor_inactive",
    )
    await waitlist.on_freed(
        s,
        doctor_id=appointment.doctor_id,
        start=appointment.starts_at,
        end=appointment.ends_at,
        policy=policy,
        now=now,
        freed_by=appointment.patient_id,
    )
    return await appointment_view(s, appointment.id)


async def reschedule(
    s: AsyncSession,
    *,
    appointment_id: int,
    actor: Actor,
    new_start: datetime,
    policy: BookingPolicy,
    now: datetime,
    why: Why | None = None,
    expected_version: int | None = None,
) -> tuple[AppointmentView, datetime]:
    """Move the appointment to ``new_start`` (same doctor) in one statement: the old time is
    freed only if the new one is secured. Returns the moved appointment and its old start.
    The patient moves their own, the doctor theirs, the front desk and admins any (the clinic
    gives ``why``); with ``expected_version``, :class:`ChangedMeanwhile` if it changed since
    the actor was shown it."""
    # The clinic's lock before the appointment's: a closure that holds it may cancel this one.
    await lock_clinic(s, shared=True)
    appointment = await _locked(s, appointment_id)
    _check_changeable(
        appointment, actor, policy, now, doctor_may=True, expected_version=expected_version
    )
    if new_start == appointment.starts_at:
        raise SlotUnavailable("same time")
    await lock_doctor(s, appointment.doctor_id, shared=True)
    doctor = await get_doctor(s, appointment.doctor_id, bookable=True)
    slot = await _offered_slot(s, doctor=doctor, starts_at=new_start, policy=policy, now=now)
    old_start = appointment.starts_at

    async def move() -> None:
        appointment.starts_at = slot.starts_at
        appointment.ends_at = slot.ends_at
        _record_why(appointment, why)
        # "I'll come" was said of the old time; the new one is still to be confirmed.
        appointment.confirmed_at = None
        appointment.arrived_at = None
        appointment.version += 1
        appointment.updated_at = now
        await s.flush()

    async def restore() -> None:
        await s.refresh(appointment)

    await _take_time(s, move, restore)
    await deliveries.on_moved(
        s,
        appointment,
        policy.reminder_offsets,
        now,
        previous_starts_at=old_start,
        moved_by=actor.user_id,
    )
    await waitlist.on_freed(
        s,
        doctor_id=appointment.doctor_id,
        start=old_start,
        end=old_start + (appointment.ends_at - appointment.starts_at),
        policy=policy,
        now=now,
        freed_by=appointment.patient_id,
    )
    return await appointment_view(s, appointment.id), old_start


def _record_why(appointment: Appointment, why: Why | None) -> None:
    """Keep why the clinic made this change (cleared by a change without a reason)."""
    appointment.change_reason = why.reason.value if why and why.reason else None
    appointment.change_note = why.note if why else None


async def mark_attendance(
    s: AsyncSession, *, appointment_id: int, actor: Actor, attended: bool, now: datetime
) -> AppointmentView:
    """Mark an appointment that has started as attended or no-show (its doctor, or an admin)."""
    appointment = await _locked(s, appointment_id)
    if actor.role not in (Role.DOCTOR, Role.ADMIN):
        raise NotFound("appointment")
    _authorise(appointment, actor)
    if appointment.status == CANCELLED:
        raise NotChangeable(appointment.status)
    if appointment.starts_at > now:
        raise NotStartedYet()
    status = AppointmentStatus.ATTENDED if attended else AppointmentStatus.NO_SHOW
    if appointment.status != status.value:
        appointment.status = status.value
        appointment.updated_at = now
        await s.flush()
    return await appointment_view(s, appointment.id)


# --- lists --------------------------------------------------------------------------------------


async def upcoming_for_patient(
    s: AsyncSession, *, patient_id: int, now: datetime
) -> list[AppointmentView]:
    """The patient's booked appointments that have not started, soonest first."""
    return await _views_of(
        s,
        _views()
        .where(
            Appointment.patient_id == patient_id,
            IS_BOOKED,
            Appointment.starts_at > now,
        )
        .order_by(Appointment.starts_at),
    )


async def past_for_patient(
    s: AsyncSession, *, patient_id: int, now: datetime, limit: int = 10, offset: int = 0
) -> list[AppointmentView]:
    """The patient's latest appointments that have started, or were cancelled; newest first
    (the ``limit`` after the ``offset`` newest)."""
    return await _views_of(
        s,
        _views()
        .where(
            Appointment.patient_id == patient_id,
            (Appointment.starts_at <= now) | (Appointment.status == CANCELLED),
        )
        .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
        .offset(offset)
        .limit(limit),
    )


async def schedule(
    s: AsyncSession, *, doctor_id: int, start: datetime, end: datetime
) -> list[AppointmentView]:
    """The doctor's live appointments starting in start..end, in order (an index range scan)."""
    return await _views_of(
        s,
        _views()
        .where(
            Appointment.doctor_id == doctor_id,
            LIVE,
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
        .order_by(Appointment.starts_at),
    )


@dataclass(frozen=True)
class Away:
    """Time the doctor does not see patients: their time off, or a clinic closure."""

    starts_at: datetime
    ends_at: datetime
    closure: bool
    name: str | None = None  # a closure's


@dataclass(frozen=True)
class DoctorSchedule:
    """A doctor and their live appointments in a span of time, and their time off and the
    clinic's closures overlapping it (by start)."""

    doctor: DoctorView
    appointments: list[AppointmentView]
    away: list[Away]


def _spans(model: type[TimeOff] | type[ClinicClosure], *where: ColumnElement[bool]) -> Any:
    """The spans of ``model`` matching ``where`` (with a closure's name), as one JSON array
    (``[]`` when none)."""
    name = model.name if model is ClinicClosure else cast(null(), String)
    row = func.json_build_array(model.starts_at, model.ends_at, name)
    agg = func.coalesce(func.json_agg(aggregate_order_by(row, model.starts_at)), text("'[]'"))
    return select(agg).where(*where).scalar_subquery()


def _away(value: Any, closure: bool) -> list[Away]:
    return [
        Away(datetime.fromisoformat(start), datetime.fromisoformat(end), closure, name)
        for start, end, name in value or []
    ]


async def doctor_schedule(
    s: AsyncSession, *, doctor_id: int, start: datetime, end: datetime
) -> DoctorSchedule:
    """The doctor and their live appointments starting in start..end, in order, in one
    statement; :class:`NotFound` when there is no such doctor."""
    off = _spans(
        TimeOff, TimeOff.doctor_id == doctor_id, TimeOff.starts_at < end, TimeOff.ends_at > start
    )
    closed = _spans(ClinicClosure, ClinicClosure.starts_at < end, ClinicClosure.ends_at > start)
    rows = (
        await s.execute(
            select(Doctor, User, Specialty, Appointment, _Patient, off, closed)
            .select_from(Doctor)
            .join(User, User.id == Doctor.user_id)
            .join(Specialty, Specialty.id == Doctor.specialty_id)
            .outerjoin(
                Appointment,
                and_(
                    Appointment.doctor_id == Doctor.user_id,
                    LIVE,
                    Appointment.starts_at >= start,
                    Appointment.starts_at < end,
                ),
            )
            .outerjoin(_Patient, _Patient.id == Appointment.patient_id)
            .where(Doctor.user_id == doctor_id)
            .order_by(Appointment.starts_at, Appointment.id)
        )
    ).all()
    if not rows:
        raise NotFound("doctor")
    doctor, user, specialty = rows[0][:3]
    appointments = [
        _view(appt, doctor, specialty, patient)
        for _, _, _, appt, patient, _, _ in rows
        if appt is not None and patient is not None
    ]
    away = sorted(
        _away(rows[0][5], closure=False) + _away(rows[0][6], closure=True),
        key=lambda a: (a.starts_at, a.ends_at),
    )
    return DoctorSchedule(doctor_view(doctor, user, specialty), appointments, away)


async def live_in_range(
    s: AsyncSession, *, doctor_id: int, start: datetime, end: datetime, now: datetime
) -> list[AppointmentView]:
    """The doctor's booked, not yet started appointments overlapping start..end."""
    return await _views_of(
        s,
        _views()
        .where(
            Appointment.doctor_id == doctor_id,
            LIVE,  # the same rows as "booked" once not started, and the doctor's own index
            Appointment.starts_at > max(now, start - MAX_APPOINTMENT),
            Appointment.starts_at < end,
            Appointment.ends_at > start,
        )
        .order_by(Appointment.starts_at),
    )


async def cancel_all(
    s: AsyncSession,
    *,
    appointment_ids: Sequence[int],
    actor: Actor,
    policy: BookingPolicy,
    now: datetime,
    reason: str,
) -> list[AppointmentView]:
    """Cancel several appointments for the clinic (time off, a deactivated doctor); those that
    are no longer booked are skipped."""
    cancelled = []
    for appointment_id in sorted(appointment_ids):
        try:
            cancelled.append(
                await cancel(
                    s,
                    appointment_id=appointment_id,
                    actor=actor,
                    policy=policy,
                    now=now,
                    reason=reason,
                )
            )
        except NotChangeable:
            continue
    return cancelled


async def upcoming_for_doctor(
    s: AsyncSession, *, doctor_id: int, now: datetime
) -> list[AppointmentView]:
    """The doctor's booked appointments that have not started."""
    return await _views_of(
        s,
        _views()
        .where(
            and_(
                Appointment.doctor_id == doctor_id,
                IS_BOOKED,
                Appointment.starts_at > now,
            )
        )
        .order_by(Appointment.starts_at),
    )


async def appointment_views(s: AsyncSession, ids: Sequence[int]) -> dict[int, AppointmentView]:
    """Several appointments by id in one query."""
    if not ids:
        return {}
    views = await _views_of(s, _views().where(Appointment.id.in_(set(ids))))
    return {view.id: view for view in views}


async def check_changeable(
    s: AsyncSession,
    *,
    appointment_id: int,
    actor: Actor,
    policy: BookingPolicy,
    now: datetime,
    expected_version: int | None = None,
) -> AppointmentView:
    """The appointment, if ``actor`` may move it (or cancel it) now: read-only, the checks of
    :func:`reschedule`, to refuse before asking for a new time. :class:`NotFound` for someone
    else's, :class:`NotChangeable` once cancelled or started, :class:`TooLateToChange`,
    :class:`ChangedMeanwhile`."""
    appointment = await s.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound("appointment")
    _check_changeable(
        appointment, actor, policy, now, doctor_may=True, expected_version=expected_version
    )
    return await appointment_view(s, appointment_id)


async def visible_to(s: AsyncSession, *, appointment_id: int, actor: Actor) -> AppointmentView:
    """The appointment as the clinic sees it: any for the front desk and admins, a doctor's
    own for the doctor; :class:`NotFound` otherwise (patients included)."""
    view = await appointment_view(s, appointment_id)
    if actor.role in CLINIC or (actor.role is Role.DOCTOR and view.doctor_id == actor.user_id):
        return view
    raise NotFound("appointment")


async def take_offer(
    s: AsyncSession,
    *,
    cancelled_id: int,
    patient_id: int,
    starts_at: datetime,
    policy: BookingPolicy,
    now: datetime,
) -> AppointmentView:
    """Book one of the times a "the clinic cancelled your visit" notice offered: the same
    doctor, through :func:`book` and its rules. The cancelled visit's row is locked, so each
    notice books once however many times (and in however many chats) it is pressed:
    :class:`OfferTaken` once it has. :class:`NotFound` when the visit is not the patient's, or
    was not cancelled by the clinic."""
    cancelled = await s.get(Appointment, cancelled_id, with_for_update=True)
    if (
        cancelled is None
        or cancelled.patient_id != patient_id
        or cancelled.status != CANCELLED
        or cancelled.cancelled_by == patient_id
    ):
        raise NotFound("appointment")
    if cancelled.rebooked_as is not None:
        raise OfferTaken(cancelled.rebooked_as)
    booked = await book(
        s,
        patient_id=patient_id,
        doctor_id=cancelled.doctor_id,
        starts_at=starts_at,
        policy=policy,
        now=now,
    )
    cancelled.rebooked_as = booked.id
    await s.flush()
    return booked


@dataclass(frozen=True)
class Blocked:
    """The outcome of :func:`block_time`: the appointments it cancelled, or, when appointments
    the doctor has not been shown are in the way, those (and nothing was changed)."""

    cancelled: list[AppointmentView]
    unseen: list[AppointmentView]


async def block_time(
    s: AsyncSession,
    *,
    doctor_id: int,
    starts_at: datetime,
    ends_at: datetime,
    whole_days: bool,
    shown: set[int],
    actor: Actor,
    policy: BookingPolicy,
    now: datetime,
) -> Blocked:
    """Add time off and cancel the live appointments in it, if they are all ones the doctor was
    shown (``shown``); otherwise change nothing and return what is in the way. The doctor's row
    is locked first, so no booking lands in the time between the look-up and the block."""
    await lock_doctor(s, doctor_id)
    live = await live_in_range(s, doctor_id=doctor_id, start=starts_at, end=ends_at, now=now)
    if {a.id for a in live} - shown:
        return Blocked(cancelled=[], unseen=live)
    await add_time_off(
        s,
        doctor_id=doctor_id,
        starts_at=starts_at,
        ends_at=ends_at,
        whole_days=whole_days,
        now=now,
    )
    cancelled = await cancel_all(
        s,
        appointment_ids=[a.id for a in live],
        actor=actor,
        policy=policy,
        now=now,
        reason="time_off",
    )
    return Blocked(cancelled=cancelled, unseen=[])


@dataclass(frozen=True)
class Deactivation:
    """The outcome of :func:`deactivate_and_cancel`."""

    doctor: DoctorView
    was_active: bool
    upcoming: list[AppointmentView]  # the doctor's upcoming appointments when it was checked
    unseen: list[AppointmentView]  # booked after the admin's look: nothing was changed
    cancelled: list[AppointmentView]


async def deactivate_and_cancel(
    s: AsyncSession,
    *,
    doctor_id: int,
    newest_shown: int | None,
    actor: Actor,
    policy: BookingPolicy,
    now: datetime,
) -> Deactivation:
    """Deactivate the doctor and cancel their upcoming appointments, if the admin has seen every
    one of them (up to the appointment ``newest_shown``); otherwise change nothing and report
    them. The doctor's row is locked first, so no booking slips in between."""
    await lock_doctor(s, doctor_id)
    doctor = await get_doctor(s, doctor_id)
    if not doctor.active:
        return Deactivation(doctor, was_active=False, upcoming=[], unseen=[], cancelled=[])
    upcoming = await upcoming_for_doctor(s, doctor_id=doctor_id, now=now)
    unseen = [a for a in upcoming if newest_shown is None or a.id > newest_shown]
    if unseen:
        return Deactivation(
            doctor, was_active=True, upcoming=upcoming, unseen=unseen, cancelled=[]
        )
    doctor = await set_doctor_active(s, doctor_id=doctor_id, active=False, now=now)
    cancelled = await cancel_all(
        s,
        appointment_ids=[a.id for a in upcoming],
        actor=actor,
        policy=policy,
        now=now,
        reason="doctor_inactive",
    )
    return Deactivation(doctor, was_active=True, upcoming=upcoming, unseen=[], cancelled=cancelled)


async def upcoming_outside_hours(
    s: AsyncSession, *, doctor_id: int, weekday: int, tz: ZoneInfo, now: datetime
) -> int:
    """How many upcoming appointments on ``weekday`` lie outside the doctor's hours of that day
    (they stay booked when hours change)."""
    ranges = [r for r in await weekly_hours(s, doctor_id) if r.weekday == weekday]
    on_day = await _upcoming_on(s, doctor_id=doctor_id, weekday=weekday, tz=tz, now=now)
    return len([a for a in on_day if not _within(a, ranges, tz)])


async def _upcoming_on(
    s: AsyncSession, *, doctor_id: int, weekday: int, tz: ZoneInfo, now: datetime
) -> list[AppointmentView]:
    """The doctor's booked appointments that have not started and fall on ``weekday``."""
    return [
        appointment
        for appointment in await upcoming_for_doctor(s, doctor_id=doctor_id, now=now)
        if appointment.starts_at.astimezone(tz).weekday() == weekday
    ]


def _within(
    appointment: AppointmentView | Slot, ranges: Sequence[WeeklyRange], tz: ZoneInfo
) -> bool:
    """Whether the appointment (or slot) lies within one of its weekday's ``ranges``."""
    local = appointment.starts_at.astimezone(tz)
    start = local.hour * 60 + local.minute
    end = start + int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    return any(
        r.weekday == local.weekday() and r.start_minute <= start and end <= r.end_minute
        for r in ranges
    )


async def _offer_new_hours(
    s: AsyncSession,
    *,
    doctor_id: int,
    before: Sequence[WeeklyRange],
    policy: BookingPolicy | None,
    now: datetime,
) -> None:
    """Offer the times the doctor's new hours opened (outside the hours before) to whoever
    waits for them."""
    if policy is None:
        return
    await waitlist.on_freed(
        s,
        doctor_id=doctor_id,
        start=now,
        end=policy.latest(now) + MAX_APPOINTMENT,
        policy=policy,
        now=now,
        new=lambda slot: not _within(slot, before, policy.tz),
    )


@dataclass(frozen=True)
class DayHours:
    """A weekday's hours after a change. ``stranded``: the upcoming appointments on that
    weekday the change left outside the hours (they were inside before), for the doctor to keep
    or cancel; ``outside``: how many upcoming appointments on that weekday lie outside the hours
    now, those kept after earlier changes included. All of them stay booked until cancelled."""

    weekday: int
    ranges: list[WeeklyRange]
    outside: int
    stranded: list[AppointmentView]


async def _changed_day(
    s: AsyncSession,
    *,
    doctor_id: int,
    weekday: int,
    before: Sequence[WeeklyRange],
    hours: Sequence[WeeklyRange],
    tz: ZoneInfo,
    now: datetime,
) -> DayHours:
    ranges = [r for r in hours if r.weekday == weekday]
    earlier = [r for r in before if r.weekday == weekday]
    on_day = await _upcoming_on(s, doctor_id=doctor_id, weekday=weekday, tz=tz, now=now)
    outside = [a for a in on_day if not _within(a, ranges, tz)]
    stranded = [a for a in outside if _within(a, earlier, tz)]
    return DayHours(weekday=weekday, ranges=ranges, outside=len(outside), stranded=stranded)


async def set_day_hours(
    s: AsyncSession,
    *,
    doctor_id: int,
    weekday: int,
    ranges: Sequence[WeeklyRange],
    tz: ZoneInfo,
    now: datetime,
    policy: BookingPolicy | None = None,
) -> DayHours:
    """Replace the weekday's hours with ``ranges`` (none: a day off). Ranges that overlap are
    refused with :class:`OverlappingHours` (ranges that only touch are joined); a range outside
    the day, or of another weekday, with :class:`InvalidHours`. With ``policy``, the times the
    new hours open are offered to whoever waits for them.

    The doctor's row is locked first: a booking at the same moment either commits before (and
    is counted, stranded if the change leaves it outside) or waits and sees the new hours."""
    ordered = sorted(ranges, key=lambda r: (r.start_minute, r.end_minute))
    for first, second in pairwise(ordered):
        if second.start_minute < first.end_minute:
            raise OverlappingHours(first, second)
    await lock_doctor(s, doctor_id)
    before = await weekly_hours(s, doctor_id)
    hours = await replace_hours(s, doctor_id=doctor_id, ranges=ordered, weekday=weekday)
    await _offer_new_hours(s, doctor_id=doctor_id, before=before, policy=policy, now=now)
    return await _changed_day(
        s, doctor_id=doctor_id, weekday=weekday, before=before, hours=hours, tz=tz, now=now
    )


async def add_day_range(
    s: AsyncSession,
    *,
    doctor_id: int,
    add: WeeklyRange,
    tz: ZoneInfo,
    now: datetime,
    policy: BookingPolicy | None = None,
) -> DayHours:
    """Add one range to its weekday, joined with those it overlaps or touches (which strands
    nothing: the day's hours only grow)."""
    await lock_doctor(s, doctor_id)
    before = await weekly_hours(s, doctor_id)
    hours = await add_hours(s, doctor_id=doctor_id, add=add)
    await _offer_new_hours(s, doctor_id=doctor_id, before=before, policy=policy, now=now)
    return await _changed_day(
        s, doctor_id=doctor_id, weekday=add.weekday, before=before, hours=hours, tz=tz, now=now
    )


# --- clinic-wide --------------------------------------------------------------------------------


async def booked_in_range(
    s: AsyncSession, *, start: datetime, end: datetime, now: datetime
) -> list[AppointmentView]:
    """Every doctor's booked, not yet started appointments overlapping start..end, by start
    (a range scan of the clinic-wide index of booked appointments)."""
    return await _views_of(
        s,
        _views()
        .where(
            IS_BOOKED,
            Appointment.starts_at > max(now, start - MAX_APPOINTMENT),
            Appointment.starts_at < end,
            Appointment.ends_at > start,
        )
        .order_by(Appointment.starts_at, Appointment.id),
    )
