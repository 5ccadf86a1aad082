"""Upgrading carries conversations in progress over: each resumes at the same step."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from alembic import command
from sqlalchemy import make_url

from bot.application import build_application
from bot.context import Services
from db.clock import FrozenClock
from db.engine import make_engine, make_session_factory
from db.migrate import alembic_config, upgrade_to_head
from db.tokens import issue_token
from tests.conftest import JWT_SECRET, make_settings
from tests.factories import PASSWORD, password_hash
from tests.fake_telegram import ChatUser, FakeRequest, FakeTelegram

MADRID = ZoneInfo("Europe/Madrid")
ANA, BOB, GREG, DORA, EVA, ADA, HOUSE = 701, 702, 703, 704, 705, 706, 707


@pytest.fixture
def fresh_url(database_url: str) -> Iterator[str]:
    """An empty database of its own on the test server, dropped afterwards."""
    name = f"clinic_migrate_{secrets.token_hex(4)}"
    server = make_url(database_url).set(drivername="postgresql")
    admin = psycopg.connect(server.render_as_string(hide_password=False), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _sql(url: str, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        cursor = conn.execute(statement, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


def _next_weekday(after: date) -> date:
    day = after + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
async def upgraded(fresh_url: str) -> tuple[str, date, str]:
    """A database at the last revision that kept conversations the old way, with one chat at
    each kind of step, then upgraded to the newest schema."""
    command.upgrade(alembic_config(fresh_url), "0005")
    now = datetime.now(UTC)
    day = _next_weekday(now.astimezone(MADRID).date())
    hashed = await password_hash(PASSWORD)
    _sql(
        fresh_url,
        "INSERT INTO users (id, email, name, role, password_hash, language) VALUES "
        "(1, 'ana@example.com', 'Ana García', 'patient', %(h)s, 'en'), "
        "(2, 'house@example.com', 'Dr. Gregory House', 'doctor', NULL, NULL), "
        "(3, 'dora@example.com', 'Dora Díaz', 'patient', %(h)s, NULL), "
        "(4, 'ada@example.com', 'Ada Admin', 'admin', %(h)s, 'en')",
        h=hashed,
    )
    _sql(fresh_url, "INSERT INTO specialties (id, name) VALUES (1, 'Cardiology')")
    _sql(
        fresh_url,
        "INSERT INTO doctors (user_id, display_name, specialty_id, slot_minutes) "
        "VALUES (2, 'Dr. Gregory House', 1, 30)",
    )
    for weekday in range(5):
        _sql(
            fresh_url,
            "INSERT INTO working_hours (doctor_id, weekday, start_minute, end_minute) "
            "VALUES (2, %(d)s, 540, 1020)",
            d=weekday,
        )
    token = secrets.token_urlsafe(24)
    _sql(
        fresh_url,
        "INSERT INTO invites (user_id, token_hash, expires_at, created_at) "
        "VALUES (2, %(h)s, %(e)s, %(n)s)",
        h=hashlib.sha256(token.encode()).hexdigest(),
        e=now + timedelta(days=7),
        n=now,
    )
    jwt, claims = issue_token(
        JWT_SECRET,
        user_id=1,
        email="ana@example.com",
        role="patient",
        now=now,
        ttl=timedelta(hours=24),
    )
    _sql(
        fresh_url,
        "INSERT INTO chat_sessions (chat_id, user_id, jti, token, issued_at, expires_at) "
        "VALUES (%(c)s, 1, %(j)s, %(t)s, %(i)s, %(e)s)",
        c=ANA,
        j=claims.jti,
        t=jwt,
        i=claims.issued_at,
        e=claims.expires_at,
    )
    jwt, claims = issue_token(
        JWT_SECRET,
        user_id=2,
        email="house@example.com",
        role="doctor",
        now=now,
        ttl=timedelta(hours=24),
    )
    _sql(
        fresh_url,
        "INSERT INTO chat_sessions (chat_id, user_id, jti, token, issued_at, expires_at) "
        "VALUES (%(c)s, 2, %(j)s, %(t)s, %(i)s, %(e)s)",
        c=HOUSE,
        j=claims.jti,
        t=jwt,
        i=claims.issued_at,
        e=claims.expires_at,
    )
    jwt, claims = issue_token(
        JWT_SECRET,
        user_id=4,
        email="ada@example.com",
        role="admin",
        now=now,
        ttl=timedelta(hours=24),
    )
    _sql(
        fresh_url,
        "INSERT INTO chat_sessions (chat_id, user_id, jti, token, issued_at, expires_at) "
        "VALUES (%(c)s, 4, %(j)s, %(t)s, %(i)s, %(e)s)",
        c=ADA,
        j=claims.jti,
        t=jwt,
        i=claims.issued_at,
        e=claims.expires_at,
    )
    old: dict[int, tuple[str, int, dict[str, Any]]] = {
        ANA: (
            "booking",
            23,
            {
                "draft_booking": {
                    "mode": "book",
                    "page": 0,
                    "specialty": 1,
                    "doctor": 2,
                    "day": day.strftime("%Y%m%d"),
                    "msg": 5,
                },
                "lang": "en",
            },
        ),
        BOB: ("register", 1, {"register": {"name": "Bob Stone"}}),
        GREG: ("invite", 30, {"draft_invite": {"token": token}}),
        DORA: ("login", 11, {"login_email": "dora@example.com"}),
        HOUSE: ("doctor_hours", 40, {"draft_hours": {"message": 9}}),
        ADA: (
            "adddoctor",
            23,
            {
                "draft_doctor": {
                    "name": "Dr. Lisa Cuddy",
                    "specialty_id": 1,
                    "specialty": "Cardiology",
                }
            },
        ),
    }
    for chat, (name, state, scratch) in old.items():
        _sql(
            fresh_url,
            "INSERT INTO conversation_states (name, key, state) VALUES (%(n)s, %(k)s, %(s)s)",
            n=name,
            k=json.dumps([chat, chat], separators=(",", ":")),
            s=json.dumps(state),
        )
        _sql(
            fresh_url,
            "INSERT INTO scratch_data (kind, owner_id, data) VALUES ('user', %(o)s, %(d)s)",
            o=chat,
            d=json.dumps(scratch),
        )
    _sql(
        fresh_url,
        "INSERT INTO scratch_data (kind, owner_id, data) VALUES ('user', %(o)s, %(d)s)",
        o=EVA,
        d=json.dumps({"lang": "es"}),
    )
    upgrade_to_head(fresh_url)
    return fresh_url, day, token


async def test_conversations_in_progress_resume_at_their_step(
    upgraded: tuple[str, date, str],
) -> None:
    url, day, token = upgraded
    stored = dict(_sql(url, "SELECT chat_id, state FROM chats WHERE conversation IS NOT NULL"))
    assert stored == {
        ANA: "time", BOB: "email", GREG: "password", DORA: "password", ADA: "email",
        HOUSE: "weekday",
    }  # fmt: skip
    # The invite token, kept in clear before, is not kept anywhere now.
    assert _sql(
        url, "SELECT count(*) FROM chats WHERE position(%(t)s in draft::text) > 0", t=token
    ) == [(0,)]
    tables = [
        r[0] for r in _sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    ]
    assert "conversation_states" not in tables and "scratch_data" not in tables

    engine = make_engine(url)
    services = Services(
        settings=make_settings(url),
        session_factory=make_session_factory(engine),
        clock=FrozenClock(datetime.now(UTC)),
    )
    telegram = FakeTelegram()
    app = build_application(
        services, request=FakeRequest(telegram), polling=False, rate_limiter=False
    )
    await app.initialize()
    try:
        # The doctor accepts his invite first: /book offers only doctors who have.
        greg = ChatUser(telegram, app, GREG, "Greg")
        done = (await greg.send("a new strong password"))[-1].text
        assert "Dr. Gregory House" in done and "house@example.com" in done

        ana = ChatUser(telegram, app, ANA, "Ana")
        # A button of the old version is answered, and the step it belonged to is shown again.
        old_screen = telegram.user_message(ANA, "old")
        old_screen.from_bot = True
        await ana.press_data(f"bk:t:{int(datetime.now(UTC).timestamp())}", old_screen)
        assert "Choose a time" in old_screen.text and "10:00" in old_screen.button_texts
        # Typed, the time counts too, and the booking completes (the visit's reason skipped).
        assert "Reason for the visit" in (await ana.send("10:00"))[-1].text
        assert "Please check your appointment" in (await ana.send("skip"))[-1].text
        assert (await ana.send("yes"))[-1].text.startswith("✅ Booked")
        booked = _sql(url, "SELECT starts_at FROM appointments WHERE patient_id = 1")
        assert booked == [(datetime.combine(day, time(10), MADRID).astimezone(UTC),)]

        bob = ChatUser(telegram, app, BOB, "Bob")
        assert "Choose a password" in (await bob.send("bob@example.com"))[-1].text

        dora = ChatUser(telegram, app, DORA, "Dora")
        assert "Logged in as Dora Díaz" in (await dora.send(PASSWORD))[-1].text

        ada = ChatUser(telegram, app, ADA, "Ada")
        assert "How long is each appointment" in (await ada.send("cuddy@example.com"))[-1].text
        summary = (await ada.send("20"))[-1].text
        assert "New doctor" in summary and "Dr. Lisa Cuddy" in summary and "20" in summary

        house = ChatUser(telegram, app, HOUSE, "Greg")
        monday = (await house.send("monday"))[-1].text
        assert "Monday" in monday and "09:00–17:00" in monday

        eva = ChatUser(telegram, app, EVA, "Eva", language_code="en")
        assert "Comandos" in (await eva.send("/help"))[-1].text
    finally:
        await app.shutdown()
        await engine.dispose()
