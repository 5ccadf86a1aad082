"""The delivery worker: this process's side of the outbox.

**Claims belong to a live worker.** The worker registers in ``delivery_workers`` and beats every
``DELIVERY_TAKEOVER_SECONDS / 4``; the rows it claims stay its own for as long as it beats, so
no lease runs out under it, however slow a batch. A worker that stops beating (``kill -9``, a
crash, a lost host) is taken for dead after ``DELIVERY_TAKEOVER_SECONDS`` by any other worker's
next beat, which releases its claims and sends them at once (:mod:`db.workers`).

**Outcomes are kept until recorded.** Each send's outcome is kept in the process and recorded
as soon as the database takes it; while it cannot (the database is down), the outcome is kept
and the row is not claimed again by this worker, and no other worker may take the row: the
database's own uptime and this worker's beats decide, see below. Outcomes are recorded at the
next successful beat, before any claim.

**Nobody takes over because of an outage.** A worker takes others for dead only when its own
beats have succeeded without a gap for a full takeover delay, and (in SQL) only when the
database has been up that long too. After a database restart, or a network cut that hid the
database from everyone, every worker gets a full delay to beat again and record its outcomes.

**A worker that cannot beat stops sending.** Beyond half the takeover delay without a
successful beat it starts no new send, so a worker cut off alone from the database stops before
others may take over its rows; what it had in flight is all that can be sent twice.

**Each channel has its own pass.** Chat and email are sent by separate passes with their own
timeouts: a hung mail server never holds up a chat message, nor Telegram an email. A pass runs
batch after batch until nothing is due; asked to run while running, it goes round once more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy.exc import SQLAlchemyError

from bot.context import Services
from db.deliveries import Claimed, Outcome, Result, claim_due, record
from db.models import Channel
from db.workers import beat, leave, reap

log = logging.getLogger(__name__)

MAX_BATCHES_PER_PASS: Final = 500
# Errors that mean the database is unreachable or failing, not a bug in a row.
DATABASE_ERRORS: Final = (SQLAlchemyError, OSError, TimeoutError)

Sender = Callable[["DeliveryWorker", list[Claimed]], Awaitable[None]]


@dataclass
class _Pass:
    running: bool = False
    wanted: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


class DeliveryWorker:
    """Sends the outbox from this process (see the module docstring).

    ``senders`` sends one claimed batch of a channel, telling the worker each row's outcome
    with :meth:`keep`, and checking :meth:`may_send` before each send.
    """

    def __init__(
        self,
        services: Services,
        senders: dict[Channel, Sender],
        *,
        batch: dict[Channel, int],
        on_recovered: Callable[[], None] | None = None,
    ) -> None:
        self.services = services
        self.id = uuid.uuid4().hex
        self.label = f"{socket.gethostname()}:{os.getpid()}"
        self.senders = senders
        self.batch = batch
        # Told when takeover or recovery made work due at once (to run the passes).
        self.on_recovered = on_recovered
        takeover = services.settings.delivery_takeover.total_seconds()
        self.takeover = services.settings.delivery_takeover
        self.beat_every = takeover / 4
        self.fence = takeover / 2
        self._held: dict[int, Outcome] = {}
        self._passes = {channel: _Pass() for channel in senders}
        self._last_beat: float | None = None  # monotonic time of the last successful beat
        self._connected_since: float | None = None  # start of the current run of beats
        self._joined = False
        self._outage_logged = False
        self._keepalive: asyncio.Task[None] | None = None
        self._flushing: asyncio.Task[bool] | None = None
        self._flush_lock = asyncio.Lock()
        self._start_lock = asyncio.Lock()
        self.closing = False

    # --- life ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Register and start beating (once); later calls return at once."""
        async with self._start_lock:
            if self._keepalive is not None or self.closing:
                return
            await self.beat_once()
            self._keepalive = asyncio.create_task(self._beat_forever(), name=f"beat-{self.id}")

    async def stop(self) -> None:
        """Start no new batch or send; wait for the passes running now to finish."""
        self.closing = True
        for state in self._passes.values():
            if state.running:
                await state.done.wait()

    async def close(self) -> None:
        """Stop, record what is held, release the claims left and deregister."""
        await self.stop()
        if self._keepalive is not None:
            self._keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keepalive
            self._keepalive = None
        if not self._joined:
            return
        if not await self.flush():
            log.warning(
                "Stopping with %d delivery outcome(s) unrecorded: the database is unreachable",
                len(self._held),
            )
            return
        try:
            async with self.services.transaction() as s:
                await leave(s, worker_id=self.id)
        except DATABASE_ERRORS as exc:
            log.warning("Could not deregister the delivery worker: %s", brief(exc))
        self._joined = False

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.beat_every)
            try:
                await self.beat_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the heartbeat must outlive any one failure
                log.exception("delivery heartbeat failed")

    async def beat_once(self) -> None:
        """Beat; then record held outcomes and take over dead workers' claims."""
        was_down = self._last_beat is not None and not self.may_send()
        try:
            async with self.services.transaction() as s:
                alive = await beat(s, worker_id=self.id, label=self.label)
        except DATABASE_ERRORS as exc:
            self._connected_since = None
            if not self._outage_logged:
                self._outage_logged = True
                log.warning(
                    "Delivery heartbeat failed (%s); %d outcome(s) kept until the database "
                    "is back",
                    brief(exc),
                    len(self._held),
                )
            return
        now = time.monotonic()
        if self._last_beat is None or now - self._last_beat > self.fence:
            self._connected_since = now
        self._last_beat = now
        if self._outage_logged:
            self._outage_logged = False
            log.info("Delivery heartbeat is back; recording %d kept outcome(s)", len(self._held))
        if self._joined and not alive:
            log.warning(
                "This process was taken for dead by another and its delivery claims released; "
                "sends it had in flight may arrive twice"
            )
        self._joined = True
        recorded = await self.flush()
        taken = await self._take_over() if recorded else 0
        if (taken or was_down) and recorded and self.on_recovered is not None:
            self.on_recovered()

    async def _take_over(self) -> int:
        if self._connected_since is None:
            return 0
        if time.monotonic() - self._connected_since < self.takeover.total_seconds():
            return 0
        try:
            async with self.services.transaction() as s:
                dead = await reap(s, me=self.id, takeover=self.takeover)
        except DATABASE_ERRORS as exc:
            log.warning("Could not look for stopped delivery workers: %s", brief(exc))
            return 0
        if dead:
            log.warning("Took over the deliveries of %d stopped process(es)", len(dead))
        return len(dead)

    def may_send(self) -> bool:
        """Whether this worker's claims are surely still its own: it beat recently."""
        if self.closing or self._last_beat is None:
            return False
        return time.monotonic() - self._last_beat < self.fence

    # --- outcomes ------------------------------------------------------------------------------

    @property
    def held(self) -> int:
        """Outcomes kept and not recorded yet."""
        return len(self._held)

    def keep(self, outcome: Outcome) -> None:
        """Keep ``outcome`` until it is recorded; recording starts now, in the background."""
        self._held[outcome.delivery_id] = outcome
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self.flush())

    async def flush(self) -> bool:
        """Record every held outcome; False when the database would not take them."""
        async with self._flush_lock:
            while self._held:
                batch = dict(self._held)
                try:
                    async with self.services.transaction() as s:
                        await record(s, worker=self.id, outcomes=batch.values())
                except DATABASE_ERRORS as exc:
                    log.debug("delivery outcomes kept: %s", brief(exc))
                    return False
                for delivery_id, outcome in batch.items():
                    if self._held.get(delivery_id) is outcome:
                        del self._held[delivery_id]
        return True

    # --- passes --------------------------------------------------------------------------------

    async def run(self, channel: Channel) -> int:
        """Send everything due on ``channel``; how many rows this call handled. When a pass of
        the channel is running, it is asked to go round once more and this returns 0."""
        state = self._passes[channel]
        state.wanted = True
        if state.running:
            return 0
        state.running = True
        state.done.clear()
        handled = 0
        try:
            await self.start()
            while state.wanted and not self.closing:
                state.wanted = False
                handled += await self._drain(channel)
        finally:
            state.running = False
            state.done.set()
        return handled

    async def run_all(self) -> int:
        """Every channel's pass, side by side."""
        counts = await asyncio.gather(*(self.run(channel) for channel in self._passes))
        return sum(counts)

    async def _drain(self, channel: Channel) -> int:
        handled = 0
        for _ in range(MAX_BATCHES_PER_PASS):
            if not self.may_send() or not await self.flush():
                break
            try:
                async with self.services.transaction() as s:
                    claimed = await claim_due(
                        s,
                        worker=self.id,
                        channel=channel,
                        now=self.services.clock.now(),
                        limit=self.batch[channel],
                        held=set(self._held),
                    )
            except DATABASE_ERRORS as exc:
                log.warning("Could not claim %s deliveries: %s", channel.value, brief(exc))
                break
            if not claimed:
                break
            handled += len(claimed)
            try:
                await self.senders[channel](self, claimed)
            except DATABASE_ERRORS as exc:
                # Unsent rows stay claimed by this worker: its next pass takes them again.
                log.warning("A %s batch stopped: %s", channel.value, brief(exc))
                break
        await self.flush()
        return handled

    def release(self, claimed: Iterable[Claimed]) -> None:
        """Give back claimed rows that were not tried (stopping, or cut off)."""
        now = self.services.clock.now()
        for item in claimed:
            self.keep(Outcome(item.id, Result.UNTRIED, now))


def brief(exc: BaseException) -> str:
    """One line about a database or network error, without its SQL or parameters."""
    original = getattr(exc, "orig", None)
    detail = str(original if original is not None else exc).strip().splitlines()
    return f"{type(original or exc).__name__}: {detail[0] if detail else ''}"[:200]
