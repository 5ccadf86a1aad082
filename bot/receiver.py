"""Standby that takes over: of the bot processes on one database, one receives updates.

With long polling, Telegram serves one receiver per bot and answers any other with 409
Conflict. So every ``clinic-bot run`` process tries for the receiver lock (:mod:`db.receiver`)
every :data:`RETRY_SECONDS`; the one that holds it polls, the others stand by. Every process
sends the outbox whichever it is, and every update reads its chat's conversation from
PostgreSQL, so it does not matter which process receives it.

The receiver stops polling the moment it loses the lock's connection (the database went away,
or the connection was cut), before any other process can take the lock; when it dies, the
server frees the lock and a process standing by starts polling within a few seconds. Updates
that arrive meanwhile wait at Telegram. While the database is unreachable nobody polls.

In webhook mode there is no lock: every replica receives what Telegram posts to it, and the
dispatcher handles each chat's updates one at a time across them (a per-chat advisory lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Updater

from bot.delivery import brief
from db.receiver import CONNECTION_ERRORS, ReceiverLock

log = logging.getLogger(__name__)

# How often a process standing by tries for the lock.
RETRY_SECONDS: Final = 3.0


class UpdateReceiver:
    """Polls for updates while this process holds the receiver lock (see the module docstring);
    :attr:`receiving` says whether it does now."""

    def __init__(
        self,
        updater: Updater,
        lock: ReceiverLock,
        *,
        poll_timeout: int = 30,
        retry_every: float = RETRY_SECONDS,
    ) -> None:
        self.updater = updater
        self.lock = lock
        self.poll_timeout = poll_timeout
        self.retry_every = retry_every
        self.receiving = False

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set: stand by, or receive while the lock is held. Returns with
        polling stopped and the lock given back."""
        standing_by = unreachable = False
        try:
            while not stop.is_set():
                try:
                    held = await self.lock.acquire()
                except CONNECTION_ERRORS as exc:
                    held = False
                    if not unreachable:
                        log.warning(
                            "Cannot reach the database for the receiver lock (%s); "
                            "not receiving updates until it is back",
                            type(exc).__name__,
                        )
                    unreachable = True
                else:
                    unreachable = False
                if held:
                    standing_by = False
                    await self._receive(stop)
                elif not standing_by and not unreachable:
                    standing_by = True
                    log.info("Standing by: another bot process receives updates")
                await _wait(stop, self.retry_every)
        finally:
            await self._stop_polling("stopping")
            await self.lock.release()

    async def _receive(self, stop: asyncio.Event) -> None:
        """Poll until the lock's connection is lost or ``stop`` is set."""
        try:
            await self.updater.start_polling(
                allowed_updates=Update.ALL_TYPES, timeout=self.poll_timeout
            )
        except TelegramError as exc:
            log.warning("Could not start receiving updates (%s); trying again", brief(exc))
            await self.lock.release()
            return
        self.receiving = True
        log.info("Receiving updates by long polling")
        lost = asyncio.create_task(self.lock.wait_lost(), name="receiver-lock")
        stopped = asyncio.create_task(stop.wait(), name="receiver-stop")
        try:
            await asyncio.wait((lost, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (lost, stopped):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if not stop.is_set():
            await self._stop_polling("lost the database connection holding the receiver lock")
            await self.lock.release()

    async def _stop_polling(self, why: str) -> None:
        if self.updater.running:
            await self.updater.stop()
        if self.receiving:
            self.receiving = False
            log.info("Stopped receiving updates: %s", why)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
