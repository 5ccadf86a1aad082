"""Two bot processes on one database never send one reminder twice (real connections); nor
does a batch that outlasts any lease, with one process or two."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import ClinicApplication, build_application, stop_services
from bot.context import ClinicContext, Services
from bot.jobs import deliver_due, deliver_pending
from bot.mailer import Mailer
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
from tests.smtp_server import SmtpTestServer

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
    # 30 chat reminders, 30 email reminders, 30 confirmations and 30 doctors' notices, each
    # handled by one process.
    assert sum(handled) == 4 * PATIENTS
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


class FastClock:
    """The clinic's time, running sixty times faster than the real one (a minute a second)."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(minutes=time.monotonic() - self._t0)


@pytest.mark.parametrize("processes", [1, 2])
async def test_a_slow_mail_server_never_makes_an_email_go_twice(
    committed: Services, processes: int
) -> None:
    doctor = await make_doctor(
        committed, "doc@race.example", name="Dr. Slow", specialty="Race Medicine"
    )
    patients = []
    for i in range(6):
        patient = await make_user(committed, f"slow{i}@race.example", name=f"Slow {i}")
        await book_directly(
            committed,
            patient_id=patient.id,
            doctor_id=doctor.user_id,
            starts_at=FIRST + timedelta(minutes=30 * i),
        )
        patients.append(patient.email)
    smtp = SmtpTestServer(security="starttls")
    smtp.data_delay = 0.8  # 12 emails: a batch takes about 10 s
    await smtp.start()
    # The batch outlasts the takeover delay five times over, and lasts ten minutes of the
    # clinic's clock: longer than any lease measured by it.
    settings = replace(committed.settings, delivery_takeover=timedelta(seconds=2))
    clock = FastClock(FIRST - timedelta(hours=21))  # every 24 h reminder and confirmation is due
    apps = []
    for _ in range(processes):
        engine = make_engine(committed.settings.database_url or "", pool_size=5, max_overflow=5)
        services = Services(
            settings=settings,
            session_factory=make_session_factory(engine),
            clock=clock,
            mailer=Mailer(smtp.config()),
        )
        app = build_application(
            services, request=FakeRequest(FakeTelegram()), polling=False, rate_limiter=False
        )
        await app.initialize()
        apps.append((app, engine))

    async def later(app: ClinicApplication) -> None:
        # The next scan, or a booking's kick, while the batch is still being sent.
        await asyncio.sleep(6)
        await deliver_due(ClinicContext(app))

    try:
        await asyncio.gather(
            *(deliver_due(ClinicContext(app)) for app, _ in apps),
            *(later(app) for app, _ in apps),
        )
    finally:
        for app, engine in apps:
            await stop_services(app)
            await app.shutdown()
            await engine.dispose()
        await smtp.stop()
    sent = Counter(
        (rcpt, "Reminder" in str(m.message["Subject"]))
        for m in smtp.messages
        for rcpt in m.rcpt_tos
    )
    assert sent == Counter({(email, kind): 1 for email in patients for kind in (True, False)})
