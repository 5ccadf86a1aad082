"""Two members of the clinic acting on one visit at once, and a cancellation's offer pressed
twice at once, each in its own session and connection: PostgreSQL's row locks decide, and the
loser is told what happened (nothing is changed twice).

These tests commit, so everything they create is removed again at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.context import Services
from bot.formatting import policy_of
from db.booking import (
    Actor,
    AppointmentView,
    ChangedMeanwhile,
    OfferTaken,
    SlotTaken,
    Why,
    book,
    cancel,
    reschedule,
    take_offer,
)
from db.clock import FrozenClock
from db.engine import make_session_factory
from db.models import Appointment, ChangeReason, Doctor, Role, Specialty, User
from tests.conftest import START, make_settings
from tests.factories import make_doctor
from tests.races import Attempt, contend

MADRID = ZoneInfo("Europe/Madrid")
DOMAIN = "desk-race.example"
SPECIALTY = "Front Desk Race Cardiology"


def dec(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Services]:
    services = Services(
        settings=make_settings(engine.url.render_as_string(hide_password=False)),
        session_factory=make_session_factory(engine),
        clock=FrozenClock(START),
    )
    try:
        yield services
    finally:
        async with services.transaction() as s:
            ours = select(User.id).where(User.email.like(f"%@{DOMAIN}")).scalar_subquery()
            await s.execute(
                delete(Appointment).where(
                    or_(Appointment.doctor_id.in_(ours), Appointment.patient_id.in_(ours))
                )
            )
            await s.execute(delete(Doctor).where(Doctor.user_id.in_(ours)))
            await s.execute(delete(User).where(User.id.in_(ours)))
            await s.execute(delete(Specialty).where(Specialty.name == SPECIALTY))
    async with services.session_factory() as s:
        left = await s.scalar(
            select(func.count()).select_from(User).where(User.email.like(f"%@{DOMAIN}"))
        )
    assert left == 0


async def _people(services: Services) -> tuple[int, list[int], list[int]]:
    doctor = await make_doctor(services, f"house@{DOMAIN}", specialty=SPECIALTY, password=None)
    async with services.transaction() as s:
        staff = [
            User(email=f"desk{n}@{DOMAIN}", name=f"Desk {n}", role=Role.STAFF.value)
            for n in range(2)
        ]
        patients = [
            User(email=f"patient{n}@{DOMAIN}", name=f"Patient {n}", role=Role.PATIENT.value)
            for n in range(2)
        ]
        s.add_all([*staff, *patients])
        await s.flush()
        return doctor.user_id, [u.id for u in staff], [u.id for u in patients]


async def _book(services: Services, patient: int, doctor: int, at: datetime) -> AppointmentView:
    async with services.transaction() as s:
        return await book(
            s,
            patient_id=patient,
            doctor_id=doctor,
            starts_at=at,
            policy=policy_of(services.settings),
            now=services.clock.now(),
        )


def _cancelling(services: Services, staff: int, visit: AppointmentView) -> Attempt[str]:
    async def attempt(s: AsyncSession) -> str:
        await cancel(
            s,
            appointment_id=visit.id,
            actor=Actor(staff, Role.STAFF),
            policy=policy_of(services.settings),
            now=services.clock.now(),
            why=Why(ChangeReason.EMERGENCY),
            expected_version=visit.version,
        )
        return "cancelled"

    return attempt


def _moving(services: Services, staff: int, visit: AppointmentView, to: datetime) -> Attempt[str]:
    async def attempt(s: AsyncSession) -> str:
        await reschedule(
            s,
            appointment_id=visit.id,
            actor=Actor(staff, Role.STAFF),
            new_start=to,
            policy=policy_of(services.settings),
            now=services.clock.now(),
            why=Why(note="Moved by the desk"),
            expected_version=visit.version,
        )
        return f"moved to {to:%H:%M}"

    return attempt


async def _visit(services: Services, visit_id: int) -> Appointment:
    async with services.session_factory() as s:
        found = await s.get(Appointment, visit_id)
        assert found is not None
        return found


async def test_two_staff_cancel_one_visit_at_once(committed: Services) -> None:
    doctor, (desk_a, desk_b), (ana, _) = await _people(committed)
    visit = await _book(committed, ana, doctor, dec(2, 10))

    contest = await contend(
        committed, [_cancelling(committed, desk_a, visit), _cancelling(committed, desk_b, visit)]
    )

    assert contest.wins() == ["cancelled"]
    # The second waited on the first's lock, then saw the visit changed since it was shown.
    assert [type(loss) for loss in contest.losses()] == [ChangedMeanwhile]
    assert contest.waited == 1
    stored = await _visit(committed, visit.id)
    assert (stored.status, stored.version) == ("cancelled", 1)


async def test_one_staff_moves_while_another_cancels(committed: Services) -> None:
    doctor, (desk_a, desk_b), (ana, _) = await _people(committed)
    visit = await _book(committed, ana, doctor, dec(2, 10))

    contest = await contend(
        committed,
        [
            _moving(committed, desk_a, visit, dec(2, 12)),
            _cancelling(committed, desk_b, visit),
        ],
    )

    [won] = contest.wins()
    assert [type(loss) for loss in contest.losses()] == [ChangedMeanwhile]
    stored = await _visit(committed, visit.id)
    if won == "cancelled":
        assert (stored.status, stored.starts_at) == ("cancelled", dec(2, 10))
    else:
        assert (stored.status, stored.starts_at) == ("booked", dec(2, 12))
    assert stored.version == 1


async def test_an_offer_pressed_twice_at_once_books_once(committed: Services) -> None:
    doctor, (desk, _), (ana, ben) = await _people(committed)
    visit = await _book(committed, ana, doctor, dec(2, 10))
    other = await _book(committed, ben, doctor, dec(2, 11))
    for each in (visit, other):
        async with committed.transaction() as s:
            await cancel(
                s,
                appointment_id=each.id,
                actor=Actor(desk, Role.STAFF),
                policy=policy_of(committed.settings),
                now=committed.clock.now(),
                why=Why(ChangeReason.DOCTOR_UNAVAILABLE),
            )

    def taking(patient: int, cancelled: int, at: datetime) -> Attempt[int]:
        async def attempt(s: AsyncSession) -> int:
            booked = await take_offer(
                s,
                cancelled_id=cancelled,
                patient_id=patient,
                starts_at=at,
                policy=policy_of(committed.settings),
                now=committed.clock.now(),
            )
            return booked.id

        return attempt

    # Ana and Ben press the same offered time at once: the database gives it to one.
    contest = await contend(
        committed, [taking(ana, visit.id, dec(4, 9)), taking(ben, other.id, dec(4, 9))]
    )
    assert len(contest.wins()) == 1
    assert [type(loss) for loss in contest.losses()] == [SlotTaken]
    loser, loser_visit = (ben, other) if contest.outcomes[0] == contest.wins()[0] else (ana, visit)

    # The other presses two of their notice's times at once (two chats): one visit is booked.
    contest = await contend(
        committed,
        [taking(loser, loser_visit.id, dec(3, 9)), taking(loser, loser_visit.id, dec(3, 10))],
    )
    assert len(contest.wins()) == 1
    assert [type(loss) for loss in contest.losses()] == [OfferTaken]

    async with committed.session_factory() as s:
        live = await s.scalar(
            select(func.count())
            .select_from(Appointment)
            .where(Appointment.doctor_id == doctor, Appointment.status == "booked")
        )
    assert live == 2
