"""Specialties, doctors, their weekly hours and time off, and the invites that onboard invited
accounts (doctors, the front desk).

Every function takes an open session and never commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.accounts import (
    email_available,
    normalise_email,
    normalise_name,
    open_session,
    revoke_user_sessions,
)
from db.deliveries import on_profile_changed
from db.errors import DomainError, EmailTaken, InvalidName, NotFound
from db.models import (
    SLOT_LENGTHS,
    Appointment,
    AppointmentStatus,
    Doctor,
    Invite,
    Role,
    Specialty,
    TimeOff,
    User,
    WorkingHours,
)
from db.slots import WeeklyRange

INVITE_TTL = timedelta(days=7)
DEFAULT_HOURS = tuple(WeeklyRange(day, 9 * 60, 17 * 60) for day in range(5))


class InvalidSlotLength(DomainError):
    code = "invalid_slot_length"


class InvalidSpecialty(DomainError):
    code = "invalid_specialty"


class InvalidHours(DomainError):
    code = "invalid_hours"


class OverlappingHours(InvalidHours):
    """Two ranges given for one day overlap."""

    code = "overlapping_hours"

    def __init__(self, first: WeeklyRange, second: WeeklyRange) -> None:
        super().__init__(f"{first} overlaps {second}")
        self.first, self.second = first, second


class InviteInvalid(DomainError):
    code = "invite_invalid"


@dataclass(frozen=True)
class DoctorView:
    user_id: int
    name: str
    email: str
    specialty_id: int
    specialty: str
    slot_minutes: int
    active: bool
    has_password: bool  # the doctor has accepted an invite
    marked_ready: bool = False  # an admin made them bookable before they accept one

    @property
    def ready(self) -> bool:
        """Whether patients may book them once active: invite accepted, or marked ready."""
        return self.has_password or self.marked_ready

    @property
    def bookable(self) -> bool:
        """Whether /book offers them (:func:`bookable_doctor` is the same rule in SQL)."""
        return self.active and self.ready


def bookable_doctor() -> ColumnElement[bool]:
    """The rule for a bookable doctor, in SQL (over ``Doctor`` joined with its ``User``):
    active, and ready — they accepted their invite (their account has a password, so they hear
    of their bookings) or an admin marked them ready."""
    return and_(
        Doctor.active, User.active, or_(User.password_hash.is_not(None), Doctor.marked_ready)
    )


def _view(doctor: Doctor, user: User, specialty: Specialty | SpecialtyView) -> DoctorView:
    return DoctorView(
        user_id=doctor.user_id,
        name=doctor.display_name,
        email=user.email or "",  # a doctor always has one
        specialty_id=specialty.id,
        specialty=specialty.name,
        slot_minutes=doctor.slot_minutes,
        active=doctor.active and user.active,
        has_password=user.password_hash is not None,
        marked_ready=doctor.marked_ready,
    )


def doctor_view(doctor: Doctor, user: User, specialty: Specialty) -> DoctorView:
    """The view of a doctor read with its user and specialty (for queries that join more)."""
    return _view(doctor, user, specialty)


def _doctor_query() -> Select[Doctor, User, Specialty]:
    return (
        select(Doctor, User, Specialty)
        .join(User, User.id == Doctor.user_id)
        .join(Specialty, Specialty.id == Doctor.specialty_id)
    )


# --- specialties --------------------------------------------------------------------------------


def normalise_specialty(raw: str) -> str:
    """A specialty name with spaces folded; :class:`InvalidSpecialty` when empty or too long."""
    name = " ".join(raw.split())
    if not 2 <= len(name) <= 80 or name.startswith("/"):
        raise InvalidSpecialty(name[:32])
    return name


@dataclass(frozen=True)
class SpecialtyView:
    id: int
    name: str


def _specialty_view(specialty: Specialty) -> SpecialtyView:
    return SpecialtyView(id=specialty.id, name=specialty.name)


async def list_specialties(s: AsyncSession, *, bookable_only: bool = False) -> list[SpecialtyView]:
    """All specialties by name; with ``bookable_only`` just those with a bookable doctor."""
    query = select(Specialty).order_by(func.lower(Specialty.name), Specialty.id)
    if bookable_only:
        query = query.where(
            select(Doctor.user_id)
            .join(User, User.id == Doctor.user_id)
            .where(Doctor.specialty_id == Specialty.id, bookable_doctor())
            .exists()
        )
    return [_specialty_view(specialty) for specialty in (await s.scalars(query)).all()]


async def _specialty_named(s: AsyncSession, name: str) -> Specialty | None:
    return await s.scalar(select(Specialty).where(func.lower(Specialty.name) == name.lower()))


async def find_specialty(s: AsyncSession, name: str) -> SpecialtyView | None:
    """The specialty called ``name`` in any case, or ``None``; :class:`InvalidSpecialty` when
    ``name`` cannot be a specialty's name."""
    found = await _specialty_named(s, normalise_specialty(name))
    return _specialty_view(found) if found is not None else None


async def get_or_create_specialty(s: AsyncSession, name: str) -> SpecialtyView:
    """The specialty called ``name`` (any case), created when missing."""
    name = normalise_specialty(name)
    found = await _specialty_named(s, name)
    if found is not None:
        return _specialty_view(found)
    specialty = Specialty(name=name)
    try:
        async with s.begin_nested():
            s.add(specialty)
    except IntegrityError:  # created meanwhile by another admin
        found = await _specialty_named(s, name)
        if found is None:
            raise
        return _specialty_view(found)
    return _specialty_view(specialty)


async def get_specialty(s: AsyncSession, specialty_id: int) -> SpecialtyView:
    specialty = await s.get(Specialty, specialty_id)
    if specialty is None:
        raise NotFound("specialty")
    return _specialty_view(specialty)


# --- doctors ------------------------------------------------------------------------------------

# Words that make a title, not a name ("Dr", "Dra.", "Prof."), in English and Spanish.
_TITLES = frozenset(
    ("dr", "dra", "drs", "doc", "doctor", "doctora", "prof", "profa", "professor", "profesor",
     "profesora", "mr", "mrs", "ms", "miss", "mx", "sr", "sra", "srta", "don", "dona", "dna", "md",
     "phd", "lic", "lcda", "lcdo")
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise_doctor_name(raw: str) -> str:
    """A doctor's name as patients see it, spaces folded. :class:`InvalidName` unless it is a
    person's name: a title alone ("Dr", "Dra."), an initial ("Dr. A"), an email or a command
    is not."""
    name = normalise_name(raw)
    if "@" in name or "://" in name:
        raise InvalidName()
    words = [word for word in _WORD.findall(_folded(name)) if word not in _TITLES]
    if sum(len(word) for word in words) < 2:
        raise InvalidName()
    return name


async def add_doctor(
    s: AsyncSession,
    *,
    name: str,
    email: str,
    specialty_id: int | None = None,
    new_specialty: str | None = None,
    slot_minutes: int,
    created_by: int | None,
    now: datetime,
) -> tuple[DoctorView, str]:
    """Create a doctor (no password yet) with default hours Mon–Fri 09:00–17:00, and an invite.

    The specialty is ``specialty_id``, or the one called ``new_specialty`` (any case), created
    with the doctor when there is none: an onboarding abandoned midway leaves no empty
    specialty. Returns the doctor and the raw invite token (shown once; only its hash is stored).
    """
    if (specialty_id is None) == (new_specialty is None):
        raise TypeError("give the specialty's id or a new specialty's name")
    if slot_minutes not in SLOT_LENGTHS:
        raise InvalidSlotLength(str(slot_minutes))
    # One savepoint: refused midway (the email taken meanwhile), nothing of it is left.
    async with s.begin_nested():
        if new_specialty is not None:
            specialty = await get_or_create_specialty(s, new_specialty)
        else:
            assert specialty_id is not None
            specialty = await get_specialty(s, specialty_id)
        address = normalise_email(email)
        user = User(
            name=normalise_doctor_name(name),
            email=address,
            role=Role.DOCTOR.value,
            password_hash=None,
        )
        # Any account at the address refuses it (an unconfirmed patient's too, which the
        # uniqueness of held addresses alone would let through).
        if not await email_available(s, address):
            raise EmailTaken(address)
        try:
            async with s.begin_nested():
                s.add(user)
        except IntegrityError:
            raise EmailTaken(str(user.email)) from None
        doctor = Doctor(
            user_id=user.id,
            display_name=user.name,
            specialty_id=specialty.id,
            slot_minutes=slot_minutes,
            active=True,
        )
        s.add(doctor)
        await s.flush()
        await replace_hours(s, doctor_id=user.id, ranges=DEFAULT_HOURS)
        token = await create_invite(s, user_id=user.id, created_by=created_by, now=now)
    return _view(doctor, user, specialty), token


async def get_doctor(s: AsyncSession, doctor_id: int, *, bookable: bool = False) -> DoctorView:
    """A doctor; with ``bookable`` only one patients may book (active and ready).
    :class:`NotFound` otherwise."""
    row = (await s.execute(_doctor_query().where(Doctor.user_id == doctor_id))).first()
    if row is None:
        raise NotFound("doctor")
    view = _view(*row)
    if bookable and not view.bookable:
        raise NotFound("doctor")
    return view


async def list_doctors(
    s: AsyncSession, *, specialty_id: int | None = None, bookable_only: bool = False
) -> list[DoctorView]:
    """Doctors by name, optionally of one specialty, optionally only bookable ones."""
    query = _doctor_query().order_by(func.lower(Doctor.display_name), Doctor.user_id)
    if specialty_id is not None:
        query = query.where(Doctor.specialty_id == specialty_id)
    if bookable_only:
        query = query.where(bookable_doctor())
    return [_view(*row) for row in (await s.execute(query)).all()]


@dataclass(frozen=True)
class DoctorsPage:
    """One page of every doctor, by name, and how many doctors there are."""

    doctors: list[DoctorView]
    page: int
    pages: int
    total: int


async def doctors_page(s: AsyncSession, *, page: int, per_page: int) -> DoctorsPage:
    """Page ``page`` (from 0; past the last one, the last one) of every doctor by name, with the
    total, in one statement (two when the page asked for is past the end)."""
    total = func.count().over().label("total")
    query = (
        _doctor_query()
        .add_columns(total)
        .order_by(func.lower(Doctor.display_name), Doctor.user_id)
    )
    rows = (await s.execute(query.offset(page * per_page).limit(per_page))).all()
    if not rows and page > 0:
        count = await s.scalar(select(func.count()).select_from(Doctor)) or 0
        page = max(0, (count - 1) // per_page)
        rows = (await s.execute(query.offset(page * per_page).limit(per_page))).all()
    count = rows[0].total if rows else 0
    return DoctorsPage(
        doctors=[_view(doctor, user, specialty) for doctor, user, specialty, _ in rows],
        page=page,
        pages=max(1, -(-count // per_page)),
        total=count,
    )


async def lock_doctor(s: AsyncSession, doctor_id: int, *, shared: bool = False) -> None:
    """Lock the doctor's row for this transaction: shared for bookings, exclusive for changes
    that bookings must not race (time off, deactivation). :class:`NotFound` when missing."""
    found = await s.scalar(
        select(Doctor.user_id).where(Doctor.user_id == doctor_id).with_for_update(read=shared)
    )
    if found is None:
        raise NotFound("doctor")


async def set_doctor_active(
    s: AsyncSession, *, doctor_id: int, active: bool, now: datetime
) -> DoctorView:
    """Deactivate (hidden from booking, logged out everywhere, no login) or reactivate."""
    doctor = await s.get(Doctor, doctor_id, with_for_update=True)
    if doctor is None:
        raise NotFound("doctor")
    doctor.active = active
    await s.execute(update(User).where(User.id == doctor_id).values(active=active))
    if not active:
        await revoke_user_sessions(s, user_id=doctor_id, now=now)
    await s.flush()
    return await get_doctor(s, doctor_id)


@dataclass(frozen=True)
class Reactivation:
    """The outcome of :func:`reactivate_doctor`."""

    doctor: DoctorView
    was_active: bool  # nothing was changed


async def reactivate_doctor(s: AsyncSession, *, doctor_id: int, now: datetime) -> Reactivation:
    """Make an inactive doctor bookable again and able to log in (the row locked, so a
    deactivation at the same moment waits). :class:`NotFound` when there is no such doctor."""
    await lock_doctor(s, doctor_id)
    doctor = await get_doctor(s, doctor_id)
    if doctor.active:
        return Reactivation(doctor, was_active=True)
    doctor = await set_doctor_active(s, doctor_id=doctor_id, active=True, now=now)
    return Reactivation(doctor, was_active=False)


@dataclass(frozen=True)
class Readiness:
    """The outcome of :func:`mark_ready`."""

    doctor: DoctorView
    changed: bool  # False: they already were (or were not) marked ready


async def mark_ready(s: AsyncSession, *, doctor_id: int, ready: bool, now: datetime) -> Readiness:
    """Mark a doctor ready to be booked before they accept their invite, or take the mark back
    (their appointments stay booked). :class:`NotFound` when there is no such doctor."""
    doctor = await s.get(Doctor, doctor_id, with_for_update=True)
    if doctor is None:
        raise NotFound("doctor")
    changed = doctor.marked_ready != ready
    doctor.marked_ready = ready
    await s.flush()
    return Readiness(await get_doctor(s, doctor_id), changed=changed)


@dataclass(frozen=True)
class DoctorCard:
    """What an admin sees of one doctor."""

    doctor: DoctorView
    hours: list[WeeklyRange]
    upcoming: int  # booked appointments not started yet
    # The newest invite: when it expires and whether it was used (``None``: never invited).
    invite_expires_at: datetime | None
    invite_used: bool


async def doctor_card(s: AsyncSession, *, doctor_id: int, now: datetime) -> DoctorCard:
    """The doctor, their weekly hours, how many upcoming appointments they have and their
    newest invite; :class:`NotFound` when there is no such doctor."""
    doctor = await get_doctor(s, doctor_id)
    upcoming = await s.scalar(
        select(func.count()).where(
            Appointment.doctor_id == doctor_id,
            Appointment.status == AppointmentStatus.BOOKED.value,
            Appointment.starts_at > now,
        )
    )
    invite = (
        await s.execute(
            select(Invite.expires_at, Invite.used_at)
            .where(Invite.user_id == doctor_id)
            .order_by(Invite.created_at.desc(), Invite.id.desc())
            .limit(1)
        )
    ).first()
    return DoctorCard(
        doctor=doctor,
        hours=await weekly_hours(s, doctor_id),
        upcoming=int(upcoming or 0),
        invite_expires_at=invite.expires_at if invite is not None else None,
        invite_used=invite is not None and invite.used_at is not None,
    )


@dataclass(frozen=True)
class DoctorDetails:
    """What an admin edits of a doctor: the name patients see, specialty, email (their login)
    and appointment length."""

    name: str
    specialty_id: int
    email: str
    slot_minutes: int


def details_of(doctor: DoctorView) -> DoctorDetails:
    return DoctorDetails(doctor.name, doctor.specialty_id, doctor.email, doctor.slot_minutes)


class DoctorChanged(DomainError):
    """The doctor was changed by someone else since the admin looked: nothing was saved."""

    code = "doctor_changed"

    def __init__(self, doctor: DoctorView) -> None:
        super().__init__(str(doctor.user_id))
        self.doctor = doctor


@dataclass(frozen=True)
class DoctorEdited:
    """The outcome of :func:`update_doctor`."""

    doctor: DoctorView
    changed: frozenset[str]  # of "name", "specialty", "email", "slot_minutes"
    upcoming: int  # upcoming appointments, which keep their times whatever changed


async def update_doctor(
    s: AsyncSession,
    *,
    doctor_id: int,
    was: DoctorDetails,
    name: str,
    email: str,
    slot_minutes: int,
    specialty_id: int | None = None,
    new_specialty: str | None = None,
    now: datetime,
) -> DoctorEdited:
    """Change a doctor's name, specialty (``specialty_id``, or the one called
    ``new_specialty``, created when missing), email and appointment length, if the doctor is
    still as the admin saw them (``was``); else :class:`DoctorChanged` and nothing is saved.

    A new length applies to the times offered from now on; booked appointments keep theirs.
    The doctor is told in chat (through the outbox) when anything changed.
    The doctor's row is locked first, so a booking in progress ends before, on the old length.
    :class:`NotFound` (the doctor or the specialty), :class:`EmailTaken`,
    :class:`InvalidName`, :class:`InvalidSlotLength`, :class:`InvalidSpecialty`.
    """
    if (specialty_id is None) == (new_specialty is None):
        raise TypeError("give the specialty's id or a new specialty's name")
    if slot_minutes not in SLOT_LENGTHS:
        raise InvalidSlotLength(str(slot_minutes))
    name, email = normalise_doctor_name(name), normalise_email(email)
    await lock_doctor(s, doctor_id)
    current = await get_doctor(s, doctor_id)
    if details_of(current) != was:
        raise DoctorChanged(current)
    # A new address must be free of every account (an unconfirmed patient's too, which the
    # uniqueness of held addresses alone would let through).
    if email != current.email and not await email_available(s, email):
        raise EmailTaken(email)
    async with s.begin_nested():
        if new_specialty is not None:
            specialty = await get_or_create_specialty(s, new_specialty)
        else:
            assert specialty_id is not None
            specialty = await get_specialty(s, specialty_id)
        try:
            async with s.begin_nested():
                await s.execute(
                    update(User).where(User.id == doctor_id).values(name=name, email=email)
                )
        except IntegrityError:
            raise EmailTaken(email) from None
        await s.execute(
            update(Doctor)
            .where(Doctor.user_id == doctor_id)
            .values(display_name=name, specialty_id=specialty.id, slot_minutes=slot_minutes)
        )
    s.expire_all()
    doctor = await get_doctor(s, doctor_id)
    changed = {
        field
        for field, before, after in (
            ("name", was.name, doctor.name),
            ("specialty", was.specialty_id, doctor.specialty_id),
            ("email", was.email, doctor.email),
            ("slot_minutes", was.slot_minutes, doctor.slot_minutes),
        )
        if before != after
    }
    if changed:
        await on_profile_changed(s, doctor_id, now)
    card = await doctor_card(s, doctor_id=doctor_id, now=now)
    return DoctorEdited(doctor=doctor, changed=frozenset(changed), upcoming=card.upcoming)


# --- weekly hours -------------------------------------------------------------------------------


async def weekly_hours(s: AsyncSession, doctor_id: int) -> list[WeeklyRange]:
    """The doctor's weekly ranges, by weekday and start."""
    rows = await s.scalars(
        select(WorkingHours)
        .where(WorkingHours.doctor_id == doctor_id)
        .order_by(WorkingHours.weekday, WorkingHours.start_minute)
    )
    return [WeeklyRange(r.weekday, r.start_minute, r.end_minute) for r in rows]


def _check_ranges(ranges: Sequence[WeeklyRange]) -> list[WeeklyRange]:
    by_day: dict[int, list[WeeklyRange]] = {}
    for r in ranges:
        if not 0 <= r.weekday <= 6 or not 0 <= r.start_minute < r.end_minute <= 1440:
            raise InvalidHours(f"{r}")
        by_day.setdefault(r.weekday, []).append(r)
    merged: list[WeeklyRange] = []
    for day in sorted(by_day):
        for r in sorted(by_day[day], key=lambda x: x.start_minute):
            if merged and merged[-1].weekday == day and r.start_minute <= merged[-1].end_minute:
                last = merged.pop()
                r = WeeklyRange(day, last.start_minute, max(last.end_minute, r.end_minute))
            merged.append(r)
    return merged


async def replace_hours(
    s: AsyncSession,
    *,
    doctor_id: int,
    ranges: Sequence[WeeklyRange],
    weekday: int | None = None,
) -> list[WeeklyRange]:
    """Replace the doctor's hours (of one weekday when given); overlapping ranges are merged."""
    if weekday is not None and any(r.weekday != weekday for r in ranges):
        raise InvalidHours("range of another weekday")
    clean = _check_ranges(ranges)
    query = delete(WorkingHours).where(WorkingHours.doctor_id == doctor_id)
    if weekday is not None:
        query = query.where(WorkingHours.weekday == weekday)
    await s.execute(query)
    s.add_all(
        WorkingHours(
            doctor_id=doctor_id,
            weekday=r.weekday,
            start_minute=r.start_minute,
            end_minute=r.end_minute,
        )
        for r in clean
    )
    await s.flush()
    return await weekly_hours(s, doctor_id)


async def add_hours(s: AsyncSession, *, doctor_id: int, add: WeeklyRange) -> list[WeeklyRange]:
    """Add one range to a weekday (merged with those it overlaps or touches)."""
    current = [r for r in await weekly_hours(s, doctor_id) if r.weekday == add.weekday]
    return await replace_hours(s, doctor_id=doctor_id, ranges=[*current, add], weekday=add.weekday)


# --- time off -----------------------------------------------------------------------------------


def day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants at which local day ``first`` begins and local day ``last`` ends."""
    start = datetime.combine(first, time(), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz)
    return start, end


@dataclass(frozen=True)
class TimeOffView:
    """One entry of a doctor's time off."""

    id: int
    starts_at: datetime
    ends_at: datetime
    whole_days: bool


def _time_off_view(row: TimeOff) -> TimeOffView:
    return TimeOffView(
        id=row.id, starts_at=row.starts_at, ends_at=row.ends_at, whole_days=row.whole_days
    )


async def upcoming_time_off(
    s: AsyncSession, *, doctor_id: int, now: datetime
) -> list[TimeOffView]:
    """Time off not yet over, by start."""
    rows = await s.scalars(
        select(TimeOff)
        .where(TimeOff.doctor_id == doctor_id, TimeOff.ends_at > now)
        .order_by(TimeOff.starts_at, TimeOff.id)
    )
    return [_time_off_view(row) for row in rows]


async def add_time_off(
    s: AsyncSession,
    *,
    doctor_id: int,
    starts_at: datetime,
    ends_at: datetime,
    whole_days: bool,
    now: datetime,
) -> TimeOff:
    """Block time; it must end in the future and start before it ends."""
    if not starts_at < ends_at or ends_at <= now:
        raise InvalidHours("time off must end after it starts, in the future")
    row = TimeOff(doctor_id=doctor_id, starts_at=starts_at, ends_at=ends_at, whole_days=whole_days)
    s.add(row)
    await s.flush()
    return row


async def remove_time_off(
    s: AsyncSession, *, doctor_id: int, time_off_id: int, now: datetime
) -> TimeOffView:
    """Remove one of the doctor's own time-off entries that is not yet over, in one statement;
    what was removed. :class:`NotFound` for another doctor's, a missing or a past one."""
    row = (
        await s.execute(
            delete(TimeOff)
            .where(
                TimeOff.id == time_off_id, TimeOff.doctor_id == doctor_id, TimeOff.ends_at > now
            )
            .returning(TimeOff.id, TimeOff.starts_at, TimeOff.ends_at, TimeOff.whole_days)
        )
    ).first()
    if row is None:
        raise NotFound("time off")
    return TimeOffView(
        id=row.id, starts_at=row.starts_at, ends_at=row.ends_at, whole_days=row.whole_days
    )


@dataclass(frozen=True)
class HoursOverview:
    """A doctor's weekly hours and the time off not yet over."""

    hours: list[WeeklyRange]
    time_off: list[TimeOffView]


async def hours_overview(s: AsyncSession, *, doctor_id: int, now: datetime) -> HoursOverview:
    """The doctor's weekly hours and upcoming time off, in two statements; :class:`NotFound`
    when the account has no doctor profile."""
    rows = (
        await s.execute(
            select(WorkingHours.weekday, WorkingHours.start_minute, WorkingHours.end_minute)
            .select_from(Doctor)
            .outerjoin(WorkingHours, WorkingHours.doctor_id == Doctor.user_id)
            .where(Doctor.user_id == doctor_id)
            .order_by(WorkingHours.weekday, WorkingHours.start_minute)
        )
    ).all()
    if not rows:
        raise NotFound("doctor")
    hours = [WeeklyRange(*row) for row in rows if row.weekday is not None]
    return HoursOverview(
        hours=hours, time_off=await upcoming_time_off(s, doctor_id=doctor_id, now=now)
    )


# --- invites ------------------------------------------------------------------------------------


def hash_invite(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(
    s: AsyncSession, *, user_id: int, created_by: int | None, now: datetime
) -> str:
    """A new one-time invite for the user (older unused ones stop working); the raw token."""
    await s.execute(
        update(Invite)
        .where(Invite.user_id == user_id, Invite.used_at.is_(None))
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(24)  # 32 characters: well under Telegram's 64 for /start
    s.add(
        Invite(
            user_id=user_id,
            token_hash=hash_invite(token),
            expires_at=now + INVITE_TTL,
            created_by=created_by,
            created_at=now,
        )
    )
    await s.flush()
    return token


class DoctorInactive(DomainError):
    """An inactive doctor cannot be sent an invite."""

    code = "doctor_inactive"

    def __init__(self, doctor: DoctorView) -> None:
        super().__init__(str(doctor.user_id))
        self.doctor = doctor


@dataclass(frozen=True)
class RenewedInvite:
    doctor: DoctorView
    token: str  # shown once; only its hash is stored
    expires_at: datetime


async def renew_invite(
    s: AsyncSession, *, doctor_id: int, created_by: int | None, now: datetime
) -> RenewedInvite:
    """A new one-time invite for an active doctor (earlier ones stop working), with the
    doctor's row locked so a deactivation cannot slip in between. :class:`NotFound`,
    :class:`DoctorInactive`."""
    await lock_doctor(s, doctor_id)
    doctor = await get_doctor(s, doctor_id)
    if not doctor.active:
        raise DoctorInactive(doctor)
    token = await create_invite(s, user_id=doctor_id, created_by=created_by, now=now)
    return RenewedInvite(doctor=doctor, token=token, expires_at=now + INVITE_TTL)


def _invite_hash(token: str | None, token_hash: str | None) -> str:
    if (token is None) == (token_hash is None):
        raise TypeError("give the invite's token or its hash")
    return token_hash if token_hash is not None else hash_invite(str(token))


async def open_invite(
    s: AsyncSession, *, token: str | None = None, token_hash: str | None = None, now: datetime
) -> User:
    """The account a valid, unused, unexpired invite is for; :class:`InviteInvalid` otherwise."""
    digest = _invite_hash(token, token_hash)
    invite = await s.scalar(select(Invite).where(Invite.token_hash == digest))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise InviteInvalid()
    user = await s.get(User, invite.user_id)
    if user is None or not user.active:
        raise InviteInvalid()
    return user


async def accept_invite(
    s: AsyncSession,
    *,
    token: str | None = None,
    token_hash: str | None = None,
    password_hash: str,
    now: datetime,
) -> User:
    """Use the invite once: set the account's password. :class:`InviteInvalid` when it can't."""
    digest = _invite_hash(token, token_hash)
    invite = await s.scalar(select(Invite).where(Invite.token_hash == digest).with_for_update())
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise InviteInvalid()
    user = await s.get(User, invite.user_id, with_for_update=True)
    if user is None or not user.active:
        raise InviteInvalid()
    if user.password_hash is not None:
        # A new link for a lost password: sessions opened with the old one end here.
        await revoke_user_sessions(s, user_id=user.id, now=now)
    invite.used_at = now
    user.password_hash = password_hash
    await s.flush()
    return user


# The accounts an admin invites (others register, or are created at the command line).
INVITED_ROLES = frozenset({Role.DOCTOR.value, Role.STAFF.value})


@dataclass(frozen=True)
class InvitedAccount:
    """Who an invite is for: their role, name (a doctor's as patients see it) and email, and
    for a doctor their specialty."""

    user_id: int
    role: Role
    name: str
    email: str
    specialty: str | None


async def _invited(s: AsyncSession, user: User) -> InvitedAccount:
    if user.role not in INVITED_ROLES or user.email is None:
        raise InviteInvalid()
    if user.role == Role.STAFF.value:
        return InvitedAccount(user.id, Role.STAFF, user.name, user.email, None)
    try:
        doctor = await get_doctor(s, user.id)
    except NotFound:
        raise InviteInvalid() from None
    return InvitedAccount(user.id, Role.DOCTOR, doctor.name, doctor.email, doctor.specialty)


@dataclass(frozen=True)
class InviteOpened:
    """Who an invite link is for, to greet them."""

    account: InvitedAccount
    token_hash: str


async def open_account_invite(s: AsyncSession, *, token: str, now: datetime) -> InviteOpened:
    """The account (a doctor, a front-desk member) a valid invite link is for;
    :class:`InviteInvalid` otherwise."""
    user = await open_invite(s, token=token, now=now)
    return InviteOpened(account=await _invited(s, user), token_hash=hash_invite(token))


@dataclass(frozen=True)
class InviteAccepted:
    account: InvitedAccount
    hours: list[WeeklyRange]  # a doctor's weekly hours (none for the front desk)
    language: str


async def accept_invite_and_log_in(
    s: AsyncSession,
    *,
    token_hash: str,
    password_hash: str,
    chat_id: int,
    language: str,
    secret: str,
    now: datetime,
    ttl: timedelta,
) -> InviteAccepted:
    """Use the invite (row locked: once, even if opened twice), keep the account's language
    (or ``language`` when it has none), and log ``chat_id`` in. :class:`InviteInvalid`."""
    user = await accept_invite(s, token_hash=token_hash, password_hash=password_hash, now=now)
    account = await _invited(s, user)
    user.language = user.language or language
    await open_session(s, user=user, chat_id=chat_id, secret=secret, now=now, ttl=ttl)
    hours = await weekly_hours(s, user.id) if account.role is Role.DOCTOR else []
    return InviteAccepted(account=account, hours=hours, language=user.language)
