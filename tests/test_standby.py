"""Several ``clinic-bot run`` processes on one database, as real processes.

Long polling: exactly one process polls (the holder of the receiver lock), the others stand by
and never call ``getUpdates``; when the receiver is killed, or loses the lock's connection, a
process standing by takes over within 15 s and the conversation goes on at its step. Webhook:
two replicas serve one chat's updates one at a time, either replica carrying on its
conversation. And a conversation's step is stored before its reply is sent: ``kill -9`` right
after the reply loses nothing.

Calls to the Bot API stand-in are counted by process (each has a root URL of its own).
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.receiver import RETRY_SECONDS
from bot.server import WEBHOOK_PATH, webhook_secret
from db.chats import CHAT_LOCK_NAMESPACE
from db.engine import driver_url, make_engine
from db.receiver import (
    APPLICATION_NAME,
    CHECK_SECONDS,
    RECEIVER_LOCK_KEY,
    RECEIVER_LOCK_NAMESPACE,
    STALE_SECONDS,
    ReceiverLock,
)
from tests.bot_process import BotProcess, bot_env, free_port
from tests.fake_telegram import TOKEN, ChatUser, FakeBotApiServer, FakeTelegram, Message

# What the bot asks after each answer of /register.
ASKS_EMAIL = "What is your email address?"
ASKS_PASSWORD = "Choose a password"
NOT_AN_EMAIL = "That doesn't look like an email address."
TAKEOVER_SECONDS = 15
RECEIVING = "Receiving updates by long polling"
STOPPED = "Stopped receiving updates"


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
        await asyncio.sleep(0.05)


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, FakeBotApiServer]]:
    fake = FakeTelegram()
    server = FakeBotApiServer(fake)
    await server.start()
    try:
        yield fake, server
    finally:
        fake.gates.clear()
        await server.stop()


@pytest.fixture
async def scratch_engine(scratch_database: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(scratch_database, pool_size=2, max_overflow=2)
    yield engine
    await engine.dispose()


def _dsn(url: str) -> str:
    return driver_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Person:
    """Someone writing to the bot through the Bot API stand-in (updates wait there until a
    process fetches them, or are posted to a webhook replica)."""

    def __init__(self, fake: FakeTelegram, chat_id: int, name: str) -> None:
        self.fake = fake
        self.user = ChatUser(fake, None, chat_id, first_name=name)
        self.chat_id = chat_id

    def replies(self) -> list[Message]:
        return self.fake.bot_messages(self.chat_id)

    def write(self, text: str) -> dict[str, Any]:
        """Send ``text`` to the bot's long polling; the update."""
        update = self.user.message_update(text)
        self.fake.queue_update(update)
        return update

    async def say(self, text: str, *, within: float = 30, what: str = "") -> Message:
        """Send ``text`` by long polling; the bot's reply."""
        count = len(self.replies())
        self.write(text)
        await until(lambda: len(self.replies()) > count, within, what or f"a reply to {text!r}")
        return self.replies()[-1]

    async def post(self, bot: BotProcess, text: str) -> int:
        """Post ``text`` to ``bot``'s webhook, as Telegram would; the HTTP status."""
        return await asyncio.to_thread(_post, bot.port, self.user.message_update(text))

    async def post_and_wait(self, bot: BotProcess, text: str) -> Message:
        count = len(self.replies())
        assert await self.post(bot, text) == 200
        await until(lambda: len(self.replies()) > count, 30, f"a reply to {text!r}")
        return self.replies()[-1]


def _post(port: int, update: dict[str, Any]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        data=json.dumps(update).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": webhook_secret(TOKEN),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


async def updates_of(bot: BotProcess) -> str | None:
    """What ``bot``'s health endpoint says of updates (``receiving`` or ``standby``)."""
    return await asyncio.to_thread(bot.updates)


async def stored_step(engine: AsyncEngine, chat_id: int) -> tuple[str | None, str | None]:
    """The chat's open conversation and its step, as stored."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT conversation, state FROM chats WHERE chat_id = :chat"),
                {"chat": chat_id},
            )
        ).first()
    return (row.conversation, row.state) if row is not None else (None, None)


async def live_workers(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM delivery_workers")) or 0)


def polls(server: FakeBotApiServer, caller: str) -> int:
    return server.calls_by[caller, "getUpdates"]


def two_processes(
    database: str, server: FakeBotApiServer, directory: Path, **env: str
) -> tuple[BotProcess, BotProcess]:
    """Two bot processes on ``database``, each calling the Bot API under its own name."""
    return (
        BotProcess(bot_env(database, server.url_for("first"), **env), directory, "first"),
        BotProcess(bot_env(database, server.url_for("second"), **env), directory, "second"),
    )


async def test_one_process_polls_and_a_standby_takes_over_mid_conversation(
    telegram: tuple[FakeTelegram, FakeBotApiServer],
    scratch_database: str,
    scratch_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    fake, server = telegram
    first, second = two_processes(scratch_database, server, tmp_path)
    kira = Person(fake, 561_001, "Kira")
    async with first:
        await first.wait_for_log(RECEIVING)
        async with second:
            await second.wait_for_log("Standing by")
            assert await updates_of(first) == "receiving"
            assert await updates_of(second) == "standby"
            assert "full name" in (await kira.say("/register")).text
            assert ASKS_EMAIL in (await kira.say("Kira Switch")).text
            # Both send the outbox; only the first polls.
            assert await live_workers(scratch_engine) == 2
            assert polls(server, "first") > 0
            assert polls(server, "second") == 0

            first.kill()
            # Sent at once: it waits at Telegram until the standby takes over.
            reply = await kira.say(
                "kira.switch@example.org",
                within=TAKEOVER_SECONDS,
                what=f"the standby taking over\n{second.log()}",
            )
            assert ASKS_PASSWORD in reply.text  # the conversation went on at its step
            assert RECEIVING in second.log()
            assert await updates_of(second) == "receiving"
            assert await stored_step(scratch_engine, kira.chat_id) == ("register", "password")
    assert not [m for m in kira.replies() if "didn't understand" in m.text]


async def test_a_receiver_that_loses_its_lock_connection_stops_polling_at_once(
    telegram: tuple[FakeTelegram, FakeBotApiServer],
    scratch_database: str,
    scratch_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    fake, server = telegram
    first, second = two_processes(scratch_database, server, tmp_path)
    lena = Person(fake, 561_002, "Lena")
    async with first:
        await first.wait_for_log(RECEIVING)
        async with second:
            await second.wait_for_log("Standing by")
            assert "full name" in (await lena.say("/register")).text
            assert ASKS_EMAIL in (await lena.say("Lena Lost")).text

            # The test queues for the lock, then cuts the receiver's lock connection: the
            # lock passes to the test, so no process may poll until the test lets it go.
            async with await psycopg.AsyncConnection.connect(
                _dsn(scratch_database), autocommit=True
            ) as holder:
                taking = asyncio.create_task(
                    holder.execute(
                        "SELECT pg_advisory_lock(%s, %s)",
                        (RECEIVER_LOCK_NAMESPACE, RECEIVER_LOCK_KEY),
                    )
                )
                await until(lambda: _lock_waiters(scratch_engine, 1), 10, "the test waiting")
                assert await _cut_receiver(scratch_engine) == 1
                await asyncio.wait_for(taking, 10)
                await first.wait_for_log(STOPPED, within=5)
                assert "lost the database connection" in first.log()
                await until(
                    lambda: _both(first, second, "standby"), 10, "both processes standing by"
                )
                before = polls(server, "first"), polls(server, "second")
                lena.write("lena.lost@example.org")
                await asyncio.sleep(RETRY_SECONDS * 2 + 1)
                # Nobody polls while nobody holds the lock: the answer waits at Telegram.
                assert (polls(server, "first"), polls(server, "second")) == before
                assert ASKS_EMAIL in lena.replies()[-1].text
            # The test let the lock go: a process takes over and the conversation goes on.
            await until(
                lambda: ASKS_PASSWORD in lena.replies()[-1].text,
                TAKEOVER_SECONDS,
                f"a process taking over\n{first.log()}\n{second.log()}",
            )
            states = {await updates_of(first), await updates_of(second)}
            assert states == {"receiving", "standby"}
            assert await stored_step(scratch_engine, lena.chat_id) == ("register", "password")


async def test_a_frozen_receiver_is_replaced_and_stands_by_when_it_wakes(
    telegram: tuple[FakeTelegram, FakeBotApiServer],
    scratch_database: str,
    scratch_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    """The receiver freezes (SIGSTOP) with its connections open: the standby ends its lock's
    session once it has been silent for STALE_SECONDS and takes over, the conversation going on
    at its step; woken up, the old receiver finds its lock gone and stands by."""
    fake, server = telegram
    first, second = two_processes(scratch_database, server, tmp_path)
    mia = Person(fake, 561_004, "Mia")
    async with first:
        await first.wait_for_log(RECEIVING)
        async with second:
            await second.wait_for_log("Standing by")
            assert "full name" in (await mia.say("/register")).text
            assert ASKS_EMAIL in (await mia.say("Mia Frozen")).text
            first.pause()
            try:
                # The frozen receiver's last long poll ends (empty) before Mia writes.
                await asyncio.sleep(3)
                reply = await mia.say(
                    "mia.frozen@example.org",
                    within=STALE_SECONDS + RETRY_SECONDS + TAKEOVER_SECONDS,
                    what=f"the standby taking over\n{second.log()}",
                )
                assert ASKS_PASSWORD in reply.text
                assert "stopped answering" in second.log()
                assert await updates_of(second) == "receiving"
            finally:
                first.resume()
            await first.wait_for_log(STOPPED, within=15)
            await until(
                lambda: _states(first, second, ("standby", "receiving")),
                10,
                "the woken process standing by",
            )
            polled = polls(server, "first")
            assert "share your phone" in (await mia.say("frozen-password")).text
            assert polls(server, "first") == polled
    texts = [m.text for m in mia.replies()]
    assert sum(ASKS_PASSWORD in text for text in texts) == 1
    assert not [text for text in texts if "didn't understand" in text]


async def _states(first: BotProcess, second: BotProcess, states: tuple[str, str]) -> bool:
    return (await updates_of(first), await updates_of(second)) == states


async def _lock_waiters(engine: AsyncEngine, expected: int) -> bool:
    async with engine.connect() as conn:
        waiting = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks JOIN pg_database d ON d.oid = pg_locks.database "
                "WHERE d.datname = current_database() AND locktype = 'advisory' "
                "AND classid = :ns AND objid = :key AND objsubid = 2 AND NOT granted"
            ),
            {"ns": RECEIVER_LOCK_NAMESPACE, "key": RECEIVER_LOCK_KEY},
        )
    return int(waiting or 0) == expected


async def _cut_receiver(engine: AsyncEngine) -> int:
    """End the session holding the receiver lock, as a lost connection would; how many."""
    async with engine.connect() as conn:
        ended = await conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(l.pid, 5000)) FROM pg_locks AS l "
                "JOIN pg_database d ON d.oid = l.database "
                "WHERE d.datname = current_database() AND l.locktype = 'advisory' "
                "AND l.classid = :ns AND l.objid = :key AND l.objsubid = 2 AND l.granted"
            ),
            {"ns": RECEIVER_LOCK_NAMESPACE, "key": RECEIVER_LOCK_KEY},
        )
    return int(ended or 0)


async def _both(first: BotProcess, second: BotProcess, state: str) -> bool:
    return await updates_of(first) == state and await updates_of(second) == state


async def test_webhook_replicas_handle_a_chats_updates_one_at_a_time(
    telegram: tuple[FakeTelegram, FakeBotApiServer],
    scratch_database: str,
    scratch_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    fake, server = telegram
    first, second = two_processes(
        scratch_database, server, tmp_path, WEBHOOK_URL="https://clinic.example.org/"
    )
    wes = Person(fake, 561_003, "Wes")
    async with first, second:
        assert await updates_of(first) == "receiving"
        assert await updates_of(second) == "receiving"
        assert polls(server, "first") == polls(server, "second") == 0
        assert "full name" in (await wes.post_and_wait(first, "/register")).text

        # The test holds the chat's lock while the same answer reaches both replicas at once.
        async with await psycopg.AsyncConnection.connect(
            _dsn(scratch_database), autocommit=True
        ) as holder:
            await holder.execute(
                "SELECT pg_advisory_lock(%s, hashtext(%s))",
                (CHAT_LOCK_NAMESPACE, str(wes.chat_id)),
            )
            count = len(wes.replies())
            statuses = await asyncio.gather(
                wes.post(first, "Wes Webhook"), wes.post(second, "Wes Webhook")
            )
            assert statuses == [200, 200]
            # Each replica waits for the chat's turn.
            await until(lambda: _chat_waiters(scratch_engine, 2), 15, "both replicas waiting")
            assert len(wes.replies()) == count
        await until(lambda: len(wes.replies()) == count + 2, 15, "both answers")
        # One after the other: the first answer took the name, the second met the email step.
        answers = [m.text for m in wes.replies()[count:]]
        took_name = [a for a in answers if ASKS_EMAIL in a and "Wes Webhook" in a]
        at_email_step = [a for a in answers if a.startswith(NOT_AN_EMAIL)]
        assert len(took_name) == len(at_email_step) == 1, answers
        assert await stored_step(scratch_engine, wes.chat_id) == ("register", "email")

        # Either replica carries the conversation on.
        assert ASKS_PASSWORD in (await wes.post_and_wait(second, "wes@example.org")).text
        assert await stored_step(scratch_engine, wes.chat_id) == ("register", "password")


async def _chat_waiters(engine: AsyncEngine, expected: int) -> bool:
    async with engine.connect() as conn:
        waiting = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks JOIN pg_database d ON d.oid = pg_locks.database "
                "WHERE d.datname = current_database() AND locktype = 'advisory' "
                "AND classid = :ns AND objsubid = 2 AND NOT granted"
            ),
            {"ns": CHAT_LOCK_NAMESPACE},
        )
    return int(waiting or 0) == expected


async def test_a_step_answered_just_before_kill_9_is_kept(
    telegram: tuple[FakeTelegram, FakeBotApiServer],
    scratch_database: str,
    scratch_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    fake, server = telegram
    bot = BotProcess(bot_env(scratch_database, server.url), tmp_path)
    kira = Person(fake, 561_004, "Kira")
    async with bot:
        await bot.wait_for_log(RECEIVING)
        assert "full name" in (await kira.say("/register")).text
        # The bot's reply to the name is held at Telegram; the bot is killed the moment it
        # has sent it (and has fetched the name, so Telegram will not hand it out again).
        replied = fake.gates["sendMessage"] = asyncio.Event()
        name = kira.write("Kira Kill")
        await until(
            lambda: fake.in_flight["sendMessage"] == 1 and _fetched(fake, name["update_id"]),
            30,
            f"the reply to the name on its way\n{bot.log()}",
        )
        bot.kill()
        replied.set()  # Telegram delivers the reply the dead process sent
        await until(lambda: ASKS_EMAIL in kira.replies()[-1].text, 10, "the reply shown")
        assert await stored_step(scratch_engine, kira.chat_id) == ("register", "email")

        await bot.start()
        reply = await kira.say("kira.kill@example.org", what=f"an answer\n{bot.log()}")
        assert ASKS_PASSWORD in reply.text
    texts = [m.text for m in kira.replies()]
    assert not [t for t in texts if "didn't understand" in t]
    assert len([t for t in texts if ASKS_EMAIL in t]) == 1  # the name was taken once


async def test_updates_fetched_but_not_handled_at_kill_9_are_handled_after_the_restart(
    telegram: tuple[FakeTelegram, FakeBotApiServer],
    scratch_database: str,
    scratch_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    """Two answers arrive together; the first is stored and its reply held at Telegram, the
    second waits for the chat's turn; then kill -9. Neither was acknowledged, so Telegram hands
    both to the restarted bot: the first, already stored, is not taken again; the second is."""
    fake, server = telegram
    bot = BotProcess(bot_env(scratch_database, server.url), tmp_path)
    lia = Person(fake, 561_005, "Lia")
    async with bot:
        await bot.wait_for_log(RECEIVING)
        assert "full name" in (await lia.say("/register")).text
        replied = fake.gates["sendMessage"] = asyncio.Event()
        name = lia.write("Lia Lost")
        email = lia.write("lia.lost@example.org")
        await until(
            lambda: fake.in_flight["sendMessage"] == 1,
            30,
            f"the reply to the name on its way\n{bot.log()}",
        )
        assert await stored_step(scratch_engine, lia.chat_id) == ("register", "email")
        assert not _fetched(fake, name["update_id"])  # held back until handled
        bot.kill()
        replied.set()  # Telegram delivers the reply the dead process sent
        await until(lambda: ASKS_EMAIL in lia.replies()[-1].text, 10, "the reply shown")

        await bot.start()
        await until(
            lambda: ASKS_PASSWORD in lia.replies()[-1].text,
            30,
            f"the email taken after the restart\n{bot.log()}",
        )
        assert await stored_step(scratch_engine, lia.chat_id) == ("register", "password")
        assert _fetched(fake, email["update_id"])
    texts = [m.text for m in lia.replies()]
    assert len([t for t in texts if ASKS_EMAIL in t]) == 1  # the name was taken once
    assert len([t for t in texts if ASKS_PASSWORD in t]) == 1
    assert not [t for t in texts if NOT_AN_EMAIL in t or "didn't understand" in t]
    assert "was handled before; not again" in bot.log()


def _fetched(fake: FakeTelegram, update_id: int) -> bool:
    """Whether the bot has confirmed ``update_id`` to Telegram (asked for later ones)."""
    return any(int(p.get("offset") or 0) > update_id for p in fake.calls_of("getUpdates"))


# --- the lock itself -----------------------------------------------------------------------------


async def test_one_holder_at_a_time_and_the_next_once_it_lets_go(migrated_url: str) -> None:
    first, second = ReceiverLock(migrated_url), ReceiverLock(migrated_url)
    try:
        assert await first.acquire()
        assert await first.acquire()  # held already
        assert not await second.acquire()
        assert not await second.acquire()
        await first.release()
        assert await second.acquire()
        assert not await first.acquire()
    finally:
        await first.release()
        await second.release()


async def test_a_holder_knows_at_once_when_its_connection_is_cut(migrated_url: str) -> None:
    holder, other = ReceiverLock(migrated_url), ReceiverLock(migrated_url)
    engine = make_engine(migrated_url, pool_size=1, max_overflow=0)
    try:
        assert await holder.acquire()
        watching = asyncio.create_task(holder.wait_lost())
        await asyncio.sleep(0.2)
        assert not watching.done()
        async with engine.connect() as conn:
            ended = await conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": APPLICATION_NAME},
            )
        assert ended == 1
        # Noticed when the connection closes, without waiting for the next check.
        await asyncio.wait_for(watching, CHECK_SECONDS)
        assert not holder.held
        assert await other.acquire()  # the lock went with the connection
        assert await holder.acquire() is False  # a new connection, and the lock is taken
    finally:
        await holder.release()
        await other.release()
        await engine.dispose()


async def test_a_bot_started_before_telegram_is_reachable_waits_for_it(
    scratch_database: str, tmp_path: Path
) -> None:
    """Nothing listens at the Bot API's address when the bot starts: it says so in its log,
    reports itself unhealthy and tries again, then serves as soon as the Bot API answers."""
    fake = FakeTelegram()
    server = FakeBotApiServer(fake)
    port = free_port()
    bot = BotProcess(bot_env(scratch_database, f"http://127.0.0.1:{port}"), tmp_path)
    bot.launch()
    try:
        await bot.wait_for_log("Cannot reach the Telegram Bot API")
        assert bot.running
        status, body = bot.health_report()
        assert (status, body["status"]) == (503, "unhealthy")
        await server.start(port)
        await bot.wait_healthy(within=60)
        kira = Person(fake, 561_009, "Kira")
        assert "/register" in (await kira.say("/help")).text
    finally:
        await bot.stop()
        await server.stop()
    assert "Traceback" not in bot.log()


async def test_a_webhook_is_registered_once_telegram_answers(
    telegram: tuple[FakeTelegram, FakeBotApiServer], scratch_database: str, tmp_path: Path
) -> None:
    """Telegram fails the webhook's registration twice: the replica says so, tries again, and
    serves once it is registered."""
    fake, server = telegram
    fake.fail_next("setWebhook", 500, "Internal Server Error")
    fake.fail_next("setWebhook", 500, "Internal Server Error")
    env = bot_env(scratch_database, server.url, WEBHOOK_URL="https://clinic.example.org/")
    bot = BotProcess(env, tmp_path)
    async with bot:
        await bot.wait_for_log("Receiving updates by webhook", within=30)
        assert bot.log().count("Cannot reach the Telegram Bot API") == 2
        assert len(fake.calls_of("setWebhook")) == 3
        assert "/register" in (await Person(fake, 561_010, "Noa").post_and_wait(bot, "/help")).text
    assert "Traceback" not in bot.log()
