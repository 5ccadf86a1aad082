"""Reminder throughput: N reminders due at once, sent by chat and by email, against local fakes.

The chat channel goes through the real stack (HTTPXRequest, AIORateLimiter) to a Bot API server
on 127.0.0.1; it should run at Telegram's limit (30 messages/s) and never faster. The same run
without the rate limiter shows how fast our own side is, so the limit, not our overhead, is what
paces the real run. The email channel sends to an SMTP server on 127.0.0.1 and reports messages
per second and connections used.

    python bench/bench_reminders.py                # 10,000 reminders (about 6 minutes at 30/s)
    python bench/bench_reminders.py --count 1000   # quicker

It creates a scratch database on the local server (``--server-url``) and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.application import build_application
from bot.context import Services
from bot.jobs import deliver_pending
from bot.mailer import Mailer, SmtpConfig
from bot.settings import settings_from_env
from db.clock import FrozenClock
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade_to_head
from tests.fake_telegram import TOKEN, FakeBotApiServer, FakeTelegram
from tests.smtp_server import SmtpTestServer

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SECRET = "k7Qm2xV9pL4sR8tW1yZ6bN3cF5hJ0dGa"

SEED = """
INSERT INTO specialties (id, name) VALUES (1, 'Bench');
INSERT INTO users (id, email, name, role, password_hash, language, last_chat_id)
SELECT g, 'doc' || g || '@bench.invalid', 'Dr. Bench ' || g, 'doctor', NULL, 'en', NULL
FROM generate_series(1, 100) AS g;
INSERT INTO doctors (user_id, display_name, specialty_id, slot_minutes)
SELECT g, 'Dr. Bench ' || g, 1, 30 FROM generate_series(1, 100) AS g;
-- Patients' addresses are confirmed: emails go to confirmed addresses only.
INSERT INTO users (id, email, name, role, password_hash, language, last_chat_id,
                   email_verified_at)
SELECT 1000 + g, 'p' || g || '@bench.invalid', 'Patient ' || g, 'patient', NULL,
       CASE WHEN g % 2 = 0 THEN 'es' ELSE 'en' END, 5000000 + g, %(now)s
FROM generate_series(1, %(n)s) AS g;
INSERT INTO chat_sessions (chat_id, user_id, jti, token, issued_at, expires_at)
SELECT 5000000 + g, 1000 + g, 'jti' || g, 'token', %(now)s, %(now)s + interval '1 day'
FROM generate_series(1, %(n)s) AS g;
-- Each doctor's appointments follow one another in 30-minute slots from tomorrow.
INSERT INTO appointments (id, doctor_id, patient_id, starts_at, ends_at, status, version,
                          created_at, updated_at)
SELECT g, 1 + (g %% 100), 1000 + g,
       %(now)s + interval '1 day' + ((g / 100) * interval '30 minutes'),
       %(now)s + interval '1 day' + ((g / 100) * interval '30 minutes') + interval '30 minutes',
       'booked', 0, %(now)s, %(now)s
FROM generate_series(1, %(n)s) AS g;
INSERT INTO deliveries (recipient_id, appointment_id, appointment_version, kind, channel,
                        offset_minutes, due_at, next_attempt_at, status, attempts, created_at,
                        updated_at)
SELECT a.patient_id, a.id, 0, 'reminder', c.channel, 1440, %(now)s, %(now)s, 'pending', 0,
       %(now)s, %(now)s
FROM appointments a CROSS JOIN (VALUES ('telegram'), ('email')) AS c(channel);
"""


def _scratch(server_url: str) -> str:
    name = f"clinic_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


def _drop(server_url: str, url: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


def _seed(url: str, count: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            SEED.replace("%(n)s", str(count))
            .replace("%(now)s", f"'{NOW.isoformat()}'::timestamptz")
            .replace("%%", "%")
        )
        conn.execute("ANALYZE")


def _serve_fakes(ready: Any, stop: Any, results: Any) -> None:
    """Child process: the Bot API and SMTP fakes, so their work does not count as ours."""

    async def run() -> None:
        telegram = FakeTelegram()
        api = FakeBotApiServer(telegram)
        await api.start()
        smtp = SmtpTestServer(security="none", require_auth=False)
        await smtp.start()
        ready.put((api.url, smtp.port))
        await asyncio.to_thread(stop.wait)
        results.put((len(telegram.calls_of("sendMessage")), len(smtp.messages), smtp.connections))
        await api.stop()
        await smtp.stop()

    asyncio.run(run())


async def _channel_run(url: str, *, channel: str, count: int, rate_limited: bool) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE deliveries SET status = 'pending', attempts = 0, claimed_by = NULL, "
            "sent_at = NULL, next_attempt_at = due_at WHERE appointment_version = 0"
        )
        other = "email" if channel == "telegram" else "telegram"
        conn.execute(
            "UPDATE deliveries SET status = 'skipped' "
            f"WHERE channel = '{other}' AND appointment_version = 0"
        )
    context = multiprocessing.get_context("spawn")
    ready, results, stop = context.Queue(), context.Queue(), context.Event()
    fakes = context.Process(target=_serve_fakes, args=(ready, stop, results), daemon=True)
    fakes.start()
    api_url, smtp_port = ready.get(timeout=60)
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "DATABASE_URL": url,
        "JWT_SECRET": SECRET,
        "CLINIC_TIMEZONE": "Europe/Madrid",
    }
    engine = make_engine(url, pool_size=20, max_overflow=20)
    services = Services(
        settings=settings_from_env(env),
        session_factory=make_session_factory(engine),
        clock=FrozenClock(NOW),
        mailer=Mailer(
            SmtpConfig(
                host="127.0.0.1",
                port=smtp_port,
                security="none",
                username="",
                password="",
                from_address="clinic@bench.invalid",
            )
        ),
    )
    app = build_application(services, polling=False, rate_limiter=rate_limited)
    await app.initialize()
    try:
        started = time.perf_counter()
        handled = await deliver_pending(app.bot, services)
        elapsed = time.perf_counter() - started
    finally:
        await app.shutdown()
        await engine.dispose()
        stop.set()
    chat_sends, emails, connections = results.get(timeout=60)
    fakes.join(timeout=30)
    if channel == "telegram":
        label = "chat, rate limiter on " if rate_limited else "chat, rate limiter off"
        rate = chat_sends / elapsed
        print(f"{label}: {chat_sends} sent in {elapsed:7.1f} s = {rate:8.1f} messages/s")
    else:
        print(
            f"email                 : {emails} sent in {elapsed:7.1f} s = {emails / elapsed:8.1f} "
            f"messages/s over {connections} SMTP connection(s)"
        )
    assert handled == count


HISTORY = """
INSERT INTO deliveries (recipient_id, appointment_id, appointment_version, kind, channel,
                        offset_minutes, due_at, next_attempt_at, status, attempts, sent_at,
                        created_at, updated_at)
SELECT a.patient_id, a.id, -v, 'reminder', 'telegram', 1440, %(now)s - v * interval '1 day',
       %(now)s - v * interval '1 day', 'sent', 1, %(now)s - v * interval '1 day', %(now)s, %(now)s
FROM appointments AS a CROSS JOIN generate_series(1, %(per)s) AS v
"""

CLAIM = """
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT id FROM deliveries
WHERE status = 'pending' AND channel = 'telegram' AND next_attempt_at <= %(now)s
  AND claimed_by IS NULL
ORDER BY channel, next_attempt_at LIMIT 200 FOR UPDATE SKIP LOCKED
"""


def _claim_plan(url: str, history: int, count: int) -> None:
    """Add ``history`` sent deliveries (the past) and show the due scan's plan."""
    now = f"'{NOW.isoformat()}'::timestamptz"
    per = max(1, history // count)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(HISTORY.replace("%(now)s", now).replace("%(per)s", str(per)))
        conn.execute("VACUUM ANALYZE deliveries")
        total = conn.execute("SELECT count(*) FROM deliveries").fetchone()
        print(f"the due scan with {total[0] if total else 0:,} deliveries in the table:")
        for (line,) in conn.execute(CLAIM.replace("%(now)s", now)).fetchall():
            print("   ", line)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--server-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--history", type=int, default=1_000_000, help="sent deliveries to add for the plan"
    )
    args = parser.parse_args()
    url = _scratch(args.server_url)
    try:
        upgrade_to_head(url)
        _seed(url, args.count)
        _claim_plan(url, args.history, args.count)
        print(f"{args.count} reminders due at once on each channel")
        await _channel_run(url, channel="telegram", count=args.count, rate_limited=False)
        await _channel_run(url, channel="email", count=args.count, rate_limited=False)
        await _channel_run(url, channel="telegram", count=args.count, rate_limited=True)
    finally:
        _drop(args.server_url, url)


if __name__ == "__main__":
    asyncio.run(main())
