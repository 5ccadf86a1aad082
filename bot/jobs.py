"""Jobs on PTB's JobQueue: delivering reminders and confirmations, and doctors' daily agendas.

Deliveries are claimed from PostgreSQL in short transactions (``FOR UPDATE SKIP LOCKED`` under
a lease), sent, and settled with their outcome, so several bot processes can run these jobs on
one database without sending anything twice, and a crash loses nothing. The two channels are
sent side by side: a failure of one never holds up the other.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.callbacks import AskCancel, Reschedule
from bot.context import ClinicContext, Services
from bot.formatting import clock, long_date, when
from bot.mailer import EmailAppointment, EmailKind, MailError, build_email
from bot.notify import notify_user
from bot.texts import language_of, t
from db.accounts import live_chats_for, prune_login_failures
from db.booking import AppointmentView, appointment_views, schedule
from db.deliveries import (
    Claimed,
    claim_agenda,
    claim_due,
    doctors_to_brief,
    retry_later,
    settle,
    sync_offsets,
)
from db.doctors import day_bounds
from db.models import Channel, DeliveryKind, DeliveryStatus

log = logging.getLogger(__name__)

DELIVERY_JOB = "deliveries"
AGENDA_JOB = "agendas"
BATCH = 200
# Sends in flight at once; the rate limiter paces them to Telegram's limits.
TELEGRAM_CONCURRENCY = 32
MAX_BATCHES_PER_RUN = 500

_EMAIL_KINDS = {
    DeliveryKind.REMINDER: EmailKind.REMINDER,
    DeliveryKind.BOOKED: EmailKind.BOOKED,
    DeliveryKind.RESCHEDULED: EmailKind.RESCHEDULED,
    DeliveryKind.CANCELLED: EmailKind.CANCELLED,
}


def lead_text(lang: str, remaining: timedelta) -> str:
    """``24 hours``, ``1 hour``, ``45 minutes``: how far off the appointment is, rounded."""
    minutes = max(1, round(remaining.total_seconds() / 60))
    if minutes < 60:
        rounded = max(5, round(minutes / 5) * 5) if minutes >= 5 else minutes
        return t(lang, "reminder.minutes", n=rounded)
    hours = round(minutes / 60)
    if hours < 48:
        return t(lang, "reminder.hour" if hours == 1 else "reminder.hours", n=hours)
    return t(lang, "reminder.days", n=round(hours / 24))


def reminder_buttons(lang: str, appointment_id: int) -> InlineKeyboardMarkup:
    """Cancel / Reschedule: the same buttons as in /appointments."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, "reminder.cancel"),
                    callback_data=AskCancel(appointment=appointment_id).pack(),
                ),
                InlineKeyboardButton(
                    t(lang, "reminder.reschedule"),
                    callback_data=Reschedule(appointment=appointment_id).pack(),
                ),
            ]
        ]
    )


def kick_deliveries(context: ClinicContext) -> None:
    """Send what a change just queued (confirmation emails) now, not at the next scan."""
    if context.job_queue is not None:
        context.job_queue.run_once(deliver_due, when=0, name="deliveries-now")  # type: ignore[arg-type]


async def deliver_due(context: ClinicContext) -> None:
    """Send every due reminder and confirmation, batch after batch, until none is due."""
    await deliver_pending(context.bot, context.services)


async def deliver_pending(bot: Any, services: Services, batch: int = BATCH) -> int:
    """Claim and send due deliveries until none is left; how many were handled."""
    handled = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        async with services.transaction() as s:
            claimed = await claim_due(s, now=services.clock.now(), limit=batch)
        if not claimed:
            break
        handled += len(claimed)
        async with services.transaction() as s:
            views = await appointment_views(s, [c.appointment_id for c in claimed])
        chat = [c for c in claimed if c.channel is Channel.TELEGRAM]
        mail = [c for c in claimed if c.channel is Channel.EMAIL]
        results = await asyncio.gather(
            _send_telegram(bot, services, chat, views),
            _send_email(services, mail, views),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                # Unsent rows stay leased and are retried when the lease expires.
                log.error("a delivery channel failed unexpectedly", exc_info=result)
    return handled


async def _settle(
    services: Services, claimed: Claimed, status: DeliveryStatus, error: str | None = None
) -> None:
    async with services.transaction() as s:
        await settle(
            s, delivery_id=claimed.id, status=status, now=services.clock.now(), error=error
        )


async def _retry(
    services: Services, claimed: Claimed, error: str, after: timedelta | None = None
) -> None:
    async with services.transaction() as s:
        outcome = await retry_later(
            s,
            delivery_id=claimed.id,
            attempts=claimed.attempts,
            now=services.clock.now(),
            error=error,
            after=after,
        )
    if outcome is DeliveryStatus.FAILED:
        log.warning(
            "gave up on delivery %s after %s attempts: %s", claimed.id, claimed.attempts, error
        )


# --- Telegram -----------------------------------------------------------------------------------


async def _send_telegram(
    bot: Any, services: Services, claimed: list[Claimed], views: dict[int, AppointmentView]
) -> None:
    if not claimed:
        return
    gate = asyncio.Semaphore(TELEGRAM_CONCURRENCY)
    async with services.transaction() as s:
        chats = await live_chats_for(
            s,
            user_ids=[view.patient_id for view in views.values()],
            now=services.clock.now(),
        )

    async def one(item: Claimed) -> None:
        async with gate:
            view = views.get(item.appointment_id)
            try:
                await _send_one_telegram(
                    bot, services, item, view, chats.get(view.patient_id, []) if view else []
                )
            except Exception as exc:  # one bad row never stops the batch
                log.exception("telegram delivery %s failed", item.id)
                await _retry(services, item, f"internal: {type(exc).__name__}")

    await asyncio.gather(*(one(item) for item in claimed))


async def _send_one_telegram(
    bot: Any,
    services: Services,
    item: Claimed,
    view: AppointmentView | None,
    chats: list[int],
) -> None:
    if view is None:
        await _settle(services, item, DeliveryStatus.SKIPPED, "appointment gone")
        return
    if not chats:
        await _settle(
            services, item, DeliveryStatus.SKIPPED, "the patient has no chat with the bot"
        )
        return
    lang = language_of(view.patient_language)
    tz = services.settings.timezone
    text = t(
        lang,
        "reminder.chat",
        lead=lead_text(lang, view.starts_at - services.clock.now()),
        doctor=view.doctor_name,
        specialty=view.specialty,
        when=when(lang, view.starts_at, view.ends_at, tz),
    )
    sent, blocked, errors = 0, 0, []
    retry_after: float | None = None
    for chat_id in chats:
        try:
            await bot.send_message(chat_id, text, reply_markup=reminder_buttons(lang, view.id))
            sent += 1
        except Forbidden as exc:
            blocked += 1
            errors.append(f"chat blocked the bot: {exc.message}")
        except RetryAfter as exc:
            retry_after = max(retry_after or 0, _seconds(exc.retry_after))
            errors.append(f"rate limited: retry after {exc.retry_after}")
        except BadRequest as exc:
            errors.append(f"refused: {exc.message}")
        except TelegramError as exc:
            errors.append(f"{type(exc).__name__}: {exc.message}")
    if sent:
        await _settle(services, item, DeliveryStatus.SENT, "; ".join(errors) or None)
    elif blocked == len(chats):
        # Not retried: the patient blocked the bot. Email still goes on its own row.
        await _settle(services, item, DeliveryStatus.FAILED, errors[0])
    elif retry_after is not None:
        await _retry(services, item, "; ".join(errors), after=timedelta(seconds=retry_after))
    else:
        await _retry(services, item, "; ".join(errors))


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# --- email --------------------------------------------------------------------------------------


def email_appointment(view: AppointmentView, services: Services) -> EmailAppointment:
    """The appointment as the mailer writes about it."""
    return EmailAppointment(
        appointment_id=view.id,
        sequence=view.version,
        patient_name=view.patient_name,
        patient_email=view.patient_email,
        doctor_name=view.doctor_name,
        specialty=view.specialty,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        timezone=services.settings.timezone,
        language=language_of(view.patient_language),
    )


async def _send_email(
    services: Services, claimed: list[Claimed], views: dict[int, AppointmentView]
) -> None:
    if not claimed:
        return
    mailer = services.mailer
    if mailer is None:
        for item in claimed:
            await _settle(services, item, DeliveryStatus.SKIPPED, "email is not configured")
        return
    try:
        async with mailer.connection() as conn:
            for item in claimed:
                view = views.get(item.appointment_id)
                if view is None:
                    await _settle(services, item, DeliveryStatus.SKIPPED, "appointment gone")
                    continue
                lead = (
                    view.starts_at - services.clock.now()
                    if item.kind is DeliveryKind.REMINDER
                    else None
                )
                message = build_email(
                    _EMAIL_KINDS[item.kind],
                    email_appointment(view, services),
                    sender=mailer.config,
                    lead=lead,
                    now=services.clock.now(),
                )
                try:
                    await conn.send(message)
                except MailError as exc:
                    if exc.permanent:
                        await _settle(services, item, DeliveryStatus.FAILED, str(exc))
                    else:
                        await _retry(services, item, str(exc))
                    continue
                await _settle(services, item, DeliveryStatus.SENT)
    except MailError as exc:
        # The server could not be reached or refused the login: the whole batch waits.
        log.warning("email delivery unavailable: %s", exc)
        async with services.transaction() as s:
            for item in claimed:
                await retry_later(
                    s,
                    delivery_id=item.id,
                    attempts=item.attempts,
                    now=services.clock.now(),
                    error=str(exc),
                )


# --- start-up and agendas -----------------------------------------------------------------------


async def apply_reminder_offsets(services: Services) -> None:
    """Bring upcoming appointments' reminders in line with ``REMINDER_OFFSETS``."""
    async with services.transaction() as s:
        created, dropped = await sync_offsets(
            s, services.settings.reminder_offsets, services.clock.now()
        )
    if created or dropped:
        log.info("Reminder offsets applied: %s reminders created, %s dropped", created, dropped)


async def housekeeping(context: ClinicContext) -> None:
    """Forget failed logins older than the throttle window."""
    services = context.services
    async with services.transaction() as s:
        await prune_login_failures(s, now=services.clock.now())


async def send_agendas(context: ClinicContext) -> None:
    """Send each doctor with appointments today their agenda, once per day."""
    await send_agendas_now(context.bot, context.services)


async def send_agendas_now(bot: Any, services: Services) -> int:
    """Send today's agendas not sent yet (after the configured time); how many were sent."""
    settings = services.settings
    now = services.clock.now()
    tz = settings.timezone
    local = now.astimezone(tz)
    if local.time() < settings.doctor_agenda_time:
        return 0
    today: date = local.date()
    start, end = day_bounds(today, today, tz)
    async with services.transaction() as s:
        doctor_ids = await doctors_to_brief(s, start=start, end=end, now=now)
    sent = 0
    for doctor_id in doctor_ids:
        async with services.transaction() as s:
            if not await claim_agenda(s, doctor_id=doctor_id, day=today, now=now):
                continue
            items = await schedule(s, doctor_id=doctor_id, start=start, end=end)

        def render(lang: str, items: list[AppointmentView] = items) -> str:
            header = t(
                lang,
                "agenda.header",
                name=items[0].doctor_name,
                date=long_date(lang, today),
                zone=tz.key,
                count=len(items),
            )
            lines = [
                t(
                    lang,
                    "agenda.line",
                    start=clock(item.starts_at, tz),
                    end=clock(item.ends_at, tz),
                    patient=item.patient_name,
                    phone=item.patient_phone or "—",
                )
                for item in items
            ]
            return "\n".join([header, *lines])

        if items and await notify_user(bot, services, doctor_id, render):
            sent += 1
    return sent
