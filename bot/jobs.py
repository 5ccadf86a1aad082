"""Jobs on PTB's JobQueue: sending the outbox (one pass per channel), the doctors' daily
agendas, housekeeping; and :func:`kick_deliveries`, which sends what a change just queued.

The sending itself is the delivery worker's (:mod:`bot.delivery`): claims owned by this live
process, outcomes kept until recorded, chat and email independent of each other.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from bot.context import ClinicContext, Services
from bot.delivery import DATABASE_ERRORS, DeliveryWorker, brief
from bot.senders import BATCHES, CHAT_BATCH, EMAIL_BATCH, senders
from db.accounts import prune_login_failures
from db.deliveries import enqueue_agendas, sync_offsets
from db.doctors import day_bounds
from db.email_codes import prune_email_codes
from db.models import Channel
from db.phones import repair_legacy_phones

log = logging.getLogger(__name__)

CHAT_JOB = "deliveries-telegram"
EMAIL_JOB = "deliveries-email"
KICK_JOB = "deliveries-now"
AGENDA_JOB = "agendas"
AGENDA_RETRY_JOB = "agendas-again"

_workers: weakref.WeakKeyDictionary[Any, DeliveryWorker] = weakref.WeakKeyDictionary()


def attach_worker(application: Any, services: Services) -> DeliveryWorker:
    """The application's delivery worker (created here, once): it sends through the
    application's bot, and runs its passes when a takeover or the database's return makes
    work due at once."""
    worker = _workers.get(application)
    if worker is None:
        worker = DeliveryWorker(
            services,
            senders(application.bot),
            batch=dict(BATCHES),
            on_recovered=lambda: _kick(application),
        )
        _workers[application] = worker
    return worker


def worker_of(application: Any) -> DeliveryWorker:
    worker = _workers.get(application)
    if worker is None:
        raise RuntimeError("the application has no delivery worker")
    return worker


def _kick(application: Any) -> None:
    queue = application.job_queue
    if queue is not None:
        queue.run_once(deliver_due, when=0, name=KICK_JOB)


def kick_deliveries(context: ClinicContext) -> None:
    """Send what a change just queued (notices, confirmations) now, not at the next scan.
    Call it once the change is committed."""
    _kick(context.application)


async def deliver_due(context: ClinicContext) -> None:
    """Send everything due, on every channel."""
    await worker_of(context.application).run_all()


async def deliver_chat(context: ClinicContext) -> None:
    """The chat channel's scan."""
    await worker_of(context.application).run(Channel.TELEGRAM)


async def deliver_email(context: ClinicContext) -> None:
    """The email channel's scan."""
    await worker_of(context.application).run(Channel.EMAIL)


async def deliver_pending(
    bot: Any, services: Services, batch: int | None = None, *, chat_batch: int | None = None
) -> int:
    """Send everything due now as a worker of its own, then deregister; how many deliveries
    were handled. For tools and tests; a running bot uses its application's worker."""
    sizes = {
        Channel.TELEGRAM: chat_batch or batch or CHAT_BATCH,
        Channel.EMAIL: batch or EMAIL_BATCH,
    }
    worker = DeliveryWorker(services, senders(bot), batch=sizes)
    try:
        return await worker.run_all()
    finally:
        await worker.close()


# --- start-up, agendas, housekeeping ------------------------------------------------------------


async def repair_phones(services: Services) -> None:
    """Store in E.164 the numbers older versions kept as typed (``+0412…``), read as numbers
    of ``CLINIC_COUNTRY``."""
    country = services.settings.clinic_country
    if country is None:
        return
    async with services.transaction() as s:
        repaired = await repair_legacy_phones(s, country)
    if repaired:
        log.info("Phone numbers stored in E.164: %s", repaired)


async def apply_reminder_offsets(services: Services) -> None:
    """Bring upcoming appointments' reminders in line with ``REMINDER_OFFSETS``."""
    async with services.transaction() as s:
        created, dropped = await sync_offsets(
            s, services.settings.reminder_offsets, services.clock.now()
        )
    if created or dropped:
        log.info("Reminder offsets applied: %s reminders created, %s dropped", created, dropped)


async def housekeeping(context: ClinicContext) -> None:
    """Forget failed logins older than the throttle window, and old emailed codes."""
    services = context.services
    try:
        async with services.transaction() as s:
            await prune_login_failures(s, now=services.clock.now())
            await prune_email_codes(s, now=services.clock.now())
    except DATABASE_ERRORS as exc:  # the next hour's run catches up
        log.warning("Housekeeping skipped: %s", brief(exc))


async def queue_agendas(services: Services) -> int:
    """Queue today's agendas not queued yet, once the configured time has come; how many."""
    settings = services.settings
    now = services.clock.now()
    local = now.astimezone(settings.timezone)
    if local.time() < settings.doctor_agenda_time:
        return 0
    start, end = day_bounds(local.date(), local.date(), settings.timezone)
    async with services.transaction() as s:
        return await enqueue_agendas(s, day=local.date(), start=start, end=end, now=now)


async def send_agendas(context: ClinicContext) -> None:
    """Queue each doctor's agenda of today (once a day) and send it. While the database is
    unreachable, it tries again every scan period."""
    try:
        queued = await queue_agendas(context.services)
    except DATABASE_ERRORS as exc:
        log.warning("Could not queue today's agendas, trying again soon: %s", brief(exc))
        queue: Any = context.job_queue
        if queue is not None:
            queue.run_once(
                send_agendas,
                when=context.services.settings.reminder_scan_seconds,
                name=AGENDA_RETRY_JOB,
            )
        return
    if queued:
        await worker_of(context.application).run(Channel.TELEGRAM)


async def send_agendas_now(bot: Any, services: Services) -> int:
    """Queue today's agendas and send what is due; how many agendas were queued."""
    queued = await queue_agendas(services)
    if queued:
        await deliver_pending(bot, services)
    return queued
