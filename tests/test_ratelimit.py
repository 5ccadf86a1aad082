"""Bulk sends are paced at Telegram's limit; a reply to a person never waits behind them."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.error import RetryAfter

from bot.ratelimit import ClinicRateLimiter, bulk


async def test_a_reply_goes_out_ahead_of_a_running_bulk_send() -> None:
    limiter = ClinicRateLimiter(messages_per_second=30)
    await limiter.initialize()
    order: list[str] = []

    async def call(name: str) -> bool:
        order.append(name)
        return True

    async def send(name: str) -> Any:
        return await limiter.process_request(
            call, (name,), {}, "sendMessage", {"chat_id": 1}, None
        )

    try:
        with bulk():
            reminders = [asyncio.create_task(send(f"reminder {i}")) for i in range(30)]
        await asyncio.sleep(0.05)  # the run has started: a few are out, most are waiting
        await send("reply")
        sent_before_reply = order.index("reply")
        assert sent_before_reply < 10, order
        await asyncio.gather(*reminders)
    finally:
        await limiter.shutdown()
    assert len(order) == 31


async def test_a_reply_still_honours_telegrams_retry_after() -> None:
    limiter = ClinicRateLimiter()
    await limiter.initialize()
    tries: list[int] = []

    async def flaky() -> bool:
        tries.append(1)
        if len(tries) == 1:
            raise RetryAfter(0.01)  # type: ignore[arg-type]
        return True

    try:
        assert await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 1}, None)
    finally:
        await limiter.shutdown()
    assert len(tries) == 2
