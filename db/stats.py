"""The clinic's figures: appointments per doctor and week, and a month's appointments.

Each report is one statement: the weeks' counts are aggregated by PostgreSQL (per doctor, per
week of the clinic's calendar, per status), and a month's appointments come with their doctor,
specialty, patient and who booked them in one join. Weeks start on Monday at midnight in the
clinic's zone. Every function takes an open session, and never writes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from db.models import Appointment, AppointmentStatus, Doctor, Role, Specialty, User

WEEKS = 8


@dataclass(frozen=True)
class StatusCounts:
    """Appointments by their status now: still booked (to come, or not marked yet), attended,
    missed, cancelled."""

    booked: int = 0
    attended: int = 0
    no_show: int = 0
    cancelled: int = 0

    def __add__(self, other: StatusCounts) -> StatusCounts:
        return StatusCounts(
            self.booked + other.booked,
            self.attended + other.attended,
            self.no_show + other.no_show,
            self.cancelled + other.cancelled,
        )

    @property
    def total(self) -> int:
        return self.booked + self.attended + self.no_show + self.cancelled


def _sum(counts: list[StatusCounts] | tuple[StatusCounts, ...]) -> StatusCounts:
    total = StatusCounts()
    for each in counts:
        total += each
    return total


@dataclass(frozen=True)
class DoctorWeeks:
    """One doctor's appointments in each week of the report (oldest week first)."""

    doctor_id: int
    name: str
    specialty: str
    active: bool
    weeks: tuple[StatusCounts, ...]

    @property
    def total(self) -> StatusCounts:
        return _sum(self.weeks)


@dataclass(frozen=True)
class WeeklyStats:
    """Appointments starting in the last weeks (this one included), per doctor: every active
    doctor, and inactive ones who had appointments then; ordered by name."""

    weeks: tuple[date, ...]  # each week's Monday, oldest first
    start: datetime  # the first Monday's midnight in the clinic's zone
    end: datetime  # the midnight after this week's Sunday
    doctors: tuple[DoctorWeeks, ...]

    @property
    def total(self) -> StatusCounts:
        return _sum([doctor.total for doctor in self.doctors])


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _counts(status: AppointmentStatus) -> ColumnElement[int]:
    """How many of a doctor's appointments that week are in ``status``."""
    return func.count(Appointment.id).filter(
        Appointment.status == literal(status.value, literal_execute=True)
    )


async def weekly_stats(
    s: AsyncSession, *, tz: ZoneInfo, now: datetime, weeks: int = WEEKS
) -> WeeklyStats:
    """Each doctor's appointments per status in each of the last ``weeks`` weeks of the
    clinic's calendar, this week included (its days still to come too). One statement."""
    this_week = week_start(now.astimezone(tz).date())
    mondays = tuple(this_week - timedelta(weeks=back) for back in range(weeks - 1, -1, -1))
    start = _midnight(mondays[0], tz)
    end = _midnight(this_week + timedelta(weeks=1), tz)
    local = func.timezone(tz.key, Appointment.starts_at)
    week = cast(func.date_trunc("week", local), Date).label("week")
    query = (
        select(
            Doctor.user_id,
            Doctor.display_name,
            Specialty.name,
            Doctor.active,
            week,
            _counts(AppointmentStatus.BOOKED),
            _counts(AppointmentStatus.ATTENDED),
            _counts(AppointmentStatus.NO_SHOW),
            _counts(AppointmentStatus.CANCELLED),
        )
        .join(Specialty, Specialty.id == Doctor.specialty_id)
        .outerjoin(
            Appointment,
            and_(
                Appointment.doctor_id == Doctor.user_id,
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
            ),
        )
        .where(or_(Doctor.active, Appointment.id.is_not(None)))
        .group_by(Doctor.user_id, Doctor.display_name, Specialty.name, Doctor.active, week)
        .order_by(func.lower(Doctor.display_name), Doctor.user_id)
    )
    index = {monday: i for i, monday in enumerate(mondays)}
    about: dict[int, tuple[str, str, bool]] = {}
    counts: dict[int, list[StatusCounts]] = {}
    for doctor_id, name, specialty, active, monday, *figures in (await s.execute(query)).all():
        if doctor_id not in about:
            about[doctor_id] = (name, specialty, active)
            counts[doctor_id] = [StatusCounts()] * weeks
        if monday in index:  # None: a doctor without appointments in these weeks
            counts[doctor_id][index[monday]] = StatusCounts(*(int(n) for n in figures))
    return WeeklyStats(
        weeks=mondays,
        start=start,
        end=end,
        doctors=tuple(
            DoctorWeeks(doctor_id, *about[doctor_id], tuple(counts[doctor_id]))
            for doctor_id in about
        ),
    )


# --- a month's appointments ---------------------------------------------------------------------


class BookedBy(enum.StrEnum):
    """Who made an appointment: the patient, or the clinic for them (the front desk or an
    admin)."""

    PATIENT = "patient"
    FRONT_DESK = "front_desk"
    ADMIN = "admin"


@dataclass(frozen=True)
class AppointmentLine:
    """One appointment as a spreadsheet lists it."""

    id: int
    starts_at: datetime
    doctor: str
    specialty: str
    patient: str
    status: str
    booked_by: BookedBy


def month_bounds(year: int, month: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The first and the next month's first midnight in the clinic's zone."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return _midnight(first, tz), _midnight(following, tz)


async def month_appointments(
    s: AsyncSession, *, year: int, month: int, tz: ZoneInfo
) -> list[AppointmentLine]:
    """Every appointment starting in ``month`` of the clinic's calendar, in every status, in
    order of time (then doctor), with who booked it. One statement."""
    start, end = month_bounds(year, month, tz)
    patient = aliased(User)
    # Only the front desk and admins book for someone else; the role they booked in tells
    # which.
    booked_by = case(
        (Appointment.booked_as == Role.ADMIN.value, literal(BookedBy.ADMIN.value)),
        (Appointment.booked_as == Role.STAFF.value, literal(BookedBy.FRONT_DESK.value)),
        else_=literal(BookedBy.PATIENT.value),
    )
    rows = await s.execute(
        select(
            Appointment.id,
            Appointment.starts_at,
            Doctor.display_name,
            Specialty.name,
            patient.name,
            Appointment.status,
            booked_by,
        )
        .join(Doctor, Doctor.user_id == Appointment.doctor_id)
        .join(Specialty, Specialty.id == Doctor.specialty_id)
        .join(patient, patient.id == Appointment.patient_id)
        .where(Appointment.starts_at >= start, Appointment.starts_at < end)
        .order_by(Appointment.starts_at, func.lower(Doctor.display_name), Appointment.id)
    )
    return [
        AppointmentLine(id_, starts_at, doctor, specialty, name, status, BookedBy(by))
        for id_, starts_at, doctor, specialty, name, status, by in rows.all()
    ]
