"""One chat flooding the bot cannot starve the others (issue: nobody starved)."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.updates import MAX_QUEUED_PER_CHAT
from tests.conftest import Harness

FLOOD = 600


async def _until(condition: object, rounds: int = 4000) -> None:
    for _ in range(rounds):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("not answered")


async def test_a_flood_of_600_messages_does_not_hold_up_another_chat(harness: Harness) -> None:
    flooder = harness.user("Flo")
    other = harness.user("Otto")
    app = harness.app
    await app.start()
    try:
        for index in range(FLOOD):
            update = Update.de_json(flooder.message_update(f"spam {index}"), app.bot)
            await app.update_queue.put(update)
        await app.update_queue.put(Update.de_json(other.message_update("/help"), app.bot))
        await _until(lambda: harness.telegram.bot_messages(other.chat_id))
        answered_before_help = len(harness.telegram.bot_messages(flooder.chat_id))
        # The other chat's /help came before the flood was worked through: at most the
        # flooder's queue bound was handled ahead of it.
        assert answered_before_help <= MAX_QUEUED_PER_CHAT + 2
        assert "/register" in harness.telegram.bot_messages(other.chat_id)[0].text
        await _until(lambda: app.update_queue.empty())
        await asyncio.sleep(0.2)
    finally:
        await app.stop()
    texts = [m.text for m in harness.telegram.bot_messages(flooder.chat_id)]
    slow_down = [t for t in texts if t.startswith("You are sending messages faster")]
    assert len(slow_down) == 1
    # What was queued within the bound was answered; the rest was dropped, not queued.
    answered = [t for t in texts if "didn't understand" in t]
    assert MAX_QUEUED_PER_CHAT <= len(answered) <= MAX_QUEUED_PER_CHAT + 1


async def test_a_flood_in_several_bursts_is_told_to_slow_down_once(harness: Harness) -> None:
    """A flood fetched in batches fills the chat's queue again and again: the chat is told to
    slow down once, not once a batch."""
    flooder = harness.user("Flo")
    app = harness.app
    await app.start()
    try:
        for _burst in range(3):
            for index in range(3 * MAX_QUEUED_PER_CHAT):
                update = Update.de_json(flooder.message_update(f"spam {index}"), app.bot)
                await app.update_queue.put(update)
            await asyncio.wait_for(app.update_queue.join(), 30)
    finally:
        await app.stop()
    texts = [m.text for m in harness.telegram.bot_messages(flooder.chat_id)]
    slow_down = [t for t in texts if t.startswith("You are sending messages faster")]
    assert len(slow_down) == 1
    answered = [t for t in texts if "didn't understand" in t]
    assert len(answered) >= 3 * MAX_QUEUED_PER_CHAT  # each burst's share was answered
