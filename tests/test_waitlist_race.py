"""Two taps on one freed time at once, in separate sessions as two chats (or two bot
processes) would send them: PostgreSQL decides, one books and the other keeps waiting.

These tests commit, so everything they create is removed again at the end (the fixture and
the clinic come from the booking races).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Services
from bot.formatting import policy_of
from db.booking import SlotTaken
from db.models import Appointment, User, WaitlistEntry
from db.waitlist import Taken, WaitlistEnded, join_waitlist, span_of, take_freed_time
from tests.races import Attempt, contend
from tests.test_booking_race import appointments_of, clinic, committed, dec

__all__ = ["committed"]  # the fixture, used by name


async def _waiting(services: Services, patient: User, doctor_id: int) -> int:
    policy, now = policy_of(services.settings), services.clock.now()
    start, end = span_of(7, policy, now)
    async with services.transaction() as s:
        entry = await join_waitlist(
            s, patient_id=patient.id, from_at=start, until_at=end, policy=policy, now=now,
            doctor_id=doctor_id,
        )  # fmt: skip
        return entry.id


def taking(
    services: Services, patient: User, entry: int, doctor_id: int, at: datetime
) -> Attempt[Taken]:
    async def attempt(s: AsyncSession) -> Taken:
        return await take_freed_time(
            s, entry_id=entry, patient_id=patient.id, doctor_id=doctor_id, starts_at=at,
            policy=policy_of(services.settings), now=services.clock.now(),
        )  # fmt: skip

    return attempt


async def _status(services: Services, entry: int) -> str:
    async with services.session_factory() as s:
        found = await s.scalar(select(WaitlistEntry.status).where(WaitlistEntry.id == entry))
        assert found is not None
        return found


async def test_two_patients_take_the_same_freed_time_at_once(committed: Services) -> None:
    doctor, [ana, bob] = await clinic(committed, patients=2)
    entries = [await _waiting(committed, p, doctor.user_id) for p in (ana, bob)]
    slot = dec(2, 10)

    contest = await contend(
        committed,
        [
            taking(committed, patient, entry, doctor.user_id, slot)
            for patient, entry in zip((ana, bob), entries, strict=True)
        ],
    )

    [won] = contest.wins()
    [lost] = contest.losses()
    assert isinstance(lost, SlotTaken)
    assert contest.waited == 1
    rows = await appointments_of(committed, doctor)
    assert [(r.patient_id, r.starts_at, r.status) for r in rows] == [
        (won.appointment.patient_id, slot, "booked")
    ]
    winner = 0 if won.appointment.patient_id == ana.id else 1
    assert await _status(committed, entries[winner]) == "booked"
    assert await _status(committed, entries[1 - winner]) == "waiting"


async def test_one_offer_tapped_twice_at_once_books_once(committed: Services) -> None:
    doctor, [ana] = await clinic(committed, patients=1)
    entry = await _waiting(committed, ana, doctor.user_id)
    tap = taking(committed, ana, entry, doctor.user_id, dec(2, 10))

    contest = await contend(committed, [tap, tap])

    [won] = contest.wins()
    [refused] = contest.losses()
    assert isinstance(refused, WaitlistEnded)
    async with committed.session_factory() as s:
        rows = (await s.scalars(select(Appointment).where(Appointment.patient_id == ana.id))).all()
    assert [(r.id, r.status) for r in rows] == [(won.appointment.id, "booked")]
    assert await _status(committed, entry) == "booked"
