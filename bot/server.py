"""Running the bot: long polling or a webhook, with a health endpoint on ``PORT`` either way."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import signal
from typing import Any

from sqlalchemy import text
from telegram import Update
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot.application import ClinicApplication, start_services, stop_services

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"


def webhook_secret(token: str) -> str:
    """The secret Telegram echoes in ``X-Telegram-Bot-Api-Secret-Token`` (not the token itself)."""
    return hmac.new(token.encode(), b"clinic-bot webhook", hashlib.sha256).hexdigest()


class HealthHandler(RequestHandler):
    def initialize(self, app: ClinicApplication) -> None:
        self.app = app

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
        self.finish(json.dumps({"status": "ok" if healthy else "unhealthy", "database": database}))


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


def web_application(app: ClinicApplication, *, webhook: bool) -> WebApplication:
    """The HTTP routes: ``/health`` always, the webhook only in webhook mode."""
    routes: list[Any] = [(r"/health", HealthHandler, {"app": app})]
    if webhook:
        token = app.bot.token
        routes.append(
            (WEBHOOK_PATH, WebhookHandler, {"app": app, "secret": webhook_secret(token)})
        )
    return WebApplication(routes)


async def serve(
    app: ClinicApplication,
    *,
    port: int,
    webhook_url: str | None,
    stop: asyncio.Event | None = None,
    poll_timeout: int = 30,
    host: str = "0.0.0.0",  # noqa: S104 - the container's published port
) -> None:
    """Run until SIGINT/SIGTERM (or ``stop``): polling, or the webhook at ``webhook_url``."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # platforms without signals
                loop.add_signal_handler(sig, stop.set)
    http = HTTPServer(web_application(app, webhook=webhook_url is not None))
    http.listen(port, address=host)
    async with app:
        await start_services(app)
        await app.start()
        if webhook_url is not None:
            url = webhook_url.rstrip("/") + WEBHOOK_PATH
            await app.bot.set_webhook(
                url, secret_token=webhook_secret(app.bot.token), allowed_updates=Update.ALL_TYPES
            )
            log.info("Receiving updates by webhook on port %s", port)
        else:
            assert app.updater is not None
            await app.bot.delete_webhook()
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=poll_timeout)
            log.info("Receiving updates by long polling; health on port %s", port)
        await stop.wait()
        log.info("Stopping")
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await stop_services(app)
        await app.stop()
    http.stop()
