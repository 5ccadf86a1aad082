"""Process set-up shared by the sub-commands: logging without secrets, the database, services."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any

from sqlalchemy import make_url

from bot.context import Services
from bot.settings import Settings, provision_embedded_secret
from db.clock import Clock, SystemClock
from db.embedded import start_embedded
from db.engine import make_engine, make_session_factory


class RedactingFilter(logging.Filter):
    """Replaces every configured secret in log records with ``***``."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def secrets_of(settings: Settings, database_url: str | None = None) -> list[str]:
    """Every secret value the process knows, for redaction."""
    values = []
    if settings.telegram_token:
        values.append(settings.telegram_token.get())
    if settings.jwt_secret:
        values.append(settings.jwt_secret.get())
    if settings.email:
        values.append(settings.email.password.get())
    for url in (settings.database_url, database_url):
        if url:
            password = make_url(url).password
            if password:
                values.append(str(password))
    return values


def configure_logging(settings: Settings, database_url: str | None = None) -> None:
    """Log to stderr at ``LOG_LEVEL`` with every secret redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets_of(settings, database_url)))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # httpx logs every request URL, and Bot API URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@dataclass
class Database:
    url: str
    server: Any = None  # the embedded server handle, kept alive while the process runs


def open_database(settings: Settings) -> tuple[Settings, Database]:
    """Start the embedded server when there is no ``DATABASE_URL``; provision its JWT secret."""
    if settings.database_url is not None:
        return settings, Database(settings.database_url)
    url, server = start_embedded(settings.data_dir)
    return provision_embedded_secret(settings), Database(url, server)


def make_services(settings: Settings, database: Database, clock: Clock | None = None) -> Services:
    """The services a running bot uses."""
    from bot.mailer import Mailer, SmtpConfig

    engine = make_engine(database.url)
    mailer = None
    if settings.email is not None:
        mailer = Mailer(
            SmtpConfig(
                host=settings.email.host,
                port=settings.email.port,
                security=settings.email.security,
                username=settings.email.user,
                password=settings.email.password.get(),
                from_name=settings.email.from_name,
                timeout=settings.email.timeout,
            )
        )
    return Services(
        settings=settings,
        session_factory=make_session_factory(engine),
        clock=clock or SystemClock(),
        mailer=mailer,
    )
