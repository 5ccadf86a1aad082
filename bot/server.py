"""Running the bot: long polling (while this process holds the receiver lock, see
:mod:`bot.receiver`) or a webhook, with a health endpoint on ``PORT`` either way."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from telegram import Update
from telegram.error import InvalidToken, NetworkError
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot.application import ClinicApplication, start_services, stop_services
from bot.delivery import brief
from bot.receiver import UpdateReceiver
from db.receiver import ReceiverLock

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
# Waits between attempts to reach the Bot API at start: doubling from the first to the last.
CONNECT_RETRY_FIRST = 1.0
CONNECT_RETRY_LAST = 30.0


def webhook_secret(token: str) -> str:
    """The secret Telegram echoes in ``X-Telegram-Bot-Api-Secret-Token`` (not the token itself)."""
    return hmac.new(token.encode(), b"clinic-bot webhook", hashlib.sha256).hexdigest()


class HealthHandler(RequestHandler):
    """``GET /health``: 200 while the bot runs and the database answers; ``updates`` says
    whether this process receives updates (``receiving``) or stands by (``standby``)."""

    def initialize(self, app: ClinicApplication, receiver: UpdateReceiver | None) -> None:
        self.app = app
        self.receiver = receiver

    async def get(self) -> None:
        services = self.app.bot_data.services
        try:
            async with services.session_factory() as s:
                await s.execute(text("SELECT 1"))
            database = "ok"
        except Exception as exc:  # reported as unhealthy, never raised
            log.warning("health check: database unreachable: %s", type(exc).__name__)
            database = "unreachable"
        healthy = database == "ok" and self.app.running
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json")
        receiving = self.receiver is None or self.receiver.receiving
        self.finish(
            json.dumps(
                {
                    "status": "ok" if healthy else "unhealthy",
                    "database": database,
                    "updates": "receiving" if receiving else "standby",
                }
            )
        )


class WebhookHandler(RequestHandler):
    def initialize(self, app: ClinicApplication, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given, self.secret):
            self.set_status(403)
            self.finish()
            return
        try:
            payload: Any = json.loads(self.request.body)
            update = Update.de_json(payload, self.app.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            self.finish()
            return
        if update is not None:
            await self.app.update_queue.put(update)
        self.set_status(200)
        self.finish()


def web_application(
    app: ClinicApplication, *, receiver: UpdateReceiver | None = None
) -> WebApplication:
    """The HTTP routes: ``/health`` always; the webhook in webhook mode (no ``receiver``)."""
    routes: list[Any] = [(r"/health", HealthHandler, {"app": app, "receiver": receiver})]
    if receiver is None:
        token = app.bot.token
        routes.append(
            (WEBHOOK_PATH, WebhookHandler, {"app": app, "secret": webhook_secret(token)})
        )
    return WebApplication(routes)


def database_url_of(app: ClinicApplication) -> URL:
    """The database the application's sessions use."""
    bind = app.bot_data.services.session_factory.kw.get("bind")
    if isinstance(bind, AsyncConnection):
        bind = bind.engine
    if not isinstance(bind, AsyncEngine):
        raise RuntimeError("the application's sessions are not bound to a database")
    return bind.url


async def serve(
    app: ClinicApplication,
    *,
    port: int,
    webhook_url: str | None,
    stop: asyncio.Event | None = None,
    poll_timeout: int = 30,
    host: str = "0.0.0.0",  # noqa: S104 - the container's published port
    lock: ReceiverLock | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (or ``stop``): the webhook at ``webhook_url``, or long polling
    while this process holds the receiver ``lock`` (by default, on the application's
    database)."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # platforms without signals
                loop.add_signal_handler(sig, stop.set)
    receiver = None
    if webhook_url is None:
        assert app.updater is not None
        receiver = UpdateReceiver(
            app.updater, lock or ReceiverLock(database_url_of(app)), poll_timeout=poll_timeout
        )
    http = HTTPServer(web_application(app, receiver=receiver))
    http.listen(port, address=host)
    try:
        if await _reach_telegram(app.initialize, stop):
            try:
                await _run(app, receiver, stop, port=port, webhook_url=webhook_url)
            finally:
                await app.shutdown()
    finally:
        http.stop()


async def _reach_telegram(call: Callable[[], Awaitable[object]], stop: asyncio.Event) -> bool:
    """Make ``call`` to the Bot API, trying again while Telegram cannot be reached, until
    ``stop``; False when stopped first. A refused token is raised: waiting will not change it."""
    wait = CONNECT_RETRY_FIRST
    while True:
        try:
            await call()
            return True
        except InvalidToken:
            raise
        except NetworkError as exc:  # timeouts included
            log.warning(
                "Cannot reach the Telegram Bot API (%s); trying again in %.0f s", brief(exc), wait
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
            return False
        wait = min(wait * 2, CONNECT_RETRY_LAST)


async def _run(
    app: ClinicApplication,
    receiver: UpdateReceiver | None,
    stop: asyncio.Event,
    *,
    port: int,
    webhook_url: str | None,
) -> None:
    """Serve the initialised ``app`` until ``stop``."""
    await start_services(app)
    await app.start()
    try:
        if receiver is None:
            assert webhook_url is not None
            url = webhook_url.rstrip("/") + WEBHOOK_PATH
            registered = await _reach_telegram(
                lambda: app.bot.set_webhook(
                    url,
                    secret_token=webhook_secret(app.bot.token),
                    allowed_updates=Update.ALL_TYPES,
                ),
                stop,
            )
            if registered:
                log.info("Receiving updates by webhook on port %s", port)
                await stop.wait()
        else:
            log.info("Health on port %s; long polling while no other process does", port)
            await _receive_until(receiver, stop)
    finally:
        log.info("Stopping")
        await stop_services(app)
        await app.stop()


async def _receive_until(receiver: UpdateReceiver, stop: asyncio.Event) -> None:
    """Run ``receiver`` until ``stop``; when it fails, the process stops (and its error is
    raised) rather than run on without ever receiving."""
    receiving = asyncio.create_task(receiver.run(stop), name="receiver")
    stopped = asyncio.create_task(stop.wait(), name="stop")
    await asyncio.wait((receiving, stopped), return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    await stopped
    await receiving  # stops polling and gives the lock back; raises what made it fail
