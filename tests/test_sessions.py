"""Sessions enforced on every update: expiry, forged and tampered tokens, revocation, roles."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select, update

from db.accounts import SessionProblem, resolve_session
from db.models import ChatSession, Role, User
from db.tokens import TokenExpired, TokenInvalid, decode_token, issue_token
from tests.conftest import JWT_SECRET, START, Harness
from tests.factories import PASSWORD, make_user
from tests.fake_telegram import ChatUser


async def _logged_in(h: Harness, email: str, role: Role = Role.PATIENT) -> ChatUser:
    await make_user(h.services, email, role=role, name="Pat Doe")
    chat = h.user()
    await chat.send("/login")
    await chat.send(email)
    assert "Logged in" in (await chat.send(PASSWORD))[-1].text
    return chat


async def _set_token(h: Harness, chat_id: int, token: str) -> None:
    async with h.services.transaction() as s:
        await s.execute(
            update(ChatSession)
            .where(ChatSession.chat_id == chat_id, ChatSession.revoked_at.is_(None))
            .values(token=token)
        )


async def _token(h: Harness, chat_id: int) -> str:
    async with h.services.session_factory() as s:
        token = await s.scalar(select(ChatSession.token).where(ChatSession.chat_id == chat_id))
    assert token is not None
    return token


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_token_round_trip_and_claims() -> None:
    token, claims = issue_token(
        JWT_SECRET, user_id=7, email="a@b.co", role="patient", now=START, ttl=timedelta(hours=24)
    )
    payload = jwt.decode(
        token, JWT_SECRET, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}
    )
    assert set(payload) == {"sub", "email", "role", "iat", "exp", "jti"}
    assert payload["exp"] - payload["iat"] == 24 * 3600
    assert decode_token(token, JWT_SECRET, now=START) == claims
    with pytest.raises(TokenExpired):
        decode_token(token, JWT_SECRET, now=START + timedelta(hours=24))
    with pytest.raises(TokenInvalid):
        decode_token(token, "another-secret-another-secret-xx", now=START)


async def test_a_session_unused_for_the_idle_period_asks_to_log_in_again(
    harness: Harness,
) -> None:
    chat = await _logged_in(harness, "exp@example.com")
    assert "Pat Doe" in (await chat.send("/me"))[-1].text
    harness.clock.advance(timedelta(days=30))
    assert (await chat.send("/me"))[-1].text == "Your session has expired. Please /login again."


async def test_a_chat_in_use_stays_signed_in_with_short_lived_tokens(harness: Harness) -> None:
    chat = await _logged_in(harness, "busy@example.com")
    first = await harness.scalar(
        "SELECT jti FROM chat_sessions WHERE chat_id = :c AND revoked_at IS NULL", c=chat.chat_id
    )
    # A day and a half later the 24-hour token has expired, but the chat was used recently
    # enough: it is renewed silently — a new token, the old one revoked.
    harness.clock.advance(timedelta(hours=36))
    me = (await chat.send("/me"))[-1].text
    assert "Pat Doe" in me
    assert "Signed in here until 2027-01-01 21:00 (Europe/Madrid)" in me  # 30 days from now
    rows = await _sessions(harness, chat.chat_id)
    assert [(r.jti == first, r.revoked_at is not None) for r in rows] == [
        (True, True), (False, False),
    ]  # fmt: skip
    live = rows[-1]
    assert live.expires_at - live.issued_at == timedelta(hours=24)
    assert live.issued_at == harness.clock.now()
    # Used every 20 days for two months: still signed in, one renewal per use.
    for _ in range(3):
        harness.clock.advance(timedelta(days=20))
        assert "Pat Doe" in (await chat.send("/me"))[-1].text
    assert len(await _sessions(harness, chat.chat_id)) == 5
    # An update soon after a renewal writes nothing.
    harness.clock.advance(timedelta(hours=1))
    await chat.send("/me")
    assert len(await _sessions(harness, chat.chat_id)) == 5


async def test_logout_and_deactivation_still_end_a_session_at_once(harness: Harness) -> None:
    chat = await _logged_in(harness, "out@example.com")
    harness.clock.advance(timedelta(hours=30))
    await chat.send("/logout")
    assert (await chat.send("/me"))[-1].text == "Please /login first."
    other = await _logged_in(harness, "off@example.com")
    async with harness.services.transaction() as s:
        await s.execute(update(User).where(User.email == "off@example.com").values(active=False))
    harness.clock.advance(timedelta(hours=30))
    assert "disabled" in (await other.send("/me"))[-1].text


async def _sessions(h: Harness, chat_id: int) -> list[ChatSession]:
    async with h.services.session_factory() as s:
        rows = await s.scalars(
            select(ChatSession).where(ChatSession.chat_id == chat_id).order_by(ChatSession.id)
        )
        return list(rows.all())


async def test_token_signed_with_another_secret_is_refused(harness: Harness) -> None:
    chat = await _logged_in(harness, "wrong@example.com")
    forged, _ = issue_token(
        "an-attackers-own-secret-0123456789abc",
        user_id=1,
        email="wrong@example.com",
        role="admin",
        now=START,
        ttl=timedelta(hours=1),
    )
    await _set_token(harness, chat.chat_id, forged)
    assert (await chat.send("/me"))[-1].text == "Please /login first."


async def test_alg_none_is_refused(harness: Harness) -> None:
    chat = await _logged_in(harness, "none@example.com")
    real = jwt.decode(await _token(harness, chat.chat_id), options={"verify_signature": False})
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(real)}."
    await _set_token(harness, chat.chat_id, unsigned)
    assert (await chat.send("/me"))[-1].text == "Please /login first."


async def test_tampered_role_claim_is_refused(harness: Harness) -> None:
    chat = await _logged_in(harness, "tamper@example.com")
    header, payload, signature = (await _token(harness, chat.chat_id)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    await _set_token(harness, chat.chat_id, f"{header}.{_b64(claims)}.{signature}")
    assert (await chat.send("/me"))[-1].text == "Please /login first."
    async with harness.services.session_factory() as s:
        result = await resolve_session(
            s, chat_id=chat.chat_id, secret=JWT_SECRET, now=harness.clock.now()
        )
    assert result is SessionProblem.INVALID


async def test_revoked_session_is_refused(harness: Harness) -> None:
    chat = await _logged_in(harness, "revoked@example.com")
    async with harness.services.transaction() as s:
        await s.execute(update(ChatSession).values(revoked_at=harness.clock.now()))
    assert (await chat.send("/me"))[-1].text == "Please /login first."


async def test_jti_must_match_the_session_row(harness: Harness) -> None:
    chat = await _logged_in(harness, "jti@example.com")
    token = await _token(harness, chat.chat_id)
    async with harness.services.transaction() as s:
        await s.execute(update(ChatSession).values(jti="something-else"))
    await _set_token(harness, chat.chat_id, token)
    assert (await chat.send("/me"))[-1].text == "Please /login first."


async def test_role_change_in_the_database_applies_on_the_next_message(harness: Harness) -> None:
    chat = await _logged_in(harness, "promote@example.com")
    assert "Role: patient" in (await chat.send("/me"))[-1].text
    async with harness.services.transaction() as s:
        await s.execute(
            update(User).where(User.email == "promote@example.com").values(role="doctor")
        )
    assert "Role: doctor" in (await chat.send("/me"))[-1].text


async def test_deactivated_user_loses_access_at_once(harness: Harness) -> None:
    chat = await _logged_in(harness, "fired@example.com")
    async with harness.services.transaction() as s:
        await s.execute(update(User).where(User.email == "fired@example.com").values(active=False))
    assert "disabled" in (await chat.send("/me"))[-1].text


async def test_several_chats_hold_sessions_for_one_user(harness: Harness) -> None:
    phone = await _logged_in(harness, "multi@example.com")
    laptop = harness.user()
    await laptop.send("/login")
    await laptop.send("multi@example.com")
    await laptop.send(PASSWORD)
    assert "Pat Doe" in (await phone.send("/me"))[-1].text
    assert "Pat Doe" in (await laptop.send("/me"))[-1].text
    await laptop.send("/logout")
    assert "Pat Doe" in (await phone.send("/me"))[-1].text
    assert (await laptop.send("/me"))[-1].text == "Please /login first."


async def test_logging_in_again_in_a_chat_replaces_its_session(harness: Harness) -> None:
    chat = await _logged_in(harness, "first@example.com")
    await make_user(harness.services, "second@example.com", name="Second Person")
    await chat.send("/login")
    await chat.send("second@example.com")
    await chat.send(PASSWORD)
    assert "Second Person" in (await chat.send("/me"))[-1].text
    async with harness.services.session_factory() as s:
        live = (
            await s.scalars(
                select(ChatSession).where(
                    ChatSession.chat_id == chat.chat_id, ChatSession.revoked_at.is_(None)
                )
            )
        ).all()
    assert len(live) == 1


async def test_housekeeping_forgets_old_failed_logins(harness: Harness) -> None:
    chat = harness.user()
    for _ in range(3):
        await chat.send("/login")
        await chat.send("nobody@example.com")
        await chat.send("wrong-password")
    (job,) = harness.app.job_queue.get_jobs_by_name("housekeeping")
    await job.run(harness.app)
    assert await harness.scalar("SELECT count(*) FROM login_failures") == 3
    harness.clock.advance(timedelta(minutes=16))
    await job.run(harness.app)
    assert await harness.scalar("SELECT count(*) FROM login_failures") == 0
