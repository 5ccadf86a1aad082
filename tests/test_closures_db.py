"""Clinic closures and hours that strand bookings, against real PostgreSQL: a closure removes
free slots wherever they are computed and refuses bookings and moves into it; closing cancels,
once every appointment in it has been shown, the booked ones of every doctor, with the patients
told through the outbox; a change of hours says which appointments it left outside them.

The test clock is Tuesday 1 December 2026, 09:00 in Madrid; doctors work Mon–Fri 09:00–17:00.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.context import Services
from bot.formatting import policy_of
from db.booking import (
    Actor,
    SlotUnavailable,
    available_days,
    book,
    next_free_slots,
    reschedule,
    set_day_hours,
)
from db.clock import FrozenClock
from db.closures import (
    Closed,
    InvalidClosure,
    close_clinic,
    remove_closure,
    upcoming_closures,
)
from db.doctors import DoctorView, day_bounds
from db.errors import NotFound
from db.models import Appointment, Delivery, Role, User
from db.slots import WeeklyRange
from tests.factories import book_directly, make_doctor

MADRID = ZoneInfo("Europe/Madrid")
TUESDAY = 1


def dec(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


async def person(services: Services, email: str, role: Role = Role.PATIENT) -> User:
    async with services.transaction() as s:
        user = User(email=email, name=email.split("@")[0].title(), role=role.value)
        s.add(user)
        await s.flush()
    return user


async def two_doctors(services: Services) -> tuple[DoctorView, DoctorView]:
    house = await make_doctor(services, "house@example.com", password=None)
    cuddy = await make_doctor(
        services, "cuddy@example.com", name="Dr. Lisa Cuddy", slot_minutes=60, password=None
    )
    return house, cuddy


async def close(
    services: Services, admin: User, start: datetime, end: datetime, shown: set[int]
) -> Closed:
    async with services.transaction() as s:
        return await close_clinic(
            s,
            starts_at=start,
            ends_at=end,
            whole_days=False,
            shown=shown,
            actor=Actor(admin.id, Role.ADMIN),
            policy=policy_of(services.settings),
            now=services.clock.now(),
        )


async def free_starts(services: Services, doctor: DoctorView, day: int) -> list[datetime]:
    async with services.transaction() as s:
        days = await available_days(
            s, doctor=doctor, policy=policy_of(services.settings), now=services.clock.now()
        )
    return [slot.starts_at for slot in days.get(dec(day, 0).date(), [])]


async def test_a_closure_removes_every_doctors_free_slots_in_it(services: Services) -> None:
    house, cuddy = await two_doctors(services)
    admin = await person(services, "boss@example.com", Role.ADMIN)
    ana = await person(services, "ana@example.com")
    whole_3rd = day_bounds(dec(3, 0).date(), dec(3, 0).date(), MADRID)
    await close(services, admin, *whole_3rd, set())
    await close(services, admin, dec(4, 12), dec(4, 15), set())
    policy, now = policy_of(services.settings), services.clock.now()

    for doctor in (house, cuddy):
        assert await free_starts(services, doctor, 3) == []  # the whole day is closed
        assert await free_starts(services, doctor, 2) != []  # the day before is not
    friday = await free_starts(services, house, 4)
    assert dec(4, 11, 30) in friday and dec(4, 15) in friday
    assert [t for t in friday if dec(4, 12) <= t < dec(4, 15)] == []
    assert await free_starts(services, cuddy, 4) == [
        dec(4, 9), dec(4, 10), dec(4, 11), dec(4, 15), dec(4, 16),
    ]  # fmt: skip

    async with services.transaction() as s:
        # The next free times after a closed one skip the closure.
        offered = await next_free_slots(s, doctor=cuddy, policy=policy, now=now, after=dec(3, 9))
        assert [o.starts_at for o in offered][:4] == [
            dec(4, 9), dec(4, 10), dec(4, 11), dec(4, 15),
        ]  # fmt: skip
        # Booking's own check refuses a closed time, whatever the button said.
        with pytest.raises(SlotUnavailable):
            await book(
                s, patient_id=ana.id, doctor_id=house.user_id, starts_at=dec(4, 12, 30),
                policy=policy, now=now,
            )  # fmt: skip
        held = await book(
            s, patient_id=ana.id, doctor_id=house.user_id, starts_at=dec(2, 10),
            policy=policy, now=now,
        )  # fmt: skip
        # …and so does a move into it.
        with pytest.raises(SlotUnavailable):
            await reschedule(
                s, appointment_id=held.id, actor=Actor(ana.id, Role.PATIENT),
                new_start=dec(3, 10), policy=policy, now=now,
            )  # fmt: skip

    # Removed, the closure's time is bookable again.
    async with services.transaction() as s:
        [thursday, friday_noon] = await upcoming_closures(s, now=now)
        assert (thursday.starts_at, thursday.ends_at) == whole_3rd
        removed = await remove_closure(s, closure_id=thursday.id, now=now)
        assert removed == thursday
        with pytest.raises(NotFound):
            await remove_closure(s, closure_id=thursday.id, now=now)
        assert await upcoming_closures(s, now=now) == [friday_noon]
    assert dec(3, 10) in await free_starts(services, house, 3)


async def test_closing_cancels_the_booked_appointments_once_all_were_shown(
    services: Services,
) -> None:
    house, cuddy = await two_doctors(services)
    admin = await person(services, "boss@example.com", Role.ADMIN)
    ana = await person(services, "ana@example.com")
    bob = await person(services, "bob@example.com")
    inside = [
        await book_directly(
            services, patient_id=ana.id, doctor_id=house.user_id, starts_at=dec(2, 9, 30)
        ),
        await book_directly(
            services, patient_id=bob.id, doctor_id=cuddy.user_id, starts_at=dec(2, 11)
        ),
    ]
    outside = await book_directly(
        services, patient_id=ana.id, doctor_id=cuddy.user_id, starts_at=dec(2, 14)
    )
    # One that has started by the time the clinic closes is left alone.
    started = await book_directly(
        services, patient_id=bob.id, doctor_id=house.user_id, starts_at=dec(1, 10)
    )
    assert isinstance(services.clock, FrozenClock)
    services.clock.set(dec(1, 10, 10))

    first = await close(services, admin, dec(1, 10), dec(2, 13), {inside[0].id})
    assert [a.id for a in first.unseen] == [a.id for a in inside]
    assert first.closure is None
    async with services.transaction() as s:
        assert await upcoming_closures(s, now=services.clock.now()) == []
        statuses = await s.scalars(select(Appointment.status).order_by(Appointment.id))
        assert set(statuses) == {"booked"}

    done = await close(services, admin, dec(1, 10), dec(2, 13), {a.id for a in inside})
    assert done.closure is not None and done.unseen == []
    assert [a.id for a in done.cancelled] == [a.id for a in inside]
    async with services.transaction() as s:
        rows = {
            row.id: row for row in await s.scalars(select(Appointment).order_by(Appointment.id))
        }
        for appointment in inside:
            row = rows[appointment.id]
            assert (row.status, row.cancelled_by, row.cancel_reason) == (
                "cancelled", admin.id, "closure",
            )  # fmt: skip
        assert rows[outside.id].status == rows[started.id].status == "booked"
        notices = (
            await s.execute(
                select(Delivery.recipient_id, Delivery.kind, Delivery.channel)
                .where(
                    Delivery.appointment_id == inside[0].id,
                    Delivery.appointment_version == 1,  # of the cancellation
                )
                .order_by(Delivery.kind)
            )
        ).all()
    assert [tuple(n) for n in notices] == [
        (ana.id, "cancelled", "email"),
        (ana.id, "clinic_cancelled", "telegram"),
        (house.user_id, "doctor_cancelled", "telegram"),
    ]


async def test_a_closure_must_end_in_the_future_after_it_starts(services: Services) -> None:
    admin = await person(services, "boss@example.com", Role.ADMIN)
    for start, end in ((dec(1, 7), dec(1, 8)), (dec(2, 10), dec(2, 10)), (dec(3, 9), dec(2, 9))):
        with pytest.raises(InvalidClosure):
            await close(services, admin, start, end, set())


async def test_a_change_of_hours_names_the_appointments_it_strands(services: Services) -> None:
    house = await make_doctor(services, "house@example.com", password=None)
    ana = await person(services, "ana@example.com")
    early, late, wednesday = [
        await book_directly(services, patient_id=ana.id, doctor_id=house.user_id, starts_at=at)
        for at in (dec(8, 9), dec(15, 16), dec(2, 9))
    ]
    now = services.clock.now()

    async with services.transaction() as s:
        afternoon = await set_day_hours(
            s, doctor_id=house.user_id, weekday=TUESDAY,
            ranges=[WeeklyRange(TUESDAY, 780, 1020)], tz=MADRID, now=now,
        )  # fmt: skip
        assert [a.id for a in afternoon.stranded] == [early.id]
        assert afternoon.outside == 1
        cleared = await set_day_hours(
            s, doctor_id=house.user_id, weekday=TUESDAY, ranges=[], tz=MADRID, now=now
        )
        # The morning one was already outside: only the one this change left out is named.
        assert [a.id for a in cleared.stranded] == [late.id]
        assert cleared.outside == 2
    assert wednesday.id not in {a.id for a in cleared.stranded}
