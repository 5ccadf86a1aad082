"""Errors tell the truth: after a stored change the user hears it was made; the error is logged
with its traceback; no view can exceed Telegram's message limit."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.outbox import fit, visible_length
from tests.conftest import Harness
from tests.factories import book_directly, log_in_chat, make_doctor, make_user

SAVED = (
    "Your change was saved, but I could not show the result. Please send the command again "
    "to see it."
)


async def test_a_reply_failing_after_a_stored_change_says_it_was_made(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    user = await make_user(harness.services, "ana@example.com", name="Ana García")
    appt = await book_directly(
        harness.services,
        patient_id=user.id,
        doctor_id=house.user_id,
        starts_at=datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
    )
    ana = harness.user("Ana")
    await log_in_chat(ana, "ana@example.com")
    listing = (await ana.send("/appointments"))[-1]
    await ana.press("1. ", listing)
    await ana.press("Cancel", listing)
    # Telegram fails to show the result.
    harness.telegram.fail_next("editMessageText", 500, "Internal Server Error")
    with caplog.at_level(logging.ERROR):
        await ana.press("Yes, cancel", listing)
    assert ana.last.text == SAVED
    status = await harness.scalar("SELECT status FROM appointments WHERE id = :id", id=appt.id)
    assert status == "cancelled"
    assert any("Error while handling an update" in r.message for r in caplog.records)
    assert any(r.exc_info for r in caplog.records)
    harness.errors.clear()  # the failure was expected here


async def test_a_failure_before_anything_is_stored_says_nothing_changed(
    harness: Harness,
) -> None:
    await make_user(harness.services, "ana@example.com", name="Ana García")
    ana = harness.user("Ana")
    await log_in_chat(ana, "ana@example.com")
    harness.telegram.fail_next("sendMessage", 500, "Internal Server Error")
    await ana.send("/me")
    assert ana.last.text.startswith("Sorry, something went wrong on our side. Nothing was changed")
    harness.errors.clear()


def test_an_overlong_view_is_cut_to_whole_lines_within_the_limit() -> None:
    lines = [
        f"<b>{i:04d}</b> Tom &amp; Jerry &lt;MD&gt; — a long line of a long list"
        for i in range(200)
    ]
    text = "\n".join(lines)
    assert visible_length(text) > 4096
    cut = fit(text)
    assert visible_length(cut) <= 4096
    assert cut.endswith("\n…")
    kept = cut.split("\n")[:-1]
    assert kept == lines[: len(kept)]  # whole lines, tags balanced
    assert fit("short") == "short"
