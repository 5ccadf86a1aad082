"""Process set-up shared by the sub-commands: logging without secrets, the database, services."""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Final

from sqlalchemy import make_url

from bot.context import Services
from bot.settings import Settings, provision_embedded_secret
from db.clock import Clock, SystemClock
from db.embedded import start_embedded
from db.engine import make_engine, make_session_factory

# The clinic's own loggers follow LOG_LEVEL, DEBUG included; they never write what a user
# typed, a password, a token or an email address.
OWN_LOGGERS: Final = ("bot", "db")
# Below WARNING, libraries write what passes through them: each update with the user's message
# (passwords and invite links included), each Bot API call's parameters and results, SQL
# parameters, request URLs carrying the bot token. Only their warnings and errors get through,
# whatever LOG_LEVEL says, and without the data they carry.
LIBRARY_LEVEL: Final = logging.WARNING
_LIBRARIES: Final = (
    "telegram", "httpx", "httpcore", "sqlalchemy", "apscheduler", "alembic", "aiosmtplib",
    "psycopg", "tornado",
)  # fmt: skip
# What a library's warning may show of its arguments; anything else (an update, a request's
# data, a long text) is withheld.
_SHOWN: Final = (int, float, Enum, BaseException, timedelta, datetime)
_SHOWN_TEXT: Final = 200
# Whatever else slips into a line (an error's text, a traceback): anything shaped like a JWT or
# an invite link's token, and the mailbox of any email address.
_SHAPES: Final = (
    (re.compile(r"eyJ[\w-]*\.eyJ[\w-]*\.[\w-]+"), "***"),
    (re.compile(r"\binv_[\w-]{8,}"), "inv_***"),
    (re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@(?=[\w-]+(?:\.[\w-]+)+)"), "***@"),
)


def _own(name: str) -> bool:
    return any(name == own or name.startswith(f"{own}.") for own in OWN_LOGGERS)


def _shown(value: object) -> object:
    if value is None or isinstance(value, _SHOWN):
        return value
    if isinstance(value, str) and len(value) <= _SHOWN_TEXT:
        return value
    return f"<{type(value).__name__} withheld>"


class LibraryGate(logging.Filter):
    """Lets the clinic's own records through at every level, and other loggers' records only
    from WARNING up, with the data in their arguments withheld."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _own(record.name):
            return True
        if record.levelno < LIBRARY_LEVEL:
            return False
        if isinstance(record.args, tuple):
            record.args = tuple(_shown(arg) for arg in record.args)
        elif record.args:
            record.args = {key: _shown(value) for key, value in record.args.items()}
        return True


class RedactingFormatter(logging.Formatter):
    """Formats a record, traceback included, then replaces every secret the process knows,
    anything shaped like a JWT or an invite token, and email addresses' mailboxes, with
    ``***``."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        for shape, replacement in _SHAPES:
            text = shape.sub(replacement, text)
        return text


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
    """Log to stderr: the clinic's own lines at ``LOG_LEVEL``, libraries' warnings and errors
    only, every secret redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s", secrets_of(settings, database_url)
        )
    )
    handler.addFilter(LibraryGate())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Spares the libraries building lines that would be dropped (the gate drops them anyway).
    for name in _LIBRARIES:
        logging.getLogger(name).setLevel(max(LIBRARY_LEVEL, root.level))


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
