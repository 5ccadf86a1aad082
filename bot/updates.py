"""How updates are scheduled: each chat's one at a time, chats side by side, and fairly.

A chat's updates run in order (its conversation never races itself), different chats run
concurrently, and a chat that floods the bot cannot starve the others: it waits for its own
turn before taking one of the shared slots, and beyond a few queued updates its extra ones are
dropped, with one "slow down" notice a minute at most.

And a poll for more updates, which acknowledges the previous batch to Telegram, waits (briefly)
for that batch to be handled: :class:`HandledBeforeAcknowledged`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.ext import BaseUpdateProcessor
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

# Updates handled at once (each holds one database connection only while it runs, never while
# Telegram answers): enough to keep two CPUs busy, within the connection pool.
MAX_CONCURRENT_UPDATES = 16
MAX_QUEUED_PER_CHAT = 10
# PTB's own per-update slot: out of reach, the real limit is taken per chat turn.
UNBOUNDED = 1_000_000


# A flooding chat is told to slow down at most this often (its backlog may be worked through
# and fill up again several times in a flood that comes in batches).
SLOW_DOWN_EVERY = 60.0


@dataclass
class _ChatQueue:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """See the module docstring. ``on_dropped`` is told of the first update dropped in a
    burst (to send the notice).

    PTB takes its own slot for every update before handing it over; that limit is set out of
    reach here and the real one is taken only once the chat's turn has come, so a backlog of
    one chat holds a single slot.
    """

    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        max_queued_per_chat: int = MAX_QUEUED_PER_CHAT,
    ) -> None:
        super().__init__(UNBOUNDED)
        self.max_queued_per_chat = max_queued_per_chat
        self.on_dropped: Callable[[Update], Awaitable[None]] | None = None
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._chats: dict[int, _ChatQueue] = {}
        self._told: dict[int, float] = {}  # chat -> when it was last told to slow down
        self.dropped = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._slots:
                await coroutine
            return
        queue = self._chats.setdefault(chat.id, _ChatQueue())
        if queue.waiting >= self.max_queued_per_chat:
            self.dropped += 1
            if isinstance(coroutine, Coroutine):
                coroutine.close()
            if isinstance(update, Update) and self._may_tell(chat.id):
                await self._tell_dropped(update)
            return
        queue.waiting += 1
        try:
            # The chat's turn first, then a shared slot: a backlog holds at most one slot.
            async with queue.lock, self._slots:
                await coroutine
        finally:
            queue.waiting -= 1
            if queue.waiting == 0:
                del self._chats[chat.id]

    def _may_tell(self, chat_id: int) -> bool:
        """Whether to tell the chat to slow down now (not within SLOW_DOWN_EVERY of the last
        time); noted as told."""
        now = time.monotonic()
        if now - self._told.get(chat_id, -SLOW_DOWN_EVERY) < SLOW_DOWN_EVERY:
            return False
        if len(self._told) > 10_000:  # forget the chats told long ago
            self._told = {c: at for c, at in self._told.items() if now - at < SLOW_DOWN_EVERY}
        self._told[chat_id] = now
        return True

    async def _tell_dropped(self, update: Update) -> None:
        if self.on_dropped is None:
            return
        try:
            await self.on_dropped(update)
        except Exception:  # a notice about dropping must never fail the bot
            log.warning("could not tell a flooding chat to slow down", exc_info=True)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


# How long a poll for updates waits for the updates the previous poll fetched to be handled.
ACK_WAIT_SECONDS = 2.0


class HandledBeforeAcknowledged(BaseRequest):
    """The connection that polls for updates (``getUpdates``), holding each poll back until the
    updates the previous one fetched are handled.

    A poll acknowledges to Telegram every update fetched before it, and Telegram then forgets
    them; python-telegram-bot polls again as soon as a batch is queued. Held back until the
    application's queue is worked through (``Queue.join``: every update it was given is
    handled, or dropped as a flood's excess), a batch is acknowledged only once handled, so a
    process killed meanwhile loses nothing: Telegram hands the batch to the next one, which
    skips the updates whose change was already stored (see ``ChatRecord.handled``). A poll is
    held back at most :data:`ACK_WAIT_SECONDS`, so a slow update never holds up the others for
    long (what is still unhandled then is acknowledged as before).
    """

    def __init__(self, inner: BaseRequest, wait: float = ACK_WAIT_SECONDS) -> None:
        self.inner = inner
        self.wait = wait
        # The application's update queue, set once the application is built.
        self.queue: asyncio.Queue[object] | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self.queue is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.queue.join(), self.wait)
        return await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
