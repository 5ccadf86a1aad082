"""The upgrade that brings confirmed addresses (revision 0010), on a database holding accounts
from before it, both ways; and what ``clinic-bot create-admin`` does to an address."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from alembic import command
from sqlalchemy import select

from bot.context import Services
from db.accounts import create_or_promote_admin
from db.migrate import alembic_config
from db.models import ChatSession, Delivery, User
from tests.conftest import Harness
from tests.factories import log_in_chat, make_user, password_hash

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

OLD_ACCOUNTS = """
INSERT INTO users (id, email, name, role, created_at) VALUES
  (1, 'boss@example.com', 'The Boss', 'admin', %(now)s),
  (2, 'house@example.com', 'Dr. House', 'doctor', %(now)s),
  (3, 'ana@example.com', 'Ana', 'patient', %(now)s)
"""


def _sql(url: str, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def at_0009(scratch_database: str) -> str:
    """A scratch database taken back to the schema before confirmed addresses, with accounts."""
    command.downgrade(alembic_config(scratch_database), "0013")
    _sql(scratch_database, OLD_ACCOUNTS, now=NOW)
    return scratch_database


def test_upgrade_confirms_only_admins_and_frees_unconfirmed_addresses(at_0009: str) -> None:
    command.upgrade(alembic_config(at_0009), "0014")
    assert _sql(at_0009, "SELECT id, email_verified_at IS NOT NULL FROM users ORDER BY id") == [
        (1, True),
        (2, False),
        (3, False),
    ]
    # An unconfirmed patient's address blocks nobody...
    _sql(
        at_0009,
        "INSERT INTO users (id, email, name, role) VALUES (4, 'ana@example.com', 'Ana 2', "
        "'patient')",
    )
    _sql(
        at_0009,
        "UPDATE users SET email_verified_at = now() WHERE id = 4",
    )
    # ...but an address is held by one account at most: a confirmed one, or staff's.
    for role, verified in (("patient", "now()"), ("doctor", "NULL")):
        with pytest.raises(psycopg.errors.UniqueViolation):
            _sql(
                at_0009,
                "INSERT INTO users (email, name, role, email_verified_at) VALUES "
                f"('ana@example.com', 'Another', '{role}', {verified})",
            )
    with pytest.raises(psycopg.errors.UniqueViolation):
        _sql(
            at_0009,
            "INSERT INTO users (email, name, role) VALUES ('house@example.com', 'X', 'doctor')",
        )


def test_downgrade_gives_shared_addresses_their_own(at_0009: str) -> None:
    config = alembic_config(at_0009)
    command.upgrade(config, "0014")
    _sql(
        at_0009,
        "INSERT INTO users (id, email, name, role, email_verified_at) VALUES "
        "(4, 'ana@example.com', 'Ana 2', 'patient', now()), "
        "(5, 'house@example.com', 'Greg the patient', 'patient', NULL), "
        "(6, 'solo@example.com', 'Solo', 'patient', NULL)",
    )
    _sql(
        at_0009,
        "INSERT INTO deliveries (recipient_id, kind, channel, due_at, next_attempt_at, status, "
        "attempts, created_at, updated_at) VALUES "
        "(3, 'email_claimed', 'telegram', now(), now(), 'pending', 0, now(), now())",
    )
    command.downgrade(config, "0013")
    assert _sql(at_0009, "SELECT id, email FROM users ORDER BY id") == [
        (1, "boss@example.com"),
        (2, "house@example.com"),
        (3, "ana+unconfirmed-3@example.com"),
        (4, "ana@example.com"),
        (5, "house+unconfirmed-5@example.com"),
        (6, "solo@example.com"),
    ]
    assert _sql(at_0009, "SELECT count(*) FROM deliveries") == [(0,)]
    command.upgrade(config, "head")


async def _sessions(services: Services, user_id: int) -> list[int]:
    async with services.session_factory() as s:
        rows = await s.scalars(
            select(ChatSession.chat_id).where(
                ChatSession.user_id == user_id, ChatSession.revoked_at.is_(None)
            )
        )
        return list(rows.all())


async def test_create_admin_vouches_for_the_address(harness: Harness) -> None:
    services = harness.services
    first = await make_user(services, "boss@example.com", name="Early Bird", verified=False)
    later = await make_user(
        services, "boss@example.com", name="Late Comer", verified=False, password="other pass"
    )
    chat = harness.user("Someone")
    await log_in_chat(chat, "boss@example.com")
    assert await _sessions(services, first.id) == [chat.chat_id]

    async with services.transaction() as s:
        admin, created = await create_or_promote_admin(
            s,
            email="boss@example.com",
            name="The Boss",
            password_hash=await password_hash("the boss's password"),
            now=harness.clock.now(),
        )
    # The oldest account of the address is promoted, its address confirmed, its sessions
    # ended (whoever was logged in to it may not be the admin); the other one is told.
    assert (admin.id, created) == (first.id, False)
    assert await _sessions(services, first.id) == []
    async with services.session_factory() as s:
        users = {u.id: u for u in (await s.scalars(select(User))).all()}
        notices = (await s.scalars(select(Delivery.recipient_id))).all()
    assert users[first.id].role == "admin" and users[first.id].email_verified_at is not None
    assert users[later.id].email_verified_at is None
    assert notices == [later.id]

    # Run again, it promotes the same account (it now holds the address).
    async with services.transaction() as s:
        again, created = await create_or_promote_admin(
            s, email="boss@example.com", name="The Boss", password_hash="x"
        )
    assert (again.id, created) == (first.id, False)
