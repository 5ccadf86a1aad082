"""What an update costs the database: pinned, so waste cannot come back unnoticed.

A read-only command or button is one transaction of at most two statements (the chat's
conversation, session and user in one; what the handler shows in the other) and writes
nothing; a conversation step writes its new state once; nothing is written when nothing
changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.conftest import Harness
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser

CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Counts:
    statements: list[str] = field(default_factory=list)
    transactions: int = 0

    def clear(self) -> None:
        self.statements.clear()
        self.transactions = 0

    @property
    def writes(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().upper().startswith(WRITES)]


@pytest.fixture
def counts(connection: AsyncConnection) -> Iterator[Counts]:
    """Statements the bot sends on the test's connection; each of its transactions is a
    savepoint there (the test's own transaction is rolled back at the end)."""
    found = Counts()

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        text = " ".join(statement.split())
        if text.upper().startswith("SAVEPOINT"):
            found.transactions += 1
        if not text.upper().startswith(CONTROL):
            found.statements.append(text)

    event.listen(connection.sync_connection, "before_cursor_execute", before)
    yield found
    event.remove(connection.sync_connection, "before_cursor_execute", before)


async def _patient(h: Harness) -> tuple[ChatUser, int]:
    user = await make_user(h.services, "ana@example.com", name="Ana García")
    chat = h.user("Ana")
    await log_in_chat(chat, "ana@example.com")
    return chat, user.id


async def _measure(counts: Counts, action: Any) -> Counts:
    counts.clear()
    await action
    return Counts(list(counts.statements), counts.transactions)


async def test_me_and_help_cost_one_read(harness: Harness, counts: Counts) -> None:
    ana, _ = await _patient(harness)
    for command in ("/me", "/help", "/me"):
        spent = await _measure(counts, ana.send(command))
        assert spent.transactions == 1, (command, spent.statements)
        assert len(spent.statements) == 1, (command, spent.statements)
        assert spent.writes == [], command


async def test_appointments_and_its_buttons_cost_two_reads(
    harness: Harness, counts: Counts
) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, patient = await _patient(harness)
    for day in (2, 3):
        await book_directly(
            harness.services,
            patient_id=patient,
            doctor_id=house.user_id,
            starts_at=datetime(2026, 12, day, 9, 0, tzinfo=UTC),
        )
    spent = await _measure(counts, ana.send("/appointments"))
    assert (spent.transactions, len(spent.statements), spent.writes) == (1, 2, [])
    listing = ana.last
    for label in ("1. ", "« All appointments", "Past appointments"):
        spent = await _measure(counts, ana.press(label, listing))
        assert spent.transactions == 1, label
        assert len(spent.statements) <= 2, (label, spent.statements)
        assert spent.writes == [], label


async def test_a_conversation_step_writes_its_state_once(harness: Harness, counts: Counts) -> None:
    await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    spent = await _measure(counts, ana.send("/book"))
    assert spent.transactions == 1
    assert [w.split()[2] for w in spent.writes] == ["chats"]
    spent = await _measure(counts, ana.press("Cardiology"))
    assert spent.transactions == 1 and [w.split()[2] for w in spent.writes] == ["chats"]
    # A read-only command while the booking waits writes nothing.
    spent = await _measure(counts, ana.send("/me"))
    assert (spent.transactions, len(spent.statements), spent.writes) == (1, 1, [])
    # Nor does an answer that leaves the step as it was.
    spent = await _measure(counts, ana.send("a doctor I cannot name"))
    assert spent.writes == []
    # Nor a stale button.
    spent = await _measure(counts, ana.press_data("ap:c:999999"))
    assert spent.writes == []


async def test_each_booking_step_reads_what_it_needs_once(
    harness: Harness, counts: Counts
) -> None:
    await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    steps = {}
    steps["/book"] = await _measure(counts, ana.send("/book"))
    for label in ("Cardiology", "House", "Wed 2 Dec", "10:00"):
        steps[label] = await _measure(counts, ana.press(label))
    spent = {name: len(c.statements) for name, c in steps.items()}
    assert {name: c.transactions for name, c in steps.items()} == dict.fromkeys(steps, 1)
    # The session read, the step's own reads (never twice), the state written once.
    assert spent == {
        "/book": 4, "Cardiology": 4, "House": 7, "Wed 2 Dec": 7, "10:00": 7,
    }, spent  # fmt: skip
