"""``build_application``: the one place that wires handlers, groups and jobs."""

from __future__ import annotations

import logging
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
    TypeHandler,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import jobs, senders
from bot.context import BotData, ChatData, ClinicContext, Services, UserData
from bot.dispatch import Dispatcher
from bot.handlers import common
from bot.handlers.accounts import invite, login, register, reset, session, verify
from bot.handlers.admin import (
    add_doctor,
    add_staff,
    closures,
    deactivation,
    doctors,
    edit_doctor,
    reminders,
    staff,
    stats,
    stats_export,
)
from bot.handlers.booking import appointments, flow, visit, waitlist
from bot.handlers.doctor import hours, schedule
from bot.handlers.frontdesk import offers, patients, visits
from bot.menus import set_default_menus
from bot.ratelimit import ClinicRateLimiter
from bot.routes import RouteTable
from bot.texts import language_of, t
from bot.updates import HandledBeforeAcknowledged, PerChatUpdateProcessor

log = logging.getLogger(__name__)

ClinicApplication = Application[Any, ClinicContext, UserData, ChatData, BotData, Any]


def route_table() -> RouteTable:
    """Every journey's routes, in the order menus and /help list them."""
    return RouteTable(
        common.ENTRY,
        register.ROUTES,
        login.ROUTES,
        reset.ROUTES,
        invite.ROUTES,
        session.ROUTES,
        patients.ROUTES,
        verify.ROUTES,
        flow.ROUTES,
        appointments.ROUTES,
        visit.ROUTES,
        waitlist.ROUTES,
        schedule.ROUTES,
        hours.ROUTES,
        visits.ROUTES,
        offers.ROUTES,
        add_doctor.ROUTES,
        doctors.ROUTES,
        add_staff.ROUTES,
        staff.ROUTES,
        closures.ROUTES,
        deactivation.ROUTES,
        edit_doctor.ROUTES,
        reminders.ROUTES,
        stats.ROUTES,
        stats_export.ROUTES,
        common.GENERAL,
    )


def build_application(
    services: Services,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    polling: bool = True,
    rate_limiter: bool = True,
) -> ClinicApplication:
    """The bot for ``services``; tests pass a fake ``request`` and ``polling=False``."""
    settings = services.settings
    token = settings.require_token().get()
    api = settings.telegram_api_url
    processor = PerChatUpdateProcessor()
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=ClinicContext, bot_data=BotData))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(processor)
    )
    if rate_limiter:
        # Bulk sends paced at 30 a second; replies never wait behind them (bot/ratelimit.py).
        builder = builder.rate_limiter(ClinicRateLimiter())  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request)
    else:
        # Reminders are sent side by side; the rate limiter, not the pool, sets the pace.
        builder = builder.connection_pool_size(senders.TELEGRAM_CONCURRENCY).pool_timeout(30)
    polls: HandledBeforeAcknowledged | None = None
    if polling:
        # A poll acknowledges what the previous one fetched only once it is handled.
        inner = updates_request or request or HTTPXRequest(connection_pool_size=1)
        polls = HandledBeforeAcknowledged(inner)
        builder = builder.get_updates_request(polls)
    else:
        builder = builder.updater(None)
    application: ClinicApplication = builder.build()
    if polls is not None:
        polls.queue = application.update_queue
    jobs.attach_worker(application, services)
    application.bot_data.services = services
    routes = route_table()
    application.bot_data.routes = routes
    dispatcher = Dispatcher(routes, lock_chats=settings.webhook_url is not None)
    application.add_handler(TypeHandler(Update, dispatcher.handle))
    application.add_error_handler(common.report_error)

    async def slow_down(update: Update) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is not None:
            language = language_of(user.language_code if user else None)
            await application.bot.send_message(chat.id, t(language, "common.slow_down"))

    processor.on_dropped = slow_down
    _add_jobs(application)
    return application


def _add_jobs(app: ClinicApplication) -> None:
    settings = app.bot_data.services.settings
    queue = app.job_queue
    if queue is None:  # pragma: no cover - the job-queue extra is a dependency
        raise RuntimeError("python-telegram-bot's job queue is not installed")
    once = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    # One scan per channel, each on its own: a slow mail server never holds up chat messages.
    # A scan that finds its channel's pass running asks it to go round again, and returns.
    scan = {"max_instances": 2, "coalesce": True, "misfire_grace_time": None}
    for callback, name in (
        (jobs.deliver_chat, jobs.CHAT_JOB),
        (jobs.deliver_email, jobs.EMAIL_JOB),
    ):
        queue.run_repeating(
            callback,
            interval=settings.reminder_scan_seconds,
            first=1,
            name=name,
            job_kwargs=scan,
        )
    queue.run_daily(
        jobs.send_agendas,
        time=settings.doctor_agenda_time.replace(tzinfo=settings.timezone),
        name=jobs.AGENDA_JOB,
        job_kwargs=once,
    )
    queue.run_repeating(jobs.housekeeping, interval=3600, first=60, name="housekeeping")
    # A bot started after the agenda time still sends today's agendas.
    queue.run_once(jobs.send_agendas, when=5, name="agendas-at-start")


async def start_services(app: ClinicApplication) -> None:
    """What runs once the bot is initialised: default menus, reminders for the configured
    offsets, phone numbers of older versions in E.164, the delivery worker's registration,
    start-up notices."""
    services = app.bot_data.services
    await set_default_menus(app.bot, app.bot_data.routes)
    await jobs.apply_reminder_offsets(services)
    await jobs.repair_phones(services)
    await jobs.worker_of(app).start()
    if services.mailer is None:
        log.warning(
            "EMAIL_USER/EMAIL_PASS are not set: the email channel is OFF; "
            "reminders go by Telegram only and email reminders are recorded as skipped"
        )


async def stop_services(app: ClinicApplication) -> None:
    """Before the bot stops: the delivery worker starts no new send, lets the sends under way
    end, records their outcomes, gives back its other claims and deregisters."""
    await jobs.worker_of(app).close()
