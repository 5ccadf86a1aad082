"""Concurrent confirmations in separate sessions, each on its own connection, as many chats or
several bot processes would send them: PostgreSQL decides, and exactly one of them wins.

These tests commit (a per-test rolled-back connection cannot hold concurrent transactions), so
everything they create is removed again at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.context import Services
from bot.formatting import policy_of
from db.booking import (
    Actor,
    AppointmentView,
    Blocked,
    Deactivation,
    NotChangeable,
    PatientOverlap,
    SlotTaken,
    SlotUnavailable,
    TooManyUpcoming,
    available_days,
    block_time,
    book,
    cancel,
    deactivate_and_cancel,
    next_free_slots,
    reschedule,
)
from db.clock import FrozenClock
from db.closures import Closed, close_clinic
from db.doctors import (
    DoctorInactive,
    DoctorView,
    InviteInvalid,
    Reactivation,
    RenewedInvite,
    get_doctor,
    open_invite,
    reactivate_doctor,
    renew_invite,
)
from db.engine import make_session_factory
from db.errors import DomainError
from db.models import Appointment, ClinicClosure, Doctor, Role, Specialty, TimeOff, User
from tests.conftest import START, make_settings
from tests.factories import make_doctor
from tests.races import Attempt, contend

MADRID = ZoneInfo("Europe/Madrid")
DOMAIN = "race.example"
SPECIALTY = "Concurrency Cardiology"


def dec(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Services]:
    """Services on the real engine (a connection per session); cleaned up afterwards."""
    services = Services(
        settings=make_settings(engine.url.render_as_string(hide_password=False)),
        session_factory=make_session_factory(engine),
        clock=FrozenClock(START),
    )
    try:
        yield services
    finally:
        await _remove_everything(services)
    async with services.session_factory() as s:
        left = await s.scalar(
            select(func.count()).select_from(User).where(User.email.like(f"%@{DOMAIN}"))
        )
    assert left == 0


async def _remove_everything(services: Services) -> None:
    async with services.transaction() as s:
        ours = select(User.id).where(User.email.like(f"%@{DOMAIN}")).scalar_subquery()
        await s.execute(delete(ClinicClosure).where(ClinicClosure.created_by.in_(ours)))
        await s.execute(
            delete(Appointment).where(
                or_(Appointment.doctor_id.in_(ours), Appointment.patient_id.in_(ours))
            )
        )
        await s.execute(delete(Doctor).where(Doctor.user_id.in_(ours)))  # hours, time off
        await s.execute(delete(User).where(User.id.in_(ours)))  # invites, sessions
        await s.execute(delete(Specialty).where(Specialty.name == SPECIALTY))


async def clinic(services: Services, patients: int) -> tuple[DoctorView, list[User]]:
    """A doctor (Mon–Fri 09:00–17:00, 30-minute slots) and ``patients`` patients, committed."""
    doctor = await make_doctor(services, f"house@{DOMAIN}", specialty=SPECIALTY, password=None)
    async with services.transaction() as s:
        people = [
            User(email=f"patient{n}@{DOMAIN}", name=f"Patient {n}", role=Role.PATIENT.value)
            for n in range(patients)
        ]
        s.add_all(people)
        await s.flush()
    return doctor, people


def booking(
    services: Services, patient: User, doctor: DoctorView, at: datetime
) -> Attempt[AppointmentView]:
    async def attempt(s: AsyncSession) -> AppointmentView:
        return await book(
            s,
            patient_id=patient.id,
            doctor_id=doctor.user_id,
            starts_at=at,
            policy=policy_of(services.settings),
            now=services.clock.now(),
        )

    return attempt


def moving(
    services: Services, patient: User, appointment_id: int, to: datetime
) -> Attempt[tuple[AppointmentView, datetime]]:
    async def attempt(s: AsyncSession) -> tuple[AppointmentView, datetime]:
        return await reschedule(
            s,
            appointment_id=appointment_id,
            actor=Actor(patient.id, Role.PATIENT),
            new_start=to,
            policy=policy_of(services.settings),
            now=services.clock.now(),
        )

    return attempt


def cancelling(services: Services, actor: Actor, appointment_id: int) -> Attempt[AppointmentView]:
    async def attempt(s: AsyncSession) -> AppointmentView:
        return await cancel(
            s,
            appointment_id=appointment_id,
            actor=actor,
            policy=policy_of(services.settings),
            now=services.clock.now(),
        )

    return attempt


async def appointments_of(services: Services, doctor: DoctorView) -> list[Appointment]:
    async with services.session_factory() as s:
        rows = await s.scalars(
            select(Appointment)
            .where(Appointment.doctor_id == doctor.user_id)
            .order_by(Appointment.starts_at)
        )
        return list(rows.all())


async def test_twenty_patients_confirm_the_same_slot_at_once(committed: Services) -> None:
    doctor, patients = await clinic(committed, patients=20)
    slot = dec(2, 10)

    contest = await contend(committed, [booking(committed, p, doctor, slot) for p in patients])

    [winner] = contest.wins()
    assert len(contest.losses()) == 19
    assert all(isinstance(loss, SlotTaken) for loss in contest.losses())
    assert contest.waited == 19, "the confirmations did not all wait on the same row"
    rows = await appointments_of(committed, doctor)
    assert [(row.id, row.patient_id, row.starts_at, row.status) for row in rows] == [
        (winner.id, winner.patient_id, slot, "booked")
    ]

    # Every loser is offered the next free times, which no longer include the taken one.
    losers = [
        p
        for p, outcome in zip(patients, contest.outcomes, strict=True)
        if isinstance(outcome, SlotTaken)
    ]
    assert winner.patient_id not in {loser.id for loser in losers}
    for loser in losers:
        async with committed.transaction() as s:
            offered = await next_free_slots(
                s,
                doctor=doctor,
                policy=policy_of(committed.settings),
                now=committed.clock.now(),
                after=slot,
                patient_id=loser.id,
            )
        assert [o.starts_at for o in offered] == [
            dec(2, 10, 30) + timedelta(minutes=30 * n) for n in range(6)
        ]

    # …and one of them can take the first of those straight away.
    await contend(committed, [booking(committed, losers[0], doctor, dec(2, 10, 30))])
    assert [row.starts_at for row in await appointments_of(committed, doctor)] == [
        slot,
        dec(2, 10, 30),
    ]


async def test_a_double_tap_on_confirm_books_once(committed: Services) -> None:
    doctor, [ana] = await clinic(committed, patients=1)
    tap = booking(committed, ana, doctor, dec(2, 10))

    contest = await contend(committed, [tap, tap])

    [won] = contest.wins()
    [refused] = contest.losses()
    assert isinstance(refused, SlotTaken | PatientOverlap)
    assert contest.waited == 1
    rows = await appointments_of(committed, doctor)
    assert [(row.id, row.patient_id, row.status) for row in rows] == [(won.id, ana.id, "booked")]


async def test_the_upcoming_limit_holds_under_concurrent_bookings(committed: Services) -> None:
    doctor, [ana] = await clinic(committed, patients=1)
    for at in (dec(2, 10), dec(3, 10)):
        await contend(committed, [booking(committed, ana, doctor, at)])
    assert policy_of(committed.settings).max_upcoming == 3

    contest = await contend(
        committed,
        [booking(committed, ana, doctor, dec(4, 10)), booking(committed, ana, doctor, dec(7, 10))],
    )

    assert len(contest.wins()) == 1
    [refused] = contest.losses()
    assert isinstance(refused, TooManyUpcoming)
    assert contest.waited == 1
    assert len(await appointments_of(committed, doctor)) == 3


async def test_two_reschedules_onto_the_same_slot(committed: Services) -> None:
    doctor, [ana, ben] = await clinic(committed, patients=2)
    mine = await contend(committed, [booking(committed, ana, doctor, dec(2, 10))])
    theirs = await contend(committed, [booking(committed, ben, doctor, dec(2, 11))])
    [ana_appointment], [ben_appointment] = mine.wins(), theirs.wins()
    target = dec(3, 12)

    contest = await contend(
        committed,
        [
            moving(committed, ana, ana_appointment.id, target),
            moving(committed, ben, ben_appointment.id, target),
        ],
    )

    [(moved, old_start)] = contest.wins()
    [refused] = contest.losses()
    assert isinstance(refused, SlotTaken)
    assert contest.waited == 1
    rows = {row.id: row for row in await appointments_of(committed, doctor)}
    assert len(rows) == 2
    assert (rows[moved.id].starts_at, rows[moved.id].version) == (target, 1)
    loser_id = ben_appointment.id if moved.id == ana_appointment.id else ana_appointment.id
    loser_start = dec(2, 11) if moved.id == ana_appointment.id else dec(2, 10)
    assert old_start == (dec(2, 10) if moved.id == ana_appointment.id else dec(2, 11))
    # The loser kept its old time; the winner's old time is free again.
    assert (rows[loser_id].starts_at, rows[loser_id].version, rows[loser_id].status) == (
        loser_start,
        0,
        "booked",
    )
    async with committed.transaction() as s:
        days = await available_days(
            s, doctor=doctor, policy=policy_of(committed.settings), now=committed.clock.now()
        )
    wednesday, thursday = ([slot.starts_at for slot in days[dec(day, 0).date()]] for day in (2, 3))
    assert old_start in wednesday and loser_start not in wednesday
    assert target not in thursday


async def test_a_booking_and_a_reschedule_racing_for_one_slot(committed: Services) -> None:
    doctor, [ana, ben] = await clinic(committed, patients=2)
    [held] = (await contend(committed, [booking(committed, ana, doctor, dec(2, 10))])).wins()
    target = dec(2, 15)

    contest = await contend(
        committed,
        [moving(committed, ana, held.id, target), booking(committed, ben, doctor, target)],
    )

    assert len(contest.wins()) == 1 and contest.waited == 1
    assert [type(loss) for loss in contest.losses()] == [SlotTaken]
    live = [(row.patient_id, row.starts_at) for row in await appointments_of(committed, doctor)]
    assert live in (
        [(ana.id, target)],  # moved; Ben was refused
        [(ana.id, dec(2, 10)), (ben.id, target)],  # booked; Ana kept her old time
    )


async def test_the_doctor_cancels_while_the_patient_moves_the_appointment(
    committed: Services,
) -> None:
    doctor, [ana] = await clinic(committed, patients=1)
    [held] = (await contend(committed, [booking(committed, ana, doctor, dec(2, 10))])).wins()

    contest = await contend(
        committed,
        [
            cancelling(committed, Actor(doctor.user_id, Role.DOCTOR), held.id),
            moving(committed, ana, held.id, dec(3, 10)),
        ],
    )

    # The appointment's row lock makes them take turns: whichever is second sees the first.
    assert contest.waited == 1
    [row] = await appointments_of(committed, doctor)
    if contest.losses():
        [refused] = contest.losses()
        assert isinstance(refused, NotChangeable)  # cancelled first; the move found it so
        assert (row.status, row.starts_at, row.version) == ("cancelled", dec(2, 10), 1)
    else:
        # Moved first, then cancelled at its new time.
        assert (row.status, row.starts_at, row.version) == ("cancelled", dec(3, 10), 2)
    assert row.cancelled_by == doctor.user_id


async def test_time_off_and_a_booking_inside_it_never_both_go_through(
    committed: Services,
) -> None:
    doctor, (patient,) = await clinic(committed, 1)
    policy = policy_of(committed.settings)

    async def blocking(s: AsyncSession) -> Blocked:
        return await block_time(
            s,
            doctor_id=doctor.user_id,
            starts_at=dec(2, 9),
            ends_at=dec(2, 13),
            whole_days=False,
            shown=set(),
            actor=Actor(doctor.user_id, Role.DOCTOR),
            policy=policy,
            now=committed.clock.now(),
        )

    contest = await contend(committed, [blocking, booking(committed, patient, doctor, dec(2, 10))])
    assert contest.waited == 1  # one of them waited on the doctor's lock
    blocked, booked = contest.outcomes
    async with committed.session_factory() as s:
        time_off = await s.scalar(
            select(func.count()).select_from(TimeOff).where(TimeOff.doctor_id == doctor.user_id)
        )
    live = [a for a in await appointments_of(committed, doctor) if a.status == "booked"]
    if isinstance(booked, DomainError):  # the block came first: the booking saw it
        assert isinstance(booked, SlotUnavailable)
        assert isinstance(blocked, Blocked) and not blocked.unseen
        assert (time_off, live) == (1, [])
    else:  # the booking came first: the block saw it and changed nothing
        assert isinstance(blocked, Blocked) and [a.id for a in blocked.unseen] == [booked.id]
        assert time_off == 0 and [a.id for a in live] == [booked.id]


async def an_admin(services: Services) -> User:
    async with services.transaction() as s:
        admin = User(email=f"admin@{DOMAIN}", name="The Boss", role=Role.ADMIN.value)
        s.add(admin)
        await s.flush()
    return admin


def deactivating(services: Services, admin: User, doctor: DoctorView) -> Attempt[Deactivation]:
    async def attempt(s: AsyncSession) -> Deactivation:
        return await deactivate_and_cancel(
            s,
            doctor_id=doctor.user_id,
            newest_shown=None,
            actor=Actor(admin.id, Role.ADMIN),
            policy=policy_of(services.settings),
            now=services.clock.now(),
        )

    return attempt


async def test_a_new_invite_never_outlives_a_deactivation_at_the_same_moment(
    committed: Services,
) -> None:
    doctor, _ = await clinic(committed, patients=0)
    admin = await an_admin(committed)

    async def renewing(s: AsyncSession) -> RenewedInvite:
        return await renew_invite(
            s, doctor_id=doctor.user_id, created_by=admin.id, now=committed.clock.now()
        )

    contest = await contend(committed, [renewing, deactivating(committed, admin, doctor)])

    assert contest.waited == 1  # one of them waited on the doctor's row
    renewed, deactivated = contest.outcomes
    assert isinstance(deactivated, Deactivation) and deactivated.was_active
    if isinstance(renewed, DomainError):  # deactivated first: the renewal saw it
        assert isinstance(renewed, DoctorInactive)
    else:  # renewed first: the deactivation came after, and the link does not work
        async with committed.session_factory() as s:
            with pytest.raises(InviteInvalid):
                await open_invite(s, token=renewed.token, now=committed.clock.now())
    async with committed.session_factory() as s:
        assert (await get_doctor(s, doctor.user_id)).active is False


async def test_two_admins_reactivate_a_doctor_at_once(committed: Services) -> None:
    doctor, _ = await clinic(committed, patients=0)
    admin = await an_admin(committed)
    await contend(committed, [deactivating(committed, admin, doctor)])

    async def reactivating(s: AsyncSession) -> Reactivation:
        return await reactivate_doctor(s, doctor_id=doctor.user_id, now=committed.clock.now())

    contest = await contend(committed, [reactivating, reactivating])

    # The second waits for the first and finds the doctor already active: one change, told once.
    assert contest.waited == 1
    assert sorted(outcome.was_active for outcome in contest.wins()) == [False, True]
    async with committed.session_factory() as s:
        assert (await get_doctor(s, doctor.user_id, bookable=True)).active


def closing(
    services: Services, admin: User, start: datetime, end: datetime, shown: set[int]
) -> Attempt[Closed]:
    async def attempt(s: AsyncSession) -> Closed:
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

    return attempt


async def closures_count(services: Services) -> int:
    async with services.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(ClinicClosure)) or 0)


async def test_a_closure_and_a_booking_inside_it_never_both_go_through(
    committed: Services,
) -> None:
    doctor, (patient,) = await clinic(committed, 1)
    admin = await an_admin(committed)

    contest = await contend(
        committed,
        [
            closing(committed, admin, dec(2, 9), dec(2, 13), set()),
            booking(committed, patient, doctor, dec(2, 10)),
        ],
    )

    assert contest.waited == 1  # one of them waited on the clinic's lock
    closed, booked = contest.outcomes
    live = [a for a in await appointments_of(committed, doctor) if a.status == "booked"]
    if isinstance(booked, DomainError):  # the closure came first: the booking saw it
        assert isinstance(booked, SlotUnavailable)
        assert isinstance(closed, Closed) and closed.closure is not None
        assert (await closures_count(committed), live) == (1, [])
    else:  # the booking came first: the closure saw it and changed nothing
        assert isinstance(closed, Closed) and [a.id for a in closed.unseen] == [booked.id]
        assert await closures_count(committed) == 0 and [a.id for a in live] == [booked.id]


async def test_a_move_out_of_a_closure_racing_it_is_never_cancelled_by_it(
    committed: Services,
) -> None:
    doctor, (ana,) = await clinic(committed, 1)
    admin = await an_admin(committed)
    [held] = (await contend(committed, [booking(committed, ana, doctor, dec(2, 10))])).wins()

    contest = await contend(
        committed,
        [
            closing(committed, admin, dec(2, 9), dec(2, 13), {held.id}),
            moving(committed, ana, held.id, dec(3, 10)),
        ],
    )

    # The move holds the clinic's lock before the appointment's: they take turns, and the
    # closure cancels the appointment only where it still lies inside the closure.
    assert contest.waited == 1
    closed, moved = contest.outcomes
    assert isinstance(closed, Closed) and closed.closure is not None
    [row] = await appointments_of(committed, doctor)
    if isinstance(moved, DomainError):  # closed first: the move found it cancelled
        assert isinstance(moved, NotChangeable)
        assert (row.status, row.starts_at, row.cancel_reason) == (
            "cancelled", dec(2, 10), "closure",
        )  # fmt: skip
        assert [a.id for a in closed.cancelled] == [held.id]
    else:  # moved first: out of the closure, which then had nothing to cancel
        assert (row.status, row.starts_at) == ("booked", dec(3, 10))
        assert closed.cancelled == []
