"""Free slots, booking, cancelling, rescheduling and schedules against real PostgreSQL, and the
database constraints that keep appointments from overlapping whatever the code does."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.context import Services
from bot.formatting import policy_of
from db.booking import (
    OVERLAP_TRIES,
    Actor,
    AppointmentView,
    BookingPolicy,
    NotChangeable,
    NotStartedYet,
    PatientOverlap,
    SlotTaken,
    SlotUnavailable,
    TooLateToChange,
    TooManyUpcoming,
    add_day_range,
    available_days,
    cancel,
    cancel_all,
    doctor_schedule,
    live_in_range,
    mark_attendance,
    next_free_slots,
    past_for_patient,
    reschedule,
    schedule,
    set_day_hours,
    upcoming_count,
    upcoming_for_doctor,
    upcoming_for_patient,
)
from db.clock import FrozenClock
from db.doctors import (
    DoctorView,
    InvalidHours,
    OverlappingHours,
    add_time_off,
    day_bounds,
    set_doctor_active,
    weekly_hours,
)
from db.errors import NotFound
from db.models import Appointment, Role, User
from db.slots import WeeklyRange
from tests.factories import book_directly, make_doctor

MADRID = ZoneInfo("Europe/Madrid")
START_UTC = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # the test clock: Tue 1 Dec 09:00 in Madrid
SUNDAY = 6
FRIDAY = 4


def frozen(services: Services) -> FrozenClock:
    """The test clock, to move."""
    assert isinstance(services.clock, FrozenClock)
    return services.clock


def dec(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Madrid in December 2026 (the test clock starts on Tue 1 Dec 09:00)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


def madrid(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=MADRID)


def clocks(starts: list[datetime]) -> list[str]:
    return [moment.astimezone(MADRID).strftime("%H:%M") for moment in starts]


def grid(first: str, minutes: int, count: int) -> list[str]:
    """``count`` wall-clock times ``minutes`` apart from ``first``: grid("09:00", 45, 2)."""
    start = datetime.strptime(first, "%H:%M")
    return [(start + n * timedelta(minutes=minutes)).strftime("%H:%M") for n in range(count)]


def policy(services: Services) -> BookingPolicy:
    return policy_of(services.settings)


async def make_patient(services: Services, email: str, name: str = "Pat Doe") -> User:
    async with services.transaction() as s:
        user = User(email=email, name=name, role=Role.PATIENT.value, phone="+34600111222")
        s.add(user)
        await s.flush()
    return user


async def make_admin(services: Services) -> User:
    async with services.transaction() as s:
        user = User(email="boss@example.com", name="The Boss", role=Role.ADMIN.value)
        s.add(user)
        await s.flush()
    return user


async def free(
    services: Services,
    doctor: DoctorView,
    *,
    patient_id: int | None = None,
    ignore_appointment: int | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> dict[date, list[datetime]]:
    """The doctor's free slot starts by local day, as available_days gives them."""
    async with services.transaction() as s:
        days = await available_days(
            s,
            doctor=doctor,
            policy=policy(services),
            now=services.clock.now(),
            patient_id=patient_id,
            ignore_appointment=ignore_appointment,
            first_day=first_day,
            last_day=last_day,
        )
    return {day: [slot.starts_at for slot in slots] for day, slots in days.items()}


async def stored(services: Services, appointment_id: int) -> Appointment:
    async with services.session_factory() as s:
        appointment = await s.get(Appointment, appointment_id)
    assert appointment is not None
    return appointment


async def appointment_count(services: Services) -> int:
    async with services.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(Appointment)) or 0)


async def do_cancel(services: Services, appointment_id: int, actor: Actor) -> AppointmentView:
    async with services.transaction() as s:
        return await cancel(
            s,
            appointment_id=appointment_id,
            actor=actor,
            policy=policy(services),
            now=services.clock.now(),
        )


async def do_reschedule(
    services: Services, appointment_id: int, actor: Actor, new_start: datetime
) -> tuple[AppointmentView, datetime]:
    async with services.transaction() as s:
        return await reschedule(
            s,
            appointment_id=appointment_id,
            actor=actor,
            new_start=new_start,
            policy=policy(services),
            now=services.clock.now(),
        )


async def do_mark(
    services: Services, appointment_id: int, actor: Actor, *, attended: bool
) -> AppointmentView:
    async with services.transaction() as s:
        return await mark_attendance(
            s,
            appointment_id=appointment_id,
            actor=actor,
            attended=attended,
            now=services.clock.now(),
        )


async def block(services: Services, doctor: DoctorView, start: datetime, end: datetime) -> None:
    async with services.transaction() as s:
        await add_time_off(
            s,
            doctor_id=doctor.user_id,
            starts_at=start,
            ends_at=end,
            whole_days=False,
            now=services.clock.now(),
        )


def patient(user: User) -> Actor:
    return Actor(user.id, Role.PATIENT)


def doctor_actor(doctor: DoctorView) -> Actor:
    return Actor(doctor.user_id, Role.DOCTOR)


# --- free slots ---------------------------------------------------------------------------------


async def test_free_days_follow_the_hours_and_the_slot_length(services: Services) -> None:
    doctor = await make_doctor(services, "dr45@example.com", slot_minutes=45, password=None)
    days = await free(services, doctor)

    weekdays = [date(2026, 12, d) for d in range(1, 32) if date(2026, 12, d).weekday() < 5]
    assert list(days) == weekdays
    full_day = grid("09:00", 45, 10)
    assert clocks(days[date(2026, 12, 2)]) == full_day
    # Today: nothing before now + the minimum notice (10:00). The horizon is 31 Dec 09:00.
    assert clocks(days[date(2026, 12, 1)]) == full_day[2:]
    assert clocks(days[date(2026, 12, 31)]) == ["09:00"]

    async with services.transaction() as s:
        raw = await available_days(s, doctor=doctor, policy=policy(services), now=START_UTC)
    assert {slot.ends_at - slot.starts_at for slots in raw.values() for slot in slots} == {
        timedelta(minutes=45)
    }
    assert all(slot.starts_at.utcoffset() == timedelta(0) for slot in raw[date(2026, 12, 2)])


async def test_several_ranges_a_day(services: Services) -> None:
    hours = (WeeklyRange(0, 9 * 60, 11 * 60), WeeklyRange(0, 16 * 60, 17 * 60 + 30))
    doctor = await make_doctor(services, "split@example.com", hours=hours, password=None)
    days = await free(services, doctor)
    assert [day.weekday() for day in days] == [0] * 4  # only Mondays, 7–28 Dec
    assert clocks(days[date(2026, 12, 7)]) == grid("09:00", 30, 4) + grid("16:00", 30, 3)


async def test_a_booked_slot_disappears_for_everyone(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )

    for viewer in (None, ben.id, ana.id):
        wednesday = (await free(services, doctor, patient_id=viewer))[date(2026, 12, 2)]
        assert dec(2, 10) not in wednesday
        assert dec(2, 9, 30) in wednesday and dec(2, 10, 30) in wednesday
        assert len(wednesday) == 15


async def test_whole_days_off_remove_those_days(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    async with services.transaction() as s:
        for first, last in (
            (date(2026, 12, 3), date(2026, 12, 3)),
            (date(2026, 12, 14), date(2026, 12, 18)),
        ):
            start, end = day_bounds(first, last, MADRID)
            await add_time_off(
                s,
                doctor_id=doctor.user_id,
                starts_at=start,
                ends_at=end,
                whole_days=True,
                now=services.clock.now(),
            )
    days = await free(services, doctor)
    assert date(2026, 12, 3) not in days
    assert not [day for day in days if date(2026, 12, 14) <= day <= date(2026, 12, 18)]
    assert len(days[date(2026, 12, 2)]) == 16 and len(days[date(2026, 12, 4)]) == 16
    assert len(days[date(2026, 12, 11)]) == 16 and len(days[date(2026, 12, 21)]) == 16


async def test_partial_time_off_removes_the_slots_it_touches(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    await block(services, doctor, dec(4, 12), dec(4, 13, 15))
    friday = clocks((await free(services, doctor))[date(2026, 12, 4)])
    assert "11:30" in friday and "13:30" in friday
    assert not {"12:00", "12:30", "13:00"} & set(friday)
    assert len(friday) == 13


async def test_minimum_notice_and_horizon_move_with_the_clock(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    days = await free(services, doctor)
    assert clocks(days[date(2026, 12, 1)])[0] == "10:00"  # exactly an hour ahead is bookable
    assert clocks(days[date(2026, 12, 31)]) == ["09:00"]  # exactly 30 days ahead too
    assert max(days) == date(2026, 12, 31)

    frozen(services).set(dec(1, 9, 31))
    days = await free(services, doctor)
    assert clocks(days[date(2026, 12, 1)])[0] == "11:00"
    assert clocks(days[date(2026, 12, 31)]) == ["09:00", "09:30"]

    frozen(services).set(dec(1, 16, 1))
    days = await free(services, doctor)
    assert date(2026, 12, 1) not in days  # the last slot (16:30) is inside the notice
    assert min(days) == date(2026, 12, 2)


async def test_day_range_is_clipped_to_today_and_the_horizon(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    days = await free(services, doctor, first_day=date(2026, 12, 7), last_day=date(2026, 12, 8))
    assert list(days) == [date(2026, 12, 7), date(2026, 12, 8)]
    days = await free(services, doctor, first_day=date(2026, 11, 1), last_day=date(2027, 3, 1))
    assert min(days) == date(2026, 12, 1) and max(days) == date(2026, 12, 31)
    assert await free(services, doctor, first_day=date(2027, 1, 4)) == {}


async def test_no_hours_means_no_days(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", hours=(), password=None)
    assert await free(services, doctor) == {}


async def test_patients_own_appointment_hides_overlapping_slots_of_another_doctor(
    services: Services,
) -> None:
    cardio = await make_doctor(services, "a@example.com", password=None)
    derma = await make_doctor(
        services,
        "b@example.com",
        name="Dr. Lisa Cuddy",
        specialty="Dermatology",
        slot_minutes=45,
        password=None,
    )
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    mine = await book_directly(
        services, patient_id=ana.id, doctor_id=cardio.user_id, starts_at=dec(2, 10)
    )

    for_ana = (await free(services, derma, patient_id=ana.id))[date(2026, 12, 2)]
    assert clocks(for_ana)[:3] == ["09:00", "10:30", "11:15"]  # 09:45–10:30 overlaps 10:00–10:30
    for_ben = (await free(services, derma, patient_id=ben.id))[date(2026, 12, 2)]
    assert clocks(for_ben)[:3] == ["09:00", "09:45", "10:30"]
    anyone = (await free(services, derma))[date(2026, 12, 2)]
    assert anyone == for_ben

    # Rescheduling: the patient's own appointment does not hide anything, its slot shows again.
    moving = await free(services, derma, patient_id=ana.id, ignore_appointment=mine.id)
    assert moving[date(2026, 12, 2)] == for_ben
    same_doctor = await free(services, cardio, patient_id=ana.id, ignore_appointment=mine.id)
    assert dec(2, 10) in same_doctor[date(2026, 12, 2)]
    assert dec(2, 10) not in (await free(services, cardio, patient_id=ana.id))[date(2026, 12, 2)]


async def test_a_month_of_free_days_costs_a_fixed_number_of_queries(
    services: Services, connection: AsyncConnection
) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    for who, day in ((ana, 2), (ana, 3), (ben, 9), (ben, 15)):
        await book_directly(
            services, patient_id=who.id, doctor_id=doctor.user_id, starts_at=dec(day, 11)
        )
    await block(services, doctor, dec(4, 9), dec(4, 12))

    selects: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", count)
    try:
        month = await free(services, doctor, patient_id=ana.id)
        month_queries = len(selects)
        selects.clear()
        one_day = await free(
            services,
            doctor,
            patient_id=ana.id,
            first_day=date(2026, 12, 2),
            last_day=date(2026, 12, 2),
        )
        day_queries = len(selects)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", count)

    assert len(month) == 23 and list(one_day) == [date(2026, 12, 2)]
    # Hours, time off, the doctor's and the patient's appointments: whatever the span.
    assert month_queries == day_queries == 4


async def test_next_free_slots_skip_the_taken_one(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 16)
    )
    await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 16, 30)
    )
    async with services.transaction() as s:
        offered = await next_free_slots(
            s,
            doctor=doctor,
            policy=policy(services),
            now=services.clock.now(),
            after=dec(2, 16),
            patient_id=ben.id,
            limit=4,
        )
    # The day's last two slots are taken: the offer carries on the next working day.
    assert [slot.starts_at for slot in offered] == [
        dec(3, 9),
        dec(3, 9, 30),
        dec(3, 10),
        dec(3, 10, 30),
    ]


# --- booking ------------------------------------------------------------------------------------


async def test_booking_stores_the_doctors_slot_length(services: Services) -> None:
    doctor = await make_doctor(services, "dr45@example.com", slot_minutes=45, password=None)
    ana = await make_patient(services, "ana@example.com", name="Ana García")
    view = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 9, 45)
    )
    assert (view.starts_at, view.ends_at) == (dec(2, 9, 45), dec(2, 10, 30))
    assert (view.doctor_name, view.specialty, view.patient_name) == (
        "Dr. Gregory House",
        "Cardiology",
        "Ana García",
    )

    row = await stored(services, view.id)
    assert (row.doctor_id, row.patient_id) == (doctor.user_id, ana.id)
    assert (row.starts_at, row.ends_at) == (dec(2, 9, 45), dec(2, 10, 30))
    assert (row.status, row.version, row.created_at, row.updated_at) == (
        "booked",
        0,
        START_UTC,
        START_UTC,
    )
    assert row.cancelled_at is None and row.cancelled_by is None


@pytest.mark.parametrize(
    "starts_at",
    [
        pytest.param(dec(2, 10, 10), id="not on the slot grid"),
        pytest.param(dec(2, 8, 30), id="before the hours"),
        pytest.param(dec(2, 17), id="at the end of the hours"),
        pytest.param(dec(2, 16, 45), id="running past the end of the hours"),
        pytest.param(dec(5, 10), id="a day without hours"),
        pytest.param(dec(3, 12, 30), id="in time off"),
        pytest.param(datetime(2026, 11, 30, 10, tzinfo=MADRID), id="in the past"),
        pytest.param(dec(1, 9), id="now"),
        pytest.param(dec(1, 9, 30), id="inside the minimum notice"),
        pytest.param(dec(31, 9, 30), id="just beyond the horizon"),
        pytest.param(datetime(2027, 1, 4, 10, tzinfo=MADRID), id="far beyond the horizon"),
    ],
)
async def test_booking_refuses_a_time_the_doctor_does_not_offer(
    services: Services, starts_at: datetime
) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    await block(services, doctor, dec(3, 12), dec(3, 14))
    ana = await make_patient(services, "ana@example.com")
    with pytest.raises(SlotUnavailable):
        await book_directly(
            services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=starts_at
        )
    assert await appointment_count(services) == 0


@pytest.mark.parametrize(
    "starts_at",
    [dec(1, 10), dec(2, 9), dec(2, 16, 30), dec(3, 11, 30), dec(3, 14), dec(31, 9)],
    ids=[
        "at the minimum notice",
        "first of the day",
        "last of the day",
        "before time off",
        "after time off",
        "at the horizon",
    ],
)
async def test_booking_accepts_the_edges_of_what_is_offered(
    services: Services, starts_at: datetime
) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    await block(services, doctor, dec(3, 12), dec(3, 14))
    ana = await make_patient(services, "ana@example.com")
    view = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=starts_at
    )
    assert view.starts_at == starts_at


async def test_booking_accepts_the_same_instant_in_any_zone(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    view = await book_directly(
        services,
        patient_id=ana.id,
        doctor_id=doctor.user_id,
        starts_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),  # 10:00 in Madrid
    )
    assert view.starts_at == dec(2, 10)


async def test_a_deactivated_doctor_cannot_be_booked(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    async with services.transaction() as s:
        await set_doctor_active(
            s, doctor_id=doctor.user_id, active=False, now=services.clock.now()
        )
    with pytest.raises(NotFound):
        await book_directly(
            services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
        )
    with pytest.raises(NotFound):
        await book_directly(services, patient_id=ana.id, doctor_id=ana.id, starts_at=dec(2, 10))
    assert await appointment_count(services) == 0


async def test_an_inactive_patient_cannot_book(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    async with services.transaction() as s:
        await s.execute(update(User).where(User.id == ana.id).values(active=False))
    with pytest.raises(NotFound):
        await book_directly(
            services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
        )


async def test_a_taken_slot_is_refused(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    first = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    with pytest.raises(SlotTaken):
        await book_directly(
            services, patient_id=ben.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
        )
    assert await appointment_count(services) == 1
    assert (await stored(services, first.id)).patient_id == ana.id
    # The refusal left Ben free to book something else at once.
    await book_directly(
        services, patient_id=ben.id, doctor_id=doctor.user_id, starts_at=dec(2, 10, 30)
    )


async def test_a_patient_cannot_overlap_their_own_appointments(services: Services) -> None:
    cardio = await make_doctor(services, "a@example.com", password=None)
    derma = await make_doctor(
        services, "b@example.com", specialty="Dermatology", slot_minutes=45, password=None
    )
    ana = await make_patient(services, "ana@example.com")
    await book_directly(
        services, patient_id=ana.id, doctor_id=cardio.user_id, starts_at=dec(2, 10)
    )
    with pytest.raises(PatientOverlap):
        await book_directly(
            services, patient_id=ana.id, doctor_id=derma.user_id, starts_at=dec(2, 9, 45)
        )
    # Touching is not overlapping.
    await book_directly(
        services, patient_id=ana.id, doctor_id=derma.user_id, starts_at=dec(2, 10, 30)
    )
    assert await appointment_count(services) == 2


async def test_upcoming_limit(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    assert policy(services).max_upcoming == 3
    held = [
        await book_directly(services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=at)
        for at in (dec(2, 10), dec(3, 10), dec(4, 10))
    ]
    with pytest.raises(TooManyUpcoming) as refused:
        await book_directly(
            services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(7, 10)
        )
    assert refused.value.limit == 3
    assert await appointment_count(services) == 3

    # A cancelled one no longer counts…
    await do_cancel(services, held[2].id, patient(ana))
    fourth = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(7, 10)
    )
    with pytest.raises(TooManyUpcoming):
        await book_directly(
            services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(8, 10)
        )
    # …nor does one that has started.
    frozen(services).set(dec(2, 10, 5))
    async with services.transaction() as s:
        assert await upcoming_count(s, patient_id=ana.id, now=services.clock.now()) == 2
    await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(8, 10)
    )
    assert fourth.starts_at == dec(7, 10)


async def test_a_cancelled_appointment_frees_its_slot(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    first = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    await do_cancel(services, first.id, patient(ana))
    assert dec(2, 10) in (await free(services, doctor))[date(2026, 12, 2)]
    second = await book_directly(
        services, patient_id=ben.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    assert second.id != first.id
    assert (await stored(services, first.id)).status == "cancelled"
    assert await appointment_count(services) == 2
    # Ana may take the same time again with another doctor, or even this one later.
    await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10, 30)
    )


# --- the database itself ------------------------------------------------------------------------


def appointment_row(
    doctor_id: int,
    patient_id: int,
    start: datetime,
    minutes: int = 30,
    *,
    status: str = "booked",
) -> Appointment:
    return Appointment(
        doctor_id=doctor_id,
        patient_id=patient_id,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        status=status,
        version=0,
        created_at=START_UTC,
        updated_at=START_UTC,
        cancelled_at=START_UTC if status == "cancelled" else None,
    )


def constraint_of(error: IntegrityError) -> str | None:
    return getattr(getattr(error.orig, "diag", None), "constraint_name", None)


async def insert(services: Services, *rows: Appointment) -> None:
    async with services.transaction() as s:
        s.add_all(rows)


async def test_the_database_refuses_overlapping_appointments_of_a_doctor(
    services: Services,
) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    await insert(services, appointment_row(doctor.user_id, ana.id, dec(2, 10)))
    for start, minutes in (
        (dec(2, 10), 30),
        (dec(2, 10, 15), 30),
        (dec(2, 9, 45), 20),
        (dec(2, 9), 120),
    ):
        with pytest.raises(IntegrityError) as refused:
            await insert(services, appointment_row(doctor.user_id, ben.id, start, minutes))
        assert constraint_of(refused.value) == "ex_appointments_doctor_overlap"
    assert await appointment_count(services) == 1


async def test_the_database_refuses_overlapping_appointments_of_a_patient(
    services: Services,
) -> None:
    cardio = await make_doctor(services, "a@example.com", password=None)
    derma = await make_doctor(services, "b@example.com", specialty="Dermatology", password=None)
    ana = await make_patient(services, "ana@example.com")
    await insert(services, appointment_row(cardio.user_id, ana.id, dec(2, 10)))
    with pytest.raises(IntegrityError) as refused:
        await insert(services, appointment_row(derma.user_id, ana.id, dec(2, 10, 15)))
    assert constraint_of(refused.value) == "ex_appointments_patient_overlap"
    assert await appointment_count(services) == 1


async def test_the_database_refuses_an_overlap_within_one_statement(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    with pytest.raises(IntegrityError) as refused:
        await insert(
            services,
            appointment_row(doctor.user_id, ana.id, dec(2, 10)),
            appointment_row(doctor.user_id, ben.id, dec(2, 10)),
        )
    assert constraint_of(refused.value) == "ex_appointments_doctor_overlap"
    assert await appointment_count(services) == 0


async def test_the_database_accepts_touching_and_cancelled_appointments(
    services: Services,
) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    await insert(
        services,
        appointment_row(doctor.user_id, ana.id, dec(2, 10)),
        appointment_row(doctor.user_id, ana.id, dec(2, 10, 30)),  # end == next start
        appointment_row(doctor.user_id, ben.id, dec(2, 10), status="cancelled"),
        appointment_row(doctor.user_id, ben.id, dec(2, 10, 15), status="cancelled"),
    )
    assert await appointment_count(services) == 4


async def test_attended_and_no_show_appointments_still_hold_their_time(
    services: Services,
) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    past = datetime(2026, 11, 30, 10, tzinfo=MADRID)
    await insert(
        services,
        appointment_row(doctor.user_id, ana.id, past, status="attended"),
        appointment_row(doctor.user_id, ana.id, past + timedelta(hours=1), status="no_show"),
    )
    for start in (past, past + timedelta(hours=1)):
        with pytest.raises(IntegrityError) as refused:
            await insert(services, appointment_row(doctor.user_id, ben.id, start))
        assert constraint_of(refused.value) == "ex_appointments_doctor_overlap"


async def test_the_constraint_also_guards_updates(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    kept = appointment_row(doctor.user_id, ana.id, dec(2, 10))
    gone = appointment_row(doctor.user_id, ben.id, dec(2, 10), status="cancelled")
    moved = appointment_row(doctor.user_id, ben.id, dec(2, 11))
    await insert(services, kept, gone, moved)

    with pytest.raises(IntegrityError) as revived:
        async with services.transaction() as s:
            await s.execute(
                update(Appointment)
                .where(Appointment.id == gone.id)
                .values(status="booked", cancelled_at=None)
            )
    assert constraint_of(revived.value) == "ex_appointments_doctor_overlap"
    with pytest.raises(IntegrityError) as shifted:
        async with services.transaction() as s:
            await s.execute(
                update(Appointment)
                .where(Appointment.id == moved.id)
                .values(starts_at=dec(2, 10, 20), ends_at=dec(2, 10, 50))
            )
    assert constraint_of(shifted.value) == "ex_appointments_doctor_overlap"
    assert (await stored(services, moved.id)).starts_at == dec(2, 11)


HOURS = "INSERT INTO working_hours (doctor_id, weekday, start_minute, end_minute) VALUES "
APPOINTMENT = "UPDATE appointments SET {} WHERE id = :appointment"


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        pytest.param(
            "UPDATE doctors SET slot_minutes = 25 WHERE user_id = :doctor",
            "ck_doctors_slot_minutes_allowed",
            id="slot length 25",
        ),
        pytest.param(
            "UPDATE doctors SET slot_minutes = 0 WHERE user_id = :doctor",
            "ck_doctors_slot_minutes_allowed",
            id="slot length 0",
        ),
        pytest.param(
            HOURS + "(:doctor, 7, 540, 600)", "ck_working_hours_weekday_valid", id="weekday 7"
        ),
        pytest.param(
            HOURS + "(:doctor, -1, 540, 600)", "ck_working_hours_weekday_valid", id="weekday -1"
        ),
        pytest.param(
            HOURS + "(:doctor, 1, 600, 600)", "ck_working_hours_range_valid", id="empty hours"
        ),
        pytest.param(
            HOURS + "(:doctor, 1, 660, 600)",
            "ck_working_hours_range_valid",
            id="hours ending before they start",
        ),
        pytest.param(
            HOURS + "(:doctor, 1, 1380, 1441)",
            "ck_working_hours_range_valid",
            id="hours ending after midnight",
        ),
        pytest.param(
            HOURS + "(:doctor, 1, -30, 600)",
            "ck_working_hours_range_valid",
            id="hours starting before midnight",
        ),
        pytest.param(
            "INSERT INTO time_off (doctor_id, starts_at, ends_at, whole_days) "
            "VALUES (:doctor, now(), now(), false)",
            "ck_time_off_range_valid",
            id="empty time off",
        ),
        pytest.param(
            APPOINTMENT.format("status = 'cancelled'"),
            "ck_appointments_cancelled_has_time",
            id="cancelled without a time",
        ),
        pytest.param(
            APPOINTMENT.format("cancelled_at = now()"),
            "ck_appointments_cancelled_has_time",
            id="a cancelling time without cancelling",
        ),
        pytest.param(
            APPOINTMENT.format("status = 'pending'"),
            "ck_appointments_status_known",
            id="unknown status",
        ),
        pytest.param(
            APPOINTMENT.format("ends_at = starts_at"),
            "ck_appointments_range_valid",
            id="empty appointment",
        ),
        pytest.param(
            "INSERT INTO specialties (name) VALUES ('  ')",
            "ck_specialties_name_not_blank",
            id="blank specialty",
        ),
        pytest.param(
            "INSERT INTO specialties (name) VALUES ('CARDIOLOGY')",
            "uq_specialties_name_ci",
            id="specialty in another case",
        ),
    ],
)
async def test_the_database_refuses_invalid_rows(
    services: Services, statement: str, constraint: str
) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    booked = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    with pytest.raises(IntegrityError) as refused:
        async with services.transaction() as s:
            await s.execute(text(statement), {"doctor": doctor.user_id, "appointment": booked.id})
    assert constraint_of(refused.value) == constraint


async def test_the_database_accepts_the_edges_of_valid_rows(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    async with services.transaction() as s:
        for minutes in (15, 20, 30, 45, 60):
            await s.execute(
                text("UPDATE doctors SET slot_minutes = :m WHERE user_id = :doctor"),
                {"m": minutes, "doctor": doctor.user_id},
            )
        await s.execute(
            text(
                "INSERT INTO working_hours (doctor_id, weekday, start_minute, end_minute) "
                "VALUES (:doctor, 6, 0, 1440), (:doctor, 0, 1439, 1440)"
            ),
            {"doctor": doctor.user_id},
        )


# --- cancelling ---------------------------------------------------------------------------------


async def test_cancelling_keeps_the_appointment_with_who_and_when(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    booked = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    frozen(services).advance(timedelta(minutes=5))
    view = await do_cancel(services, booked.id, patient(ana))
    assert (view.id, view.status, view.version, view.cancelled_by) == (
        booked.id,
        "cancelled",
        1,
        ana.id,
    )

    row = await stored(services, booked.id)
    assert (row.status, row.cancelled_by, row.cancel_reason, row.version) == (
        "cancelled",
        ana.id,
        "patient",
        1,
    )
    assert row.cancelled_at == row.updated_at == START_UTC + timedelta(minutes=5)
    assert (row.starts_at, row.ends_at) == (dec(2, 10), dec(2, 10, 30))
    assert await appointment_count(services) == 1

    with pytest.raises(NotChangeable):
        await do_cancel(services, booked.id, patient(ana))
    assert (await stored(services, booked.id)).version == 1


async def test_cancel_window_binds_patients_only(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    admin = await make_admin(services)
    ana = await make_patient(services, "ana@example.com")
    soon = [
        await book_directly(services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=at)
        for at in (dec(1, 10), dec(1, 10, 30), dec(1, 11))
    ]
    assert policy(services).cancel_window == timedelta(hours=2)
    with pytest.raises(TooLateToChange):
        await do_cancel(services, soon[1].id, patient(ana))  # starts in 1 h 30
    assert (await stored(services, soon[1].id)).status == "booked"
    # Exactly two hours ahead is still allowed.
    assert (await do_cancel(services, soon[2].id, patient(ana))).status == "cancelled"
    # The doctor and an admin may cancel inside the window.
    assert (
        await do_cancel(services, soon[1].id, doctor_actor(doctor))
    ).cancelled_by == doctor.user_id
    assert (
        await do_cancel(services, soon[0].id, Actor(admin.id, Role.ADMIN))
    ).cancelled_by == admin.id
    assert (await stored(services, soon[0].id)).cancel_reason == "admin"


async def test_an_appointment_that_has_started_cannot_be_cancelled(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    admin = await make_admin(services)
    ana = await make_patient(services, "ana@example.com")
    booked = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(1, 10)
    )
    frozen(services).set(dec(1, 10))
    for actor in (patient(ana), doctor_actor(doctor), Actor(admin.id, Role.ADMIN)):
        with pytest.raises(NotChangeable):
            await do_cancel(services, booked.id, actor)


async def test_nobody_cancels_someone_elses_appointment(services: Services) -> None:
    doctor = await make_doctor(services, "a@example.com", password=None)
    other_doctor = await make_doctor(services, "b@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    booked = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    for stranger in (patient(ben), doctor_actor(other_doctor), Actor(ana.id, Role.DOCTOR)):
        with pytest.raises(NotFound):
            await do_cancel(services, booked.id, stranger)
    with pytest.raises(NotFound):
        await do_cancel(services, booked.id + 1000, patient(ana))
    row = await stored(services, booked.id)
    assert (row.status, row.version, row.cancelled_at) == ("booked", 0, None)


async def test_cancel_all_cancels_for_the_clinic_and_skips_what_is_gone(
    services: Services,
) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    first = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(1, 10)
    )
    second = await book_directly(
        services, patient_id=ben.id, doctor_id=doctor.user_id, starts_at=dec(1, 10, 30)
    )
    third = await book_directly(
        services, patient_id=ben.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    await do_cancel(services, third.id, patient(ben))

    async with services.transaction() as s:
        cancelled = await cancel_all(
            s,
            appointment_ids=[second.id, third.id, first.id],
            actor=doctor_actor(doctor),
            policy=policy(services),
            now=services.clock.now(),
            reason="time_off",
        )
    assert [view.id for view in cancelled] == sorted([first.id, second.id])
    for appointment_id in (first.id, second.id):
        row = await stored(services, appointment_id)
        assert (row.status, row.cancelled_by, row.cancel_reason) == (
            "cancelled",
            doctor.user_id,
            "time_off",
        )
    assert (await stored(services, third.id)).cancelled_by == ben.id


# --- rescheduling -------------------------------------------------------------------------------


async def test_rescheduling_moves_the_appointment_in_place(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    booked = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    view, old_start = await do_reschedule(services, booked.id, patient(ana), dec(3, 15, 30))
    assert old_start == dec(2, 10)
    assert (view.id, view.starts_at, view.ends_at, view.version, view.status) == (
        booked.id,
        dec(3, 15, 30),
        dec(3, 16),
        1,
        "booked",
    )
    assert await appointment_count(services) == 1

    days = await free(services, doctor, patient_id=ben.id)
    assert dec(2, 10) in days[date(2026, 12, 2)]
    assert dec(3, 15, 30) not in days[date(2026, 12, 3)]
    await book_directly(
        services, patient_id=ben.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )


async def test_rescheduling_onto_a_taken_slot_keeps_the_old_time(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    mine = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    theirs = await book_directly(
        services, patient_id=ben.id, doctor_id=doctor.user_id, starts_at=dec(3, 11)
    )
    with pytest.raises(SlotTaken):
        await do_reschedule(services, mine.id, patient(ana), dec(3, 11))
    row = await stored(services, mine.id)
    assert (row.starts_at, row.ends_at, row.version, row.status) == (
        dec(2, 10),
        dec(2, 10, 30),
        0,
        "booked",
    )
    assert (await stored(services, theirs.id)).patient_id == ben.id
    # Still Ana's: nobody else can take her old time.
    with pytest.raises(SlotTaken):
        await book_directly(
            services, patient_id=ben.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
        )


async def test_rescheduling_onto_the_patients_other_appointment_is_refused(
    services: Services,
) -> None:
    cardio = await make_doctor(services, "a@example.com", password=None)
    derma = await make_doctor(
        services, "b@example.com", specialty="Dermatology", slot_minutes=45, password=None
    )
    ana = await make_patient(services, "ana@example.com")
    mine = await book_directly(
        services, patient_id=ana.id, doctor_id=cardio.user_id, starts_at=dec(2, 10)
    )
    await book_directly(
        services, patient_id=ana.id, doctor_id=derma.user_id, starts_at=dec(3, 10, 30)
    )
    with pytest.raises(PatientOverlap):
        await do_reschedule(services, mine.id, patient(ana), dec(3, 11))
    assert (await stored(services, mine.id)).starts_at == dec(2, 10)
    # Moving by one slot, onto time overlapping nothing but itself, is fine.
    view, _ = await do_reschedule(services, mine.id, patient(ana), dec(2, 10, 30))
    assert view.starts_at == dec(2, 10, 30)


@pytest.mark.parametrize(
    "new_start",
    [dec(2, 10, 10), dec(5, 10), dec(1, 9, 30), dec(31, 10), dec(2, 10)],
    ids=["off the grid", "no hours", "inside the notice", "beyond the horizon", "the same time"],
)
async def test_rescheduling_refuses_a_time_not_offered(
    services: Services, new_start: datetime
) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    mine = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    with pytest.raises(SlotUnavailable):
        await do_reschedule(services, mine.id, patient(ana), new_start)
    row = await stored(services, mine.id)
    assert (row.starts_at, row.version) == (dec(2, 10), 0)


async def test_reschedule_window_and_who_may_move(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    admin = await make_admin(services)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    soon = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(1, 10, 30)
    )
    with pytest.raises(TooLateToChange):
        await do_reschedule(services, soon.id, patient(ana), dec(2, 10))
    other = await make_doctor(services, "other@example.com", name="Dr. Other", password=None)
    for stranger in (patient(ben), doctor_actor(other)):
        with pytest.raises(NotFound):
            await do_reschedule(services, soon.id, stranger, dec(2, 10))
    assert (await stored(services, soon.id)).starts_at == dec(1, 10, 30)

    view, _ = await do_reschedule(services, soon.id, Actor(admin.id, Role.ADMIN), dec(2, 10))
    assert view.starts_at == dec(2, 10) and view.patient_id == ana.id
    # The visit's doctor moves their own visits too, inside the patients' window as well.
    view, _ = await do_reschedule(services, soon.id, doctor_actor(doctor), dec(2, 11))
    assert view.starts_at == dec(2, 11)

    await do_cancel(services, soon.id, patient(ana))
    with pytest.raises(NotChangeable):
        await do_reschedule(services, soon.id, patient(ana), dec(2, 11))


async def test_rescheduling_with_a_deactivated_doctor_is_refused(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    mine = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    async with services.transaction() as s:
        await set_doctor_active(
            s, doctor_id=doctor.user_id, active=False, now=services.clock.now()
        )
    with pytest.raises(NotFound):
        await do_reschedule(services, mine.id, patient(ana), dec(3, 10))
    assert (await stored(services, mine.id)).starts_at == dec(2, 10)


# --- attendance ---------------------------------------------------------------------------------


async def test_attendance_is_marked_by_the_doctor_after_the_start(services: Services) -> None:
    doctor = await make_doctor(services, "a@example.com", password=None)
    other_doctor = await make_doctor(services, "b@example.com", password=None)
    admin = await make_admin(services)
    ana = await make_patient(services, "ana@example.com")
    booked = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(1, 10, 30)
    )
    with pytest.raises(NotStartedYet):
        await do_mark(services, booked.id, doctor_actor(doctor), attended=True)

    frozen(services).set(dec(1, 10, 30))
    for stranger in (patient(ana), doctor_actor(other_doctor)):
        with pytest.raises(NotFound):
            await do_mark(services, booked.id, stranger, attended=True)
    assert (await stored(services, booked.id)).status == "booked"

    assert (
        await do_mark(services, booked.id, doctor_actor(doctor), attended=True)
    ).status == "attended"
    assert (await stored(services, booked.id)).status == "attended"
    # A mistake can be corrected, by the doctor or an admin.
    admin_actor = Actor(admin.id, Role.ADMIN)
    assert (await do_mark(services, booked.id, admin_actor, attended=False)).status == "no_show"
    assert (await stored(services, booked.id)).status == "no_show"


async def test_a_cancelled_appointment_cannot_be_marked(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    booked = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(1, 11)
    )
    await do_cancel(services, booked.id, patient(ana))
    frozen(services).set(dec(1, 12))
    with pytest.raises(NotChangeable):
        await do_mark(services, booked.id, doctor_actor(doctor), attended=True)


# --- lists --------------------------------------------------------------------------------------


async def test_a_doctors_schedule_is_one_statement(
    services: Services, connection: AsyncConnection
) -> None:
    doctor = await make_doctor(services, "a@example.com", name="Dr. Ann Ames", password=None)
    other_doctor = await make_doctor(services, "b@example.com", password=None)
    ana = await make_patient(services, "ana@example.com", name="Ana García")
    cat = await make_patient(services, "cat@example.com", name="Cat Ruiz")
    await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 11)
    )
    await book_directly(services, patient_id=cat.id, doctor_id=doctor.user_id, starts_at=dec(2, 9))
    gone = await book_directly(
        services, patient_id=cat.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    await do_cancel(services, gone.id, patient(cat))
    await book_directly(
        services, patient_id=ana.id, doctor_id=other_doctor.user_id, starts_at=dec(2, 12)
    )
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):  # the test's savepoints aside
            statements.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", count)
    try:
        async with services.session_factory() as s:
            wednesday = await doctor_schedule(
                s, doctor_id=doctor.user_id, start=dec(2, 0), end=dec(3, 0)
            )
            empty = await doctor_schedule(
                s, doctor_id=doctor.user_id, start=dec(4, 0), end=dec(5, 0)
            )
            assert len(statements) == 2
            with pytest.raises(NotFound):
                await doctor_schedule(s, doctor_id=ana.id, start=dec(2, 0), end=dec(3, 0))
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", count)

    assert (wednesday.doctor.user_id, wednesday.doctor.name) == (doctor.user_id, "Dr. Ann Ames")
    assert [(v.starts_at, v.patient_name) for v in wednesday.appointments] == [
        (dec(2, 9), "Cat Ruiz"),
        (dec(2, 11), "Ana García"),
    ]
    assert empty.doctor == wednesday.doctor and empty.appointments == []


async def test_a_days_hours_are_replaced_or_extended_and_appointments_outside_counted(
    services: Services,
) -> None:
    doctor = await make_doctor(services, "a@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    for day, hour in ((8, 10), (8, 16), (2, 10)):  # two next Tuesday, one on a Wednesday
        await book_directly(
            services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(day, hour)
        )
    tuesday = 1
    now = services.clock.now()

    async with services.transaction() as s:
        changed = await set_day_hours(
            s,
            doctor_id=doctor.user_id,
            weekday=tuesday,
            ranges=[WeeklyRange(tuesday, 840, 1080), WeeklyRange(tuesday, 540, 780)],
            tz=MADRID,
            now=now,
        )
    assert (changed.ranges, changed.outside) == (
        [WeeklyRange(tuesday, 540, 780), WeeklyRange(tuesday, 840, 1080)], 0,
    )  # fmt: skip

    async with services.transaction() as s:
        with pytest.raises(OverlappingHours) as overlap:
            await set_day_hours(
                s,
                doctor_id=doctor.user_id,
                weekday=tuesday,
                ranges=[WeeklyRange(tuesday, 540, 780), WeeklyRange(tuesday, 720, 900)],
                tz=MADRID,
                now=now,
            )
        assert (overlap.value.first.end_minute, overlap.value.second.start_minute) == (780, 720)
        with pytest.raises(InvalidHours):
            await set_day_hours(
                s,
                doctor_id=doctor.user_id,
                weekday=tuesday,
                ranges=[WeeklyRange(tuesday, 900, 840)],
                tz=MADRID,
                now=now,
            )
        cleared = await set_day_hours(
            s, doctor_id=doctor.user_id, weekday=tuesday, ranges=[], tz=MADRID, now=now
        )
        assert (cleared.ranges, cleared.outside) == ([], 2)
        # Ranges that touch are joined; an added one merges with those it overlaps.
        await set_day_hours(
            s,
            doctor_id=doctor.user_id,
            weekday=tuesday,
            ranges=[WeeklyRange(tuesday, 540, 600), WeeklyRange(tuesday, 600, 630)],
            tz=MADRID,
            now=now,
        )
        added = await add_day_range(
            s, doctor_id=doctor.user_id, add=WeeklyRange(tuesday, 615, 720), tz=MADRID, now=now
        )
        assert (added.ranges, added.outside) == ([WeeklyRange(tuesday, 540, 720)], 1)
        hours = await weekly_hours(s, doctor.user_id)
    assert [r for r in hours if r.weekday == tuesday] == [WeeklyRange(tuesday, 540, 720)]
    assert WeeklyRange(2, 540, 1020) in hours  # other days are untouched


async def test_schedule_lists_live_appointments_in_order(services: Services) -> None:
    doctor = await make_doctor(services, "a@example.com", password=None)
    other_doctor = await make_doctor(services, "b@example.com", password=None)
    ana = await make_patient(services, "ana@example.com", name="Ana García")
    ben = await make_patient(services, "ben@example.com", name="Ben Ortiz")
    cat = await make_patient(services, "cat@example.com", name="Cat Ruiz")
    for who, at in ((ben, dec(2, 11)), (ana, dec(2, 10)), (cat, dec(3, 9)), (cat, dec(1, 10, 30))):
        await book_directly(services, patient_id=who.id, doctor_id=doctor.user_id, starts_at=at)
    gone = await book_directly(
        services, patient_id=cat.id, doctor_id=doctor.user_id, starts_at=dec(2, 9)
    )
    await do_cancel(services, gone.id, patient(cat))
    await book_directly(
        services, patient_id=cat.id, doctor_id=other_doctor.user_id, starts_at=dec(2, 12)
    )

    async with services.transaction() as s:
        wednesday = await schedule(s, doctor_id=doctor.user_id, start=dec(2, 0), end=dec(3, 0))
        half_open = await schedule(s, doctor_id=doctor.user_id, start=dec(2, 10), end=dec(2, 11))
    assert [(v.starts_at, v.patient_name, v.patient_phone) for v in wednesday] == [
        (dec(2, 10), "Ana García", "+34600111222"),
        (dec(2, 11), "Ben Ortiz", "+34600111222"),
    ]
    assert [v.starts_at for v in half_open] == [dec(2, 10)]

    # Attended appointments stay on the schedule.
    frozen(services).set(dec(1, 10, 45))
    async with services.transaction() as s:
        today = await schedule(s, doctor_id=doctor.user_id, start=dec(1, 0), end=dec(2, 0))
        await mark_attendance(
            s,
            appointment_id=today[0].id,
            actor=doctor_actor(doctor),
            attended=True,
            now=services.clock.now(),
        )
        today = await schedule(s, doctor_id=doctor.user_id, start=dec(1, 0), end=dec(2, 0))
        ahead = await upcoming_for_doctor(s, doctor_id=doctor.user_id, now=services.clock.now())
    assert [(v.starts_at, v.status) for v in today] == [(dec(1, 10, 30), "attended")]
    assert [v.starts_at for v in ahead] == [dec(2, 10), dec(2, 11), dec(3, 9)]


async def upcoming_for_patient_now(services: Services, patient_id: int) -> list[AppointmentView]:
    async with services.transaction() as s:
        return await upcoming_for_patient(s, patient_id=patient_id, now=services.clock.now())


async def test_patients_upcoming_and_past_appointments(services: Services) -> None:
    cardio = await make_doctor(services, "a@example.com", password=None)
    derma = await make_doctor(
        services, "b@example.com", name="Dr. Lisa Cuddy", specialty="Dermatology", password=None
    )
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    today = await book_directly(
        services, patient_id=ana.id, doctor_id=cardio.user_id, starts_at=dec(1, 10, 30)
    )
    later = await book_directly(
        services, patient_id=ana.id, doctor_id=derma.user_id, starts_at=dec(4, 12)
    )
    sooner = await book_directly(
        services, patient_id=ana.id, doctor_id=cardio.user_id, starts_at=dec(2, 9)
    )
    dropped = await do_cancel(services, sooner.id, patient(ana))
    await book_directly(services, patient_id=ben.id, doctor_id=cardio.user_id, starts_at=dec(3, 9))

    upcoming = await upcoming_for_patient_now(services, ana.id)
    assert [(v.id, v.doctor_name, v.specialty) for v in upcoming] == [
        (today.id, "Dr. Gregory House", "Cardiology"),
        (later.id, "Dr. Lisa Cuddy", "Dermatology"),
    ]

    frozen(services).set(dec(1, 11))
    async with services.transaction() as s:
        past = await past_for_patient(s, patient_id=ana.id, now=services.clock.now())
        newest = await past_for_patient(s, patient_id=ana.id, now=services.clock.now(), limit=1)
    # Started and cancelled ones, newest first; the upcoming one is not "past".
    assert [(v.id, v.status) for v in past] == [(dropped.id, "cancelled"), (today.id, "booked")]
    assert [v.id for v in newest] == [dropped.id]
    assert [v.id for v in await upcoming_for_patient_now(services, ana.id)] == [later.id]


async def test_live_in_range_lists_what_time_off_would_hit(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    rows = {}
    for who, at in (
        (ana, dec(1, 10)),
        (ben, dec(1, 10, 30)),
        (ana, dec(1, 11)),
        (ben, dec(1, 11, 30)),
    ):
        rows[at] = await book_directly(
            services, patient_id=who.id, doctor_id=doctor.user_id, starts_at=at
        )
    await do_cancel(services, rows[dec(1, 11, 30)].id, doctor_actor(doctor))

    async def hit(start: datetime, end: datetime) -> list[datetime]:
        async with services.transaction() as s:
            views = await live_in_range(
                s, doctor_id=doctor.user_id, start=start, end=end, now=services.clock.now()
            )
        return [view.starts_at for view in views]

    assert await hit(dec(1, 10, 15), dec(1, 11)) == [dec(1, 10), dec(1, 10, 30)]
    assert await hit(dec(1, 0), dec(2, 0)) == [dec(1, 10), dec(1, 10, 30), dec(1, 11)]
    assert await hit(dec(1, 11, 30), dec(1, 12)) == []
    frozen(services).set(dec(1, 10, 5))
    assert await hit(dec(1, 0), dec(2, 0)) == [dec(1, 10, 30), dec(1, 11)]


# --- time zones ---------------------------------------------------------------------------------


def all_day_sunday() -> tuple[WeeklyRange, ...]:
    return (WeeklyRange(SUNDAY, 0, 1440),)


def utc_hours(first: datetime, count: int) -> list[datetime]:
    return [first + timedelta(hours=n) for n in range(count)]


async def test_autumn_dst_day_has_twenty_five_hourly_slots(services: Services) -> None:
    frozen(services).set(datetime(2026, 10, 22, 9, tzinfo=MADRID))
    doctor = await make_doctor(
        services, "night@example.com", slot_minutes=60, hours=all_day_sunday(), password=None
    )
    ana = await make_patient(services, "ana@example.com")
    ben = await make_patient(services, "ben@example.com")
    sunday = date(2026, 10, 25)
    starts = (await free(services, doctor))[sunday]
    assert starts == utc_hours(datetime(2026, 10, 24, 22, tzinfo=UTC), 25)
    assert clocks(starts)[:5] == ["00:00", "01:00", "02:00", "02:00", "03:00"]
    assert clocks(starts)[-1] == "23:00"

    # 02:00 happens twice; each is its own hour-long slot.
    summer = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=starts[2]
    )
    winter = await book_directly(
        services, patient_id=ben.id, doctor_id=doctor.user_id, starts_at=starts[3]
    )
    assert summer.starts_at == datetime(2026, 10, 25, 0, tzinfo=UTC)
    assert winter.starts_at == datetime(2026, 10, 25, 1, tzinfo=UTC)
    assert summer.ends_at == winter.starts_at and winter.ends_at - winter.starts_at == timedelta(
        hours=1
    )
    async with services.transaction() as s:
        day = await schedule(
            s, doctor_id=doctor.user_id, start=madrid(sunday, 0), end=madrid(date(2026, 10, 26), 0)
        )
    assert [v.patient_id for v in day] == [ana.id, ben.id]
    assert len((await free(services, doctor))[sunday]) == 23


async def test_spring_dst_day_has_twenty_three_hourly_slots(services: Services) -> None:
    frozen(services).set(datetime(2027, 3, 25, 9, tzinfo=MADRID))
    doctor = await make_doctor(
        services, "night@example.com", slot_minutes=60, hours=all_day_sunday(), password=None
    )
    ana = await make_patient(services, "ana@example.com")
    sunday = date(2027, 3, 28)
    starts = (await free(services, doctor))[sunday]
    assert starts == utc_hours(datetime(2027, 3, 27, 23, tzinfo=UTC), 23)
    assert clocks(starts)[:4] == ["00:00", "01:00", "03:00", "04:00"]

    view = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=madrid(sunday, 3)
    )
    assert (view.starts_at, view.ends_at) == (
        datetime(2027, 3, 28, 1, tzinfo=UTC),
        datetime(2027, 3, 28, 2, tzinfo=UTC),
    )
    # 02:30 does not exist that night; read as 01:30 UTC, it is not on the grid.
    with pytest.raises(SlotUnavailable):
        await book_directly(
            services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=madrid(sunday, 2, 30)
        )


async def test_office_hours_keep_their_wall_clock_across_the_change(services: Services) -> None:
    frozen(services).set(datetime(2026, 10, 22, 9, tzinfo=MADRID))
    weekend = tuple(WeeklyRange(day, 9 * 60, 17 * 60) for day in (5, SUNDAY))
    doctor = await make_doctor(services, "dr@example.com", hours=weekend, password=None)
    ana = await make_patient(services, "ana@example.com")
    days = await free(services, doctor)
    saturday, sunday = date(2026, 10, 24), date(2026, 10, 25)
    assert clocks(days[saturday]) == clocks(days[sunday])
    assert len(days[sunday]) == 16
    assert days[saturday][0] == datetime(2026, 10, 24, 7, tzinfo=UTC)  # CEST
    assert days[sunday][0] == datetime(2026, 10, 25, 8, tzinfo=UTC)  # CET
    view = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=madrid(sunday, 16, 30)
    )
    assert view.ends_at == madrid(sunday, 17) == datetime(2026, 10, 25, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start_minute", "slot_minutes", "expected", "last_ends"),
    [
        (22 * 60, 20, ["22:00", "22:20", "22:40", "23:00", "23:20", "23:40"], dec(5, 0)),
        (23 * 60 + 30, 30, ["23:30"], dec(5, 0)),
        (23 * 60 + 45, 15, ["23:45"], dec(5, 0)),
        (23 * 60, 45, ["23:00"], dec(4, 23, 45)),
        (23 * 60 + 30, 60, [], None),
    ],
)
async def test_hours_ending_at_midnight(
    services: Services,
    start_minute: int,
    slot_minutes: int,
    expected: list[str],
    last_ends: datetime | None,
) -> None:
    doctor = await make_doctor(
        services,
        "late@example.com",
        slot_minutes=slot_minutes,
        hours=(WeeklyRange(FRIDAY, start_minute, 1440),),
        password=None,
    )
    ana = await make_patient(services, "ana@example.com")
    friday = date(2026, 12, 4)
    days = await free(services, doctor)
    assert clocks(days.get(friday, [])) == expected
    assert date(2026, 12, 5) not in days
    if last_ends is None:
        return
    view = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=days[friday][-1]
    )
    assert view.ends_at == last_ends


async def _deadlock_first(services: Services, times: int, *, on: str) -> None:
    """Make the next ``times`` writes of appointments (``on``: INSERT or UPDATE) fail in
    PostgreSQL as a deadlock does (SQLSTATE 40P01), as when two bookings of one time each wait
    for the other's new row. A sequence counts them: it is not rolled back with the write."""
    async with services.transaction() as s:
        await s.execute(text("CREATE SEQUENCE test_deadlocks"))
        await s.execute(
            text(
                "CREATE FUNCTION test_deadlock() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF nextval('test_deadlocks') <= {times} THEN RAISE EXCEPTION 'deadlock "
                "detected' USING ERRCODE = 'deadlock_detected'; END IF; RETURN NEW; END $$"
            )
        )
        await s.execute(
            text(
                f"CREATE TRIGGER test_deadlock BEFORE {on} ON appointments "
                "FOR EACH ROW EXECUTE FUNCTION test_deadlock()"
            )
        )


async def _deadlock_calls(services: Services) -> int:
    async with services.session_factory() as s:
        return int(await s.scalar(text("SELECT last_value FROM test_deadlocks")) or 0)


async def test_a_booking_that_deadlocked_with_another_is_tried_again(services: Services) -> None:
    doctor = await make_doctor(services, "a@example.com", password=None)
    ana = await make_patient(services, "ana@example.com", name="Ana García")
    await _deadlock_first(services, 2, on="INSERT")
    booked = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    assert (booked.patient_id, booked.starts_at, booked.status) == (ana.id, dec(2, 10), "booked")
    assert await _deadlock_calls(services) == 3  # two deadlocks, then the booking
    assert await appointment_count(services) == 1


async def test_a_booking_that_keeps_deadlocking_fails_and_changes_nothing(
    services: Services,
) -> None:
    doctor = await make_doctor(services, "a@example.com", password=None)
    ana = await make_patient(services, "ana@example.com", name="Ana García")
    await _deadlock_first(services, 99, on="INSERT")
    with pytest.raises(DBAPIError) as failed:
        await book_directly(
            services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
        )
    assert getattr(failed.value.orig, "sqlstate", None) == "40P01"
    assert await _deadlock_calls(services) == OVERLAP_TRIES
    assert await appointment_count(services) == 0


async def test_a_move_that_deadlocked_with_another_is_tried_again(services: Services) -> None:
    doctor = await make_doctor(services, "a@example.com", password=None)
    ana = await make_patient(services, "ana@example.com", name="Ana García")
    booked = await book_directly(
        services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=dec(2, 10)
    )
    await _deadlock_first(services, 1, on="UPDATE")
    moved, old_start = await do_reschedule(services, booked.id, patient(ana), dec(3, 11))
    assert (moved.starts_at, old_start, moved.version) == (dec(3, 11), dec(2, 10), 1)
    assert (await stored(services, booked.id)).starts_at == dec(3, 11)
