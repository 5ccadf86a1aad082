"""Two bot processes on one database never send one reminder twice (real connections)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import build_application
from bot.context import Services
from bot.jobs import deliver_pending
from db.accounts import open_session
from db.clock import FrozenClock
from db.engine import make_engine, make_session_factory
from db.models import (
    Appointment,
    ChatSession,
    Delivery,
    Doctor,
    Invite,
    Specialty,
    User,
    WorkingHours,
)
from tests.conftest import JWT_SECRET, START, make_settings
from tests.factories import book_directly, make_doctor, make_user
from tests.fake_telegram import FakeRequest, FakeTelegram

PATIENTS = 30
FIRST = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wednesday 10:00 in Madrid


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Services]:
    services = Services(
        settings=make_settings(engine.url.render_as_string(hide_password=False)),
        session_factory=make_session_factory(engine),
        clock=FrozenClock(START),
    )
    yield services
    async with services.transaction() as s:
        users = (await s.scalars(select(User.id).where(User.email.like("%@race.example")))).all()
        appointments = select(Appointment.id).where(Appointment.patient_id.in_(users))
        await s.execute(delete(Delivery).where(Delivery.appointment_id.in_(appointments)))
        await s.execute(delete(Appointment).where(Appointment.patient_id.in_(users)))
        await s.execute(delete(ChatSession).where(ChatSession.user_id.in_(users)))
        await s.execute(delete(Invite).where(Invite.user_id.in_(users)))
        await s.execute(delete(WorkingHours).where(WorkingHours.doctor_id.in_(users)))
        await s.execute(delete(Doctor).where(Doctor.user_id.in_(users)))
        await s.execute(delete(User).where(User.id.in_(users)))
        await s.execute(delete(Specialty).where(Specialty.name == "Race Medicine"))


async def test_two_processes_send_each_reminder_exactly_once(committed: Services) -> None:
    doctors = [
        await make_doctor(
            committed, f"doc{i}@race.example", name=f"Dr. Race {i}", specialty="Race Medicine"
        )
        for i in range(3)
    ]
    chats: dict[int, int] = {}
    for i in range(PATIENTS):
        patient = await make_user(committed, f"p{i}@race.example", name=f"Patient {i}")
        chat_id = 900_000 + i
        async with committed.transaction() as s:
            user = await s.get(User, patient.id)
            assert user is not None
            await open_session(s, user=user, chat_id=chat_id, secret=JWT_SECRET, now=START)
        starts = FIRST + timedelta(minutes=30 * (i // 3))
        await book_directly(
            committed, patient_id=patient.id, doctor_id=doctors[i % 3].user_id, starts_at=starts
        )
        chats[chat_id] = patient.id

    # Two processes: their own engines, their own Telegram connections, one database.
    due = FrozenClock(FIRST + timedelta(hours=5) - timedelta(hours=24))
    processes = []
    for _ in range(2):
        engine = make_engine(committed.settings.database_url or "", pool_size=5, max_overflow=5)
        services = Services(
            settings=committed.settings, session_factory=make_session_factory(engine), clock=due
        )
        telegram = FakeTelegram()
        app = build_application(
            services, request=FakeRequest(telegram), polling=False, rate_limiter=False
        )
        await app.initialize()
        processes.append((services, telegram, app, engine))
    try:
        # Every 24 h reminder is due now (and the booking confirmations, email being off).
        handled = await asyncio.gather(
            *(deliver_pending(app.bot, services, batch=4) for services, _, app, _ in processes)
        )
    finally:
        for _, _, app, engine in processes:
            await app.shutdown()
            await engine.dispose()

    sent = Counter(
        params["chat_id"]
        for _, telegram, _, _ in processes
        for name, params in telegram.calls
        if name == "sendMessage"
    )
    assert sorted(sent) == sorted(chats)
    assert set(sent.values()) == {1}
    # 30 chat reminders, 30 email reminders and 30 confirmations, each handled by one process.
    assert sum(handled) == 3 * PATIENTS
    assert all(handled), handled  # small batches: both processes took part
    async with committed.session_factory() as s:
        rows = (
            await s.scalars(
                select(Delivery).where(
                    Delivery.kind == "reminder",
                    Delivery.offset_minutes == 1440,
                    Delivery.channel == "telegram",
                    Delivery.appointment_id.in_(
                        select(Appointment.id).where(
                            Appointment.patient_id.in_(list(chats.values()))
                        )
                    ),
                )
            )
        ).all()
    assert len(rows) == PATIENTS
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
