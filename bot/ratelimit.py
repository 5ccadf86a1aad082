"""Telegram's flood limits, kept without making a patient wait behind a reminder run.

Bulk sends — reminders, notices, agendas, sent by the delivery worker inside :func:`bulk` —
are paced at ``MESSAGES_PER_SECOND``, one every 1/30 s with no burst. Replies to a person's own
update (an answer, an edited screen) are not queued behind them: Telegram's limit is about
broadcasts, and a reply waits only when Telegram itself answers 429, whose ``retry_after`` is
honoured (and retried) either way.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter, BaseRateLimiter

MESSAGES_PER_SECOND: Final = 30
MAX_RETRIES: Final = 3

_BULK: ContextVar[bool] = ContextVar("clinic_bulk_send", default=False)


@contextmanager
def bulk() -> Iterator[None]:
    """Bot API calls made inside (and in tasks started inside) are paced as bulk sends."""
    token = _BULK.set(True)
    try:
        yield
    finally:
        _BULK.reset(token)


class ClinicRateLimiter(BaseRateLimiter[int]):
    """Bulk sends paced, replies only held by a 429 (see the module docstring)."""

    def __init__(self, messages_per_second: float = MESSAGES_PER_SECOND) -> None:
        self._bulk = AIORateLimiter(
            overall_max_rate=1,
            overall_time_period=1 / messages_per_second,
            max_retries=MAX_RETRIES,
        )
        self._replies = AIORateLimiter(
            overall_max_rate=0, overall_time_period=0, max_retries=MAX_RETRIES
        )

    async def initialize(self) -> None:
        await self._bulk.initialize()
        await self._replies.initialize()

    async def shutdown(self) -> None:
        await self._bulk.shutdown()
        await self._replies.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        limiter = self._bulk if _BULK.get() else self._replies
        return await limiter.process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
