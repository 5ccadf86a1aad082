"""Waitlists in the database: what frees time (a cancellation, time off or a closure removed,
new hours, a doctor opened again), what suits an entry (notice, span, earlier than the visit),
the offer written with the change, the limits, and the revision that adds them.

The clock starts on Tuesday 1 December 2026, 09:00 in Madrid; doctors work Mon–Fri
09:00–17:00 in 30-minute slots unless said otherwise.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from alembic import command
from sqlalchemy import select

from bot.context import Services
from bot.formatting import policy_of
from db.booking import (
    Actor,
    BookingPolicy,
    TooLateToChange,
    add_day_range,
    cancel,
    deactivate_and_cancel,
)
from db.closures import close_clinic, remove_closure
from db.doctors import add_time_off, reactivate_doctor, remove_time_off
from db.errors import NotFound
from db.migrate import alembic_config
from db.models import Delivery, Role, User
from db.slots import WeeklyRange
from db.waitlist import (
    MAX_WAITING,
    NoSpan,
    WaitlistFull,
    join_waitlist,
    offer_to_send,
    on_doctor_open,
    on_freed,
    on_freed_everywhere,
    span_of,
    wait_for_earlier,
    waiting_for,
)
from tests.factories import book_directly, make_doctor, make_user

MADRID = ZoneInfo("Europe/Madrid")


def dec(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


def _policy(services: Services) -> BookingPolicy:
    return policy_of(services.settings)


async def _wait(
    services: Services, patient: User, *, days: int = 7, doctor: int | None = None,
    specialty: int | None = None,
) -> int:  # fmt: skip
    policy, now = _policy(services), services.clock.now()
    start, end = span_of(days, policy, now)
    async with services.transaction() as s:
        entry = await join_waitlist(
            s, patient_id=patient.id, from_at=start, until_at=end, policy=policy, now=now,
            doctor_id=doctor, specialty_id=specialty,
        )  # fmt: skip
        return entry.id


async def _offered(services: Services, patient: User) -> list[datetime]:
    async with services.session_factory() as s:
        rows = await s.scalars(
            select(Delivery.offer_starts_at)
            .where(Delivery.recipient_id == patient.id, Delivery.kind == "slot_offer")
            .order_by(Delivery.id)
        )
        return [at.astimezone(MADRID) for at in rows.all() if at is not None]


async def test_the_offer_is_written_with_the_cancellation_and_only_then(
    services: Services,
) -> None:
    house = await make_doctor(services, "house@example.com")
    ana = await make_user(services, "ana@example.com", name="Ana")
    bob = await make_user(services, "bob@example.com", name="Bob")
    visit = await book_directly(
        services, patient_id=bob.id, doctor_id=house.user_id, starts_at=dec(3, 10)
    )
    await _wait(services, ana, doctor=house.user_id)

    # A cancellation rolled back leaves no offer behind.
    async with services.session_factory() as s:
        await cancel(
            s, appointment_id=visit.id, actor=Actor(bob.id, Role.PATIENT),
            policy=_policy(services), now=services.clock.now(),
        )  # fmt: skip
        assert await s.scalar(select(Delivery.id).where(Delivery.kind == "slot_offer"))
        await s.rollback()
    assert await _offered(services, ana) == []

    async with services.transaction() as s:
        await cancel(
            s, appointment_id=visit.id, actor=Actor(bob.id, Role.PATIENT),
            policy=_policy(services), now=services.clock.now(),
        )  # fmt: skip
    assert await _offered(services, ana) == [dec(3, 10)]
    assert await _offered(services, bob) == []
    async with services.session_factory() as s:
        [row] = (await s.scalars(select(Delivery).where(Delivery.kind == "slot_offer"))).all()
        assert (row.status, row.channel, row.offer_doctor_id) == (
            "pending", "telegram", house.user_id,
        )  # fmt: skip
        # When it is sent, it is checked again: the time is still free for her.
        offer = await offer_to_send(
            s, entry_id=row.waitlist_entry_id or 0, doctor_id=house.user_id,
            starts_at=dec(3, 10), policy=_policy(services), now=services.clock.now(),
        )  # fmt: skip
        assert not isinstance(offer, str) and offer.ends_at == dec(3, 10, 30)
    # Booked by someone else meanwhile: the offer is not sent.
    await book_directly(services, patient_id=bob.id, doctor_id=house.user_id, starts_at=dec(3, 10))
    async with services.session_factory() as s:
        assert (
            await offer_to_send(
                s,
                entry_id=row.waitlist_entry_id or 0,
                doctor_id=house.user_id,
                starts_at=dec(3, 10),
                policy=_policy(services),
                now=services.clock.now(),
            )
            == "the time is no longer free"
        )


async def test_time_inside_the_notice_or_outside_the_span_is_not_offered(
    services: Services,
) -> None:
    house = await make_doctor(services, "house@example.com")
    ana = await make_user(services, "ana@example.com", name="Ana")
    bob = await make_user(services, "bob@example.com", name="Bob")
    soon = await book_directly(
        services, patient_id=bob.id, doctor_id=house.user_id, starts_at=dec(1, 10, 30)
    )
    later = await book_directly(
        services, patient_id=bob.id, doctor_id=house.user_id, starts_at=dec(10, 10)
    )
    await _wait(services, ana, doctor=house.user_id, days=7)  # until the end of Mon 7 Dec
    services.clock.advance(timedelta(minutes=45))  # 09:45: 10:30 is inside the 1-hour notice
    for visit in (soon, later):
        async with services.transaction() as s:
            await cancel(
                s, appointment_id=visit.id, actor=Actor(house.user_id, Role.DOCTOR),
                policy=_policy(services), now=services.clock.now(),
            )  # fmt: skip
    assert await _offered(services, ana) == []


async def test_time_off_or_a_closure_removed_and_new_hours_offer_what_they_open(
    services: Services,
) -> None:
    house = await make_doctor(services, "house@example.com")
    ana = await make_user(services, "ana@example.com", name="Ana")
    cat = await make_user(services, "cat@example.com", name="Cat")
    now, policy = services.clock.now(), _policy(services)
    await _wait(services, ana, doctor=house.user_id, days=14)
    # Nothing freed yet: joining offers nothing, even with free times around.
    assert await _offered(services, ana) == []

    # New hours on Saturday: only the times they open are offered, not Tuesday's free ones.
    async with services.transaction() as s:
        await add_day_range(
            s, doctor_id=house.user_id, add=WeeklyRange(5, 10 * 60, 12 * 60),
            tz=MADRID, now=now, policy=policy,
        )  # fmt: skip
    assert await _offered(services, ana) == [dec(5, 10)]

    # Time off on Wednesday, then removed: its first time is offered.
    async with services.transaction() as s:
        off = await add_time_off(
            s, doctor_id=house.user_id, starts_at=dec(2, 0), ends_at=dec(3, 0),
            whole_days=True, now=now,
        )  # fmt: skip
    await _wait(services, cat, specialty=house.specialty_id, days=14)
    async with services.transaction() as s:
        removed = await remove_time_off(s, doctor_id=house.user_id, time_off_id=off.id, now=now)
        await on_freed(
            s, doctor_id=house.user_id, start=removed.starts_at, end=removed.ends_at,
            policy=policy, now=now,
        )  # fmt: skip
    assert await _offered(services, ana) == [dec(5, 10), dec(2, 9)]
    assert await _offered(services, cat) == [dec(2, 9)]

    # A closure on Thursday, removed: every doctor's waiting patients are offered its time.
    admin = await make_user(services, "boss@example.com", name="Boss", role=Role.ADMIN)
    async with services.transaction() as s:
        closed = await close_clinic(
            s, starts_at=dec(3, 0), ends_at=dec(4, 0), whole_days=True, shown=set(),
            actor=Actor(admin.id, Role.ADMIN), policy=policy, now=now,
        )  # fmt: skip
        assert closed.closure is not None
    async with services.transaction() as s:
        gone = await remove_closure(s, closure_id=closed.closure.id, now=now)
        await on_freed_everywhere(
            s, start=gone.starts_at, end=gone.ends_at, policy=policy, now=now
        )
    assert await _offered(services, ana) == [dec(5, 10), dec(2, 9), dec(3, 9)]
    assert await _offered(services, cat) == [dec(2, 9), dec(3, 9)]

    # The same time is offered once while its offer is unsent.
    async with services.transaction() as s:
        await on_doctor_open(s, doctor_id=house.user_id, policy=policy, now=now)
    assert await _offered(services, cat) == [dec(2, 9), dec(3, 9), dec(1, 10)]
    async with services.transaction() as s:
        await on_doctor_open(s, doctor_id=house.user_id, policy=policy, now=now)
    assert await _offered(services, cat) == [dec(2, 9), dec(3, 9), dec(1, 10)]


async def test_limits_spans_and_earlier_times(services: Services) -> None:
    house = await make_doctor(services, "house@example.com")
    ana = await make_user(services, "ana@example.com", name="Ana")
    policy, now = _policy(services), services.clock.now()
    doctors = [house] + [
        await make_doctor(services, f"doc{n}@example.com", name=f"Dr. Number {n}")
        for n in range(MAX_WAITING)
    ]
    for doctor in doctors[:MAX_WAITING]:
        await _wait(services, ana, doctor=doctor.user_id)
    # Again for one of them: the span is replaced, nothing added.
    await _wait(services, ana, doctor=house.user_id, days=14)
    with pytest.raises(WaitlistFull):
        await _wait(services, ana, doctor=doctors[-1].user_id)
    async with services.session_factory() as s:
        entries = await waiting_for(s, patient_id=ana.id, now=now)
    assert len(entries) == MAX_WAITING
    assert [e.until_at for e in entries if e.doctor_id == house.user_id] == [dec(15, 0)]

    # A span past the horizon is cut to it; one entirely inside the notice is refused.
    bea = await make_user(services, "bea@example.com", name="Bea")
    async with services.transaction() as s:
        entry = await join_waitlist(
            s, patient_id=bea.id, from_at=now, until_at=now + timedelta(days=90),
            policy=policy, now=now, doctor_id=house.user_id,
        )  # fmt: skip
    assert entry.until_at == policy.latest(now) + timedelta(hours=2)
    assert entry.from_at == policy.earliest(now)
    with pytest.raises(NoSpan):
        async with services.transaction() as s:
            await join_waitlist(
                s, patient_id=bea.id, from_at=now, until_at=now + timedelta(minutes=30),
                policy=policy, now=now, specialty_id=house.specialty_id,
            )  # fmt: skip
    # Earlier than a visit inside the cancellation window: it can no longer move.
    visit = await book_directly(
        services, patient_id=bea.id, doctor_id=house.user_id, starts_at=dec(1, 10)
    )
    with pytest.raises(TooLateToChange):
        async with services.transaction() as s:
            await wait_for_earlier(
                s, patient_id=bea.id, appointment_id=visit.id, policy=policy, now=now
            )
    # A doctor cannot wait as a patient.
    async with services.transaction() as s:
        assert await s.get(User, house.user_id) is not None
    with pytest.raises(NotFound):
        await _wait(services, await _user(services, house.user_id), doctor=doctors[1].user_id)


async def test_a_deactivated_doctors_entries_are_set_aside_until_they_return(
    services: Services,
) -> None:
    """While the doctor does not see patients, their entries are neither listed nor counted
    against the limit; when the doctor comes back, the entries wait again."""
    policy, now = _policy(services), services.clock.now()
    house = await make_doctor(services, "house@example.com")
    others = [
        await make_doctor(services, f"doc{n}@example.com", name=f"Dr. Number {n}")
        for n in range(MAX_WAITING)
    ]
    ana = await make_user(services, "ana@example.com", name="Ana")
    await _wait(services, ana, doctor=house.user_id)
    boss = await make_user(services, "boss@example.com", name="Boss", role=Role.ADMIN)
    admin = Actor(boss.id, Role.ADMIN)
    async with services.transaction() as s:
        gone = await deactivate_and_cancel(
            s, doctor_id=house.user_id, newest_shown=None, actor=admin, policy=policy, now=now
        )
    assert gone.was_active
    async with services.session_factory() as s:
        assert await waiting_for(s, patient_id=ana.id, now=now) == []
    # Ana may wait for as many other doctors as anyone.
    for doctor in others:
        await _wait(services, ana, doctor=doctor.user_id)
    async with services.transaction() as s:
        await reactivate_doctor(s, doctor_id=house.user_id, now=now)
    async with services.session_factory() as s:
        listed = await waiting_for(s, patient_id=ana.id, now=now)
    assert house.user_id in [e.doctor_id for e in listed]
    assert len(listed) == MAX_WAITING + 1


async def _user(services: Services, user_id: int) -> User:
    async with services.session_factory() as s:
        user = await s.get(User, user_id)
        assert user is not None
        return user


def test_the_waitlist_revision_goes_down_and_up_with_its_data(scratch_database: str) -> None:
    config = alembic_config(scratch_database)
    now = datetime(2026, 12, 1, 8, 0, tzinfo=MADRID)
    with psycopg.connect(scratch_database, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO specialties (id, name) VALUES (1, 'Cardiology');"
            "INSERT INTO users (id, email, name, role) VALUES "
            "(1, 'house@example.com', 'Dr. House', 'doctor'), (2, 'ana@example.com', 'Ana', "
            "'patient');"
            "INSERT INTO doctors (user_id, display_name, specialty_id, slot_minutes) "
            "VALUES (1, 'House', 1, 30)"
        )
        conn.execute(
            "INSERT INTO waitlist_entries (id, patient_id, doctor_id, from_at, until_at, status, "
            "created_at) VALUES (1, 2, 1, %(now)s, %(now)s + interval '7 days', 'waiting', "
            "%(now)s)",
            {"now": now},
        )
        conn.execute(
            "INSERT INTO deliveries (recipient_id, kind, channel, waitlist_entry_id, "
            "offer_doctor_id, offer_starts_at, due_at, next_attempt_at, status, attempts, "
            "created_at, updated_at) VALUES (2, 'slot_offer', 'telegram', 1, 1, "
            "%(now)s + interval '1 day', %(now)s, %(now)s, 'pending', 0, %(now)s, %(now)s)",
            {"now": now},
        )
        # Each waiting entry is one per patient and target; an offer names its time.
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "INSERT INTO waitlist_entries (patient_id, doctor_id, from_at, until_at, "
                "status, created_at) VALUES (2, 1, %(now)s, %(now)s + interval '1 day', "
                "'waiting', %(now)s)",
                {"now": now},
            )
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(
                "INSERT INTO deliveries (recipient_id, kind, channel, waitlist_entry_id, "
                "due_at, next_attempt_at, status, attempts, created_at, updated_at) VALUES "
                "(2, 'slot_offer', 'telegram', 1, %(now)s, %(now)s, 'pending', 0, %(now)s, "
                "%(now)s)",
                {"now": now},
            )
    command.downgrade(config, "0014")  # before the waitlists
    with psycopg.connect(scratch_database, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('waitlist_entries')").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM deliveries").fetchone() == (0,)
    command.upgrade(config, "head")
    with psycopg.connect(scratch_database, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM waitlist_entries").fetchone() == (0,)
