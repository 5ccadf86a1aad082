"""Reminders through faults, with the real ``clinic-bot run``: killed mid-batch, its database
dying mid-batch, a hung mail server, a hung or slow Bot API. What arrived is counted at the
Bot API stand-in and the SMTP server: nothing lost, nothing doubled.

Each test runs real bot processes on a database of its own, on the real clock: appointments
start three minutes from now and ``REMINDER_OFFSETS=3m``, so their reminders are due at once.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.deliveries import sync_offsets
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade_to_head
from db.models import Appointment, Delivery, DeliveryWorker, Doctor, Specialty, User
from tests.bot_process import BotProcess, bot_env, smtp_env
from tests.fake_telegram import FakeBotApiServer, FakeTelegram
from tests.private_postgres import PrivatePostgres
from tests.smtp_server import SmtpTestServer

OFFSET = timedelta(minutes=3)
SMTP_PASSWORD = "relay-password-123"
REMINDER = "Reminder: your appointment"


@dataclass
class Patient:
    user_id: int
    email: str
    chat_id: int


async def until(condition: Callable[[], bool | Awaitable[bool]], within: float, what: str) -> None:
    """Wait (at most ``within`` seconds) for ``condition``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.1)


async def seed(engine: AsyncEngine, count: int, *, due_in: timedelta, tag: int) -> list[Patient]:
    """``count`` patients, each with an appointment (each with a doctor of its own) starting
    ``OFFSET + due_in`` from now, and its chat and email reminders, due ``due_in`` from now."""
    now = datetime.now(UTC)
    starts = (now + OFFSET + due_in).replace(microsecond=0)
    factory = make_session_factory(engine)
    patients = []
    async with factory() as s, s.begin():
        specialty = await s.scalar(select(Specialty).where(Specialty.name == "Fault Medicine"))
        if specialty is None:
            specialty = Specialty(name="Fault Medicine")
            s.add(specialty)
            await s.flush()
        for i in range(count):
            doctor = User(
                email=f"doc{tag}-{i}@fault.example", name=f"Dr. Fault {i}", role="doctor"
            )
            chat_id = 800_000 + tag * 1_000 + i
            patient = User(
                email=f"p{tag}-{i}@fault.example",
                name=f"Patient {tag}-{i}",
                role="patient",
                language="en",
                last_chat_id=chat_id,
                email_verified_at=now,  # emails go to confirmed addresses only
            )
            s.add_all([doctor, patient])
            await s.flush()
            s.add(
                Doctor(
                    user_id=doctor.id,
                    display_name=f"Dr. Fault {i}",
                    specialty_id=specialty.id,
                    slot_minutes=30,
                )
            )
            await s.flush()  # no relationships: the doctor goes in before its appointment
            s.add(
                Appointment(
                    doctor_id=doctor.id,
                    patient_id=patient.id,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=30),
                    status="booked",
                    version=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            patients.append(Patient(patient.id, patient.email, chat_id))
        await s.flush()
        # The reminders, as the bot creates them for upcoming appointments.
        await sync_offsets(s, (OFFSET,), now - timedelta(minutes=1))
    return patients


async def unsettled(engine: AsyncEngine) -> int:
    """Reminders still pending (due or not)."""
    async with make_session_factory(engine)() as s:
        return int(
            await s.scalar(
                select(func.count()).where(
                    Delivery.kind == "reminder", Delivery.status == "pending"
                )
            )
            or 0
        )


async def statuses(engine: AsyncEngine, channel: str) -> Counter[str]:
    async with make_session_factory(engine)() as s:
        rows = await s.execute(
            select(Delivery.status, func.count())
            .where(Delivery.kind == "reminder", Delivery.channel == channel)
            .group_by(Delivery.status)
        )
        return Counter({status: int(n) for status, n in rows.all()})


def chat_reminders(telegram: FakeTelegram, patients: list[Patient]) -> Counter[int]:
    """How many reminders each patient's chat shows."""
    counts: Counter[int] = Counter()
    for patient in patients:
        counts[patient.chat_id] = sum(
            REMINDER in m.text for m in telegram.bot_messages(patient.chat_id)
        )
    return counts


def email_reminders(smtp: SmtpTestServer, patients: list[Patient]) -> Counter[str]:
    counts: Counter[str] = Counter({p.email: 0 for p in patients})
    for message in list(smtp.messages):
        if "Reminder" in str(message.message["Subject"]):
            for rcpt in message.rcpt_tos:
                if rcpt in counts:
                    counts[rcpt] += 1
    return counts


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, FakeBotApiServer]]:
    fake = FakeTelegram()
    server = FakeBotApiServer(fake)
    await server.start()
    try:
        yield fake, server
    finally:
        fake.delays.clear()
        await server.stop()


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpTestServer]:
    server = SmtpTestServer(security="none", username="clinic@clinic.test", password=SMTP_PASSWORD)
    await server.start()
    try:
        yield server
    finally:
        server.data_delay = 0
        await server.stop()


@pytest.fixture
async def scratch_engine(scratch_database: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(scratch_database, pool_size=2, max_overflow=2)
    yield engine
    await engine.dispose()


def _mail(smtp: SmtpTestServer, **overrides: str) -> dict[str, str]:
    return smtp_env(smtp.host, smtp.port, EMAIL_PASS=SMTP_PASSWORD, **overrides)


async def test_kill_9_mid_batch_loses_no_reminder_and_doubles_only_sends_in_flight(
    telegram: tuple[FakeTelegram, FakeBotApiServer],
    smtp: SmtpTestServer,
    scratch_database: str,
    scratch_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    fake, server = telegram
    fake.delays["sendMessage"] = 0.5  # each send takes a while: some are in flight at the kill
    smtp.data_delay = 0.2
    patients = await seed(scratch_engine, 60, due_in=timedelta(0), tag=1)
    env = bot_env(
        scratch_database, server.url, REMINDER_OFFSETS="3m", REMINDER_SCAN_SECONDS="2",
        **_mail(smtp),
    )  # fmt: skip
    bot = BotProcess(env, tmp_path)
    async with bot:
        await until(
            lambda: sum(chat_reminders(fake, patients).values()) >= 5,
            within=60,
            what=f"five chat reminders\n{bot.log()}",
        )
        bot.kill()
        # Sends the bot had started and not recorded: Telegram may deliver each of them.
        in_flight = fake.in_flight["sendMessage"]
        delivered = sum(chat_reminders(fake, patients).values())
        recorded = (await statuses(scratch_engine, "telegram"))["sent"]
        assert delivered < len(patients)

        await bot.start()  # restarted at once; the dead process's claims are taken over
        await until(
            lambda: (
                min(chat_reminders(fake, patients).values()) >= 1
                and min(email_reminders(smtp, patients).values()) >= 1
            ),
            within=60,
            what=f"every reminder, by chat and email\n{bot.log()}",
        )
        await until(lambda: _none(unsettled(scratch_engine)), within=30, what="all settled")

    chats = chat_reminders(fake, patients)
    emails = email_reminders(smtp, patients)
    assert min(chats.values()) == 1 and min(emails.values()) == 1  # nothing lost
    chat_doubles = sum(chats.values()) - len(patients)
    # Only sends in flight at the kill (started, not recorded as sent) can arrive twice, and
    # there are never more of those than sends run at once.
    assert chat_doubles <= in_flight + (delivered - recorded) <= 32
    assert sum(emails.values()) - len(patients) <= 1  # one email at a time
    assert await statuses(scratch_engine, "telegram") == Counter({"sent": len(patients)})
    assert await statuses(scratch_engine, "email") == Counter({"sent": len(patients)})


async def _none(count: Awaitable[int]) -> bool:
    return await count == 0


async def test_database_dying_mid_batch_sends_nothing_twice(
    telegram: tuple[FakeTelegram, FakeBotApiServer], tmp_path: Path
) -> None:
    fake, server = telegram
    answers = fake.gates["sendMessage"] = asyncio.Event()  # Telegram holds its answers
    with PrivatePostgres() as pg:
        url = pg.url()
        await asyncio.to_thread(upgrade_to_head, url)
        engine = make_engine(url, pool_size=2, max_overflow=2)
        try:
            patients = await seed(engine, 40, due_in=timedelta(0), tag=2)
            env = bot_env(
                url, server.url, REMINDER_OFFSETS="3m", REMINDER_SCAN_SECONDS="1",
                DELIVERY_TAKEOVER_SECONDS="3",
            )  # fmt: skip
            first, second = BotProcess(env, tmp_path, "first"), BotProcess(env, tmp_path, "second")
            async with first:
                await until(
                    lambda: fake.in_flight["sendMessage"] >= 10,
                    within=60,
                    what=f"ten sends\n{first.log()}",
                )
                async with second:
                    assert await claimers(engine) == {f":{first.pid}"}
                    await asyncio.to_thread(pg.stop)  # PostgreSQL dies mid-batch
                    outage = asyncio.get_running_loop().time()
                    # Telegram answers every send while the database is down: the first
                    # process keeps those outcomes.
                    answers.set()
                    await until(
                        lambda: fake.in_flight["sendMessage"] == 0, within=30, what="answers"
                    )
                    await asyncio.sleep(1)
                    # The first process is the slower to reconnect: the second is back first,
                    # and finds the first's claims stale by more than the takeover delay.
                    first.pause()
                    await asyncio.sleep(max(0, outage + 8 - asyncio.get_running_loop().time()))
                    await asyncio.to_thread(pg.start)
                    await asyncio.sleep(2)
                    first.resume()
                    await engine.dispose()
                    await until(
                        lambda: _none(unsettled(engine)),
                        within=60,
                        what=f"every outcome settled\n{first.log()}\n{second.log()}",
                    )
                    chats = chat_reminders(fake, patients)
            assert chats == Counter({p.chat_id: 1 for p in patients}), chats
            assert await statuses(engine, "telegram") == Counter({"sent": len(patients)})
        finally:
            await engine.dispose()


async def claimers(engine: AsyncEngine) -> set[str]:
    """The processes (``:pid``) holding claims."""
    async with make_session_factory(engine)() as s:
        labels = await s.scalars(
            select(DeliveryWorker.label)
            .join(Delivery, Delivery.claimed_by == DeliveryWorker.id)
            .distinct()
        )
        return {label[label.rindex(":") :] for label in labels.all()}


async def test_a_hung_mail_server_never_delays_chat_reminders(
    telegram: tuple[FakeTelegram, FakeBotApiServer],
    smtp: SmtpTestServer,
    scratch_database: str,
    scratch_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    fake, server = telegram
    smtp.data_delay = math.inf  # accepts connections and commands, never answers DATA
    early = await seed(scratch_engine, 5, due_in=timedelta(0), tag=3)
    env = bot_env(
        scratch_database, server.url, REMINDER_OFFSETS="3m", REMINDER_SCAN_SECONDS="2",
        **_mail(smtp),
    )  # fmt: skip
    async with BotProcess(env, tmp_path) as bot:
        await until(
            lambda: min(chat_reminders(fake, early).values()) == 1,
            within=30,
            what=f"the first chat reminders\n{bot.log()}",
        )
        assert sum(email_reminders(smtp, early).values()) == 0  # the mail server hangs
        later = await seed(scratch_engine, 5, due_in=timedelta(seconds=6), tag=4)
        # Due in 6 s; found by the next scan (every 2 s), whatever the mail server does.
        await until(
            lambda: min(chat_reminders(fake, later).values()) == 1,
            within=6 + 2 + 4,
            what=f"the later chat reminders while email hangs\n{bot.log()}",
        )
        bot.kill()


async def test_a_hung_bot_api_never_delays_email(
    telegram: tuple[FakeTelegram, FakeBotApiServer],
    smtp: SmtpTestServer,
    scratch_database: str,
    scratch_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    fake, server = telegram
    fake.delays["sendMessage"] = 3600  # Telegram takes the requests and never answers
    early = await seed(scratch_engine, 5, due_in=timedelta(0), tag=5)
    env = bot_env(
        scratch_database, server.url, REMINDER_OFFSETS="3m", REMINDER_SCAN_SECONDS="2",
        **_mail(smtp),
    )  # fmt: skip
    async with BotProcess(env, tmp_path) as bot:
        await until(
            lambda: min(email_reminders(smtp, early).values()) == 1,
            within=30,
            what=f"the first email reminders\n{bot.log()}",
        )
        later = await seed(scratch_engine, 5, due_in=timedelta(seconds=6), tag=6)
        await until(
            lambda: min(email_reminders(smtp, later).values()) == 1,
            within=6 + 2 + 4,
            what=f"the later email reminders while Telegram hangs\n{bot.log()}",
        )
        assert sum(chat_reminders(fake, early + later).values()) == 0
        bot.kill()


async def test_a_slow_bot_api_answer_is_waited_for_not_resent(
    telegram: tuple[FakeTelegram, FakeBotApiServer],
    scratch_database: str,
    scratch_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    fake, server = telegram
    fake.delays["sendMessage"] = 8  # Telegram answers each send after 8 s
    patients = await seed(scratch_engine, 10, due_in=timedelta(0), tag=7)
    env = bot_env(scratch_database, server.url, REMINDER_OFFSETS="3m", REMINDER_SCAN_SECONDS="2")
    async with BotProcess(env, tmp_path) as bot:
        await until(
            lambda: _none(unsettled(scratch_engine)),
            within=45,
            what=f"every reminder settled\n{bot.log()}",
        )
        await bot.stop()
    assert chat_reminders(fake, patients) == Counter({p.chat_id: 1 for p in patients})
    assert len([p for p in fake.calls_of("sendMessage") if REMINDER in p["text"]]) == 10
    assert await statuses(scratch_engine, "telegram") == Counter({"sent": 10})
