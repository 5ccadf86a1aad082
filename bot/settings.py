"""Typed settings built from the environment (and ``.env`` when present) by :func:`load_settings`.

Every problem is reported as a :class:`ConfigError` naming the variable and the fix, so the program
can stop with one clear line. Secrets are kept in :class:`Secret`, which never prints its value.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

DEFAULT_API_URL: Final = "https://api.telegram.org"
MIN_SECRET_LENGTH: Final = 32
# Values that appear in examples, tutorials and the old system: never accepted as a secret.
PLACEHOLDER_SECRETS: Final = frozenset(
    {
        "secret",
        "secret123",
        "changeme",
        "change-me",
        "change-this",
        "your-secret",
        "your_secret",
        "jwt_secret",
        "jwtsecret",
        "mysecret",
        "supersecret",
        "password",
    }
)
PLACEHOLDER_MARKERS: Final = ("change", "replace", "example", "placeholder", "your_", "your-")
SECRET_FILE_NAME: Final = "jwt_secret"


class ConfigError(Exception):
    """A configuration problem: ``str()`` is one line naming the variable and the fix."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class Secret:
    """A string that never shows itself in ``repr``/``str`` (and so never in logs)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class EmailSettings:
    user: str
    password: Secret
    host: str
    port: int
    security: Literal["starttls", "ssl", "none"]
    from_name: str
    # Seconds to wait for the server to connect or answer one command (DATA included).
    timeout: float = 30.0


@dataclass(frozen=True)
class ClinicIdentity:
    """The clinic as patients know it: named in /start, in "please call" texts, in emails
    (subject and signature) and in the calendar file. Empty strings are unset."""

    name: str = "Clinic"
    address: str = ""
    phone: str = ""
    map_url: str = ""


@dataclass(frozen=True)
class Settings:
    telegram_token: Secret | None
    telegram_api_url: str
    database_url: str | None  # None: the embedded server in data_dir
    data_dir: Path
    jwt_secret: Secret | None  # None only with the embedded database, before it is provisioned
    email: EmailSettings | None
    timezone: ZoneInfo
    reminder_offsets: tuple[timedelta, ...]
    reminder_scan_seconds: int
    port: int
    webhook_url: str | None
    log_level: str
    booking_horizon_days: int = 30
    min_notice: timedelta = timedelta(hours=1)
    cancel_window: timedelta = timedelta(hours=2)
    max_upcoming: int = 3
    doctor_agenda_time: time = time(7, 30)
    session_ttl: timedelta = field(default=timedelta(hours=24))
    session_idle: timedelta = timedelta(days=30)
    conversation_timeout: timedelta = timedelta(minutes=30)
    # How long a delivery send waits for the Bot API's answer before it counts as failed.
    telegram_send_timeout: float = 30.0
    # A delivery worker that has not beaten for this long is taken for dead, and its claims
    # are taken over (it beats four times as often).
    delivery_takeover: timedelta = timedelta(seconds=10)
    clinic: ClinicIdentity = field(default_factory=ClinicIdentity)
    # The clinic's country (ISO 3166 code, e.g. "ES"): phone numbers typed without "+" are
    # read as its numbers, and its numbers are shown in their national format.
    clinic_country: str | None = None

    @property
    def embedded_database(self) -> bool:
        return self.database_url is None

    def require_token(self) -> Secret:
        if self.telegram_token is None:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN",
                "is not set; create a bot with @BotFather and set its token",
            )
        return self.telegram_token

    def require_jwt_secret(self) -> Secret:
        if self.jwt_secret is None:
            raise ConfigError("JWT_SECRET", "is not set; generate one with: openssl rand -hex 32")
        return self.jwt_secret


_TOKEN_RE: Final = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_OFFSET_RE: Final = re.compile(r"^(\d+)\s*([dhm])$")
_EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(name, f"must be between {low} and {high}, got {value}")
    return value


def parse_offsets(raw: str) -> tuple[timedelta, ...]:
    """Parse ``REMINDER_OFFSETS`` (``24h,1h``, ``2d``, ``30m``): distinct offsets, descending."""
    offsets: set[timedelta] = set()
    for part in raw.split(","):
        part = part.strip().lower()
        if not part:
            continue
        match = _OFFSET_RE.match(part)
        if not match:
            raise ConfigError(
                "REMINDER_OFFSETS",
                f"cannot read {part!r}; use a comma list like 24h,1h (units d, h, m)",
            )
        number, unit = int(match.group(1)), match.group(2)
        delta = {"d": timedelta(days=number), "h": timedelta(hours=number)}.get(
            unit, timedelta(minutes=number)
        )
        if delta <= timedelta(0) or delta > timedelta(days=60):
            raise ConfigError("REMINDER_OFFSETS", f"{part!r} must be between 1m and 60d")
        offsets.add(delta)
    return tuple(sorted(offsets, reverse=True))


def _database_url(raw: str) -> str:
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
        raise ConfigError(
            "DATABASE_URL",
            "must be a PostgreSQL URL like postgresql://user:password@host:5432/clinic",
        )
    if not (parts.hostname or "host=" in parts.query) or not parts.path.strip("/"):
        raise ConfigError(
            "DATABASE_URL",
            "must name a host and a database, like postgresql://user:password@host:5432/clinic",
        )
    try:
        _ = parts.port
    except ValueError:
        raise ConfigError("DATABASE_URL", "has an invalid port number") from None
    return raw


def is_weak_secret(value: str) -> bool:
    """True for secrets that are short, well known or obviously placeholders."""
    lowered = value.strip().lower()
    if len(value) < MIN_SECRET_LENGTH or lowered in PLACEHOLDER_SECRETS:
        return True
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return True
    return len(set(value)) < 8


def _jwt_secret(env: Mapping[str, str], external_db: bool) -> Secret | None:
    raw = env.get("JWT_SECRET", "")
    if not raw.strip():
        if external_db:
            raise ConfigError(
                "JWT_SECRET",
                "is required with DATABASE_URL; generate one with: openssl rand -hex 32",
            )
        return None
    if is_weak_secret(raw):
        raise ConfigError(
            "JWT_SECRET",
            f"is too weak (a placeholder, or under {MIN_SECRET_LENGTH} characters); "
            "generate one with: openssl rand -hex 32",
        )
    return Secret(raw)


def _email(env: Mapping[str, str]) -> EmailSettings | None:
    user = env.get("EMAIL_USER", "").strip()
    password = env.get("EMAIL_PASS", "")
    if not user and not password:
        return None
    if not user:
        raise ConfigError("EMAIL_USER", "is required when EMAIL_PASS is set (the Gmail address)")
    if not _EMAIL_RE.match(user):
        raise ConfigError("EMAIL_USER", f"must be an email address, got {user!r}")
    security = env.get("SMTP_SECURITY", "starttls").strip().lower() or "starttls"
    if security not in ("starttls", "ssl", "none"):
        raise ConfigError("SMTP_SECURITY", "must be starttls, ssl or none")
    if not password and security != "none":
        raise ConfigError(
            "EMAIL_PASS", "is required when EMAIL_USER is set (a Gmail app password)"
        )
    return EmailSettings(
        user=user,
        password=Secret(password),
        host=env.get("SMTP_HOST", "").strip() or "smtp.gmail.com",
        port=_int(env, "SMTP_PORT", 465 if security == "ssl" else 587, 1, 65535),
        security=security,  # type: ignore[arg-type]
        from_name=env.get("EMAIL_FROM_NAME", "").strip() or "Clinic App",
        timeout=float(_int(env, "SMTP_TIMEOUT_SECONDS", 30, 1, 600)),
    )


def _clock_time(env: Mapping[str, str], name: str, default: time) -> time:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ConfigError(name, f"must be a time of day like 07:30, got {raw!r}")
    return time(int(match.group(1)), int(match.group(2)))


MAX_CLINIC_NAME: Final = 80
MAX_CLINIC_ADDRESS: Final = 200
MAX_MAP_URL: Final = 500
_PHONE_RE: Final = re.compile(r"^\+?[0-9 ()./-]+$")


def _one_line(env: Mapping[str, str], name: str, limit: int) -> str:
    raw = env.get(name, "")
    if any(ord(char) < 32 or ord(char) == 127 for char in raw):
        raise ConfigError(name, "must be one line of text without control characters")
    value = " ".join(raw.split())
    if len(value) > limit:
        raise ConfigError(name, f"must be at most {limit} characters, got {len(value)}")
    return value


def _clinic(env: Mapping[str, str]) -> ClinicIdentity:
    name = _one_line(env, "CLINIC_NAME", MAX_CLINIC_NAME) or "Clinic"
    address = _one_line(env, "CLINIC_ADDRESS", MAX_CLINIC_ADDRESS)
    phone = _one_line(env, "CLINIC_PHONE", 32)
    digits = sum(char.isdigit() for char in phone)
    if phone and (not _PHONE_RE.match(phone) or not 6 <= digits <= 15):
        raise ConfigError(
            "CLINIC_PHONE",
            f"must be a phone number like +34 910 123 456 (digits, spaces, + - ( ) .), "
            f"got {phone!r}",
        )
    map_url = env.get("CLINIC_MAP_URL", "").strip()
    if map_url:
        parts = urlsplit(map_url)
        unsafe = any(char.isspace() or char in "\"'<>`" for char in map_url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or unsafe:
            raise ConfigError(
                "CLINIC_MAP_URL",
                "must be an http(s) link without spaces or quotes, like "
                "https://maps.example.com/?q=Calle+Mayor+1",
            )
        if len(map_url) > MAX_MAP_URL:
            raise ConfigError("CLINIC_MAP_URL", f"must be at most {MAX_MAP_URL} characters")
    return ClinicIdentity(name=name, address=address, phone=phone, map_url=map_url)


def _country(env: Mapping[str, str]) -> str | None:
    raw = env.get("CLINIC_COUNTRY", "").strip()
    if not raw:
        return None
    code = raw.upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(
            "CLINIC_COUNTRY",
            f"unknown country {raw!r}; use a two-letter ISO 3166 code like ES, AR or AU",
        )
    return code


def settings_from_env(env: Mapping[str, str]) -> Settings:
    """Build and validate :class:`Settings` from a mapping of environment variables."""
    token_raw = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if token_raw and not _TOKEN_RE.match(token_raw):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN", "does not look like a BotFather token (123456:ABC...)"
        )
    api_url = (env.get("TELEGRAM_API_URL", "").strip() or DEFAULT_API_URL).rstrip("/")
    api_parts = urlsplit(api_url)
    if api_parts.scheme not in ("http", "https") or not api_parts.hostname:
        raise ConfigError(
            "TELEGRAM_API_URL", "must be an http(s) URL like https://api.telegram.org"
        )

    db_raw = env.get("DATABASE_URL", "").strip()
    database_url = _database_url(db_raw) if db_raw else None

    tz_name = env.get("CLINIC_TIMEZONE", "").strip() or "UTC"
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "CLINIC_TIMEZONE",
            f"unknown time zone {tz_name!r}; use an IANA name like Europe/Madrid",
        ) from None

    offsets = parse_offsets(env.get("REMINDER_OFFSETS", "") or "24h,1h")
    if not offsets:
        raise ConfigError("REMINDER_OFFSETS", "is empty; use a comma list like 24h,1h")

    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    if webhook_url and not webhook_url.lower().startswith("https://"):
        raise ConfigError("WEBHOOK_URL", "must be a public https:// URL (or unset for polling)")

    log_level = (env.get("LOG_LEVEL", "").strip() or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError("LOG_LEVEL", "must be DEBUG, INFO, WARNING, ERROR or CRITICAL")

    return Settings(
        telegram_token=Secret(token_raw) if token_raw else None,
        telegram_api_url=api_url,
        database_url=database_url,
        data_dir=Path(env.get("DATA_DIR", "").strip() or "data").expanduser(),
        jwt_secret=_jwt_secret(env, external_db=database_url is not None),
        email=_email(env),
        timezone=timezone,
        reminder_offsets=offsets,
        reminder_scan_seconds=_int(env, "REMINDER_SCAN_SECONDS", 60, 1, 3600),
        port=_int(env, "PORT", 3000, 1, 65535),
        webhook_url=webhook_url,
        log_level=log_level,
        booking_horizon_days=_int(env, "BOOKING_HORIZON_DAYS", 30, 1, 365),
        min_notice=timedelta(minutes=_int(env, "MIN_NOTICE_MINUTES", 60, 0, 10080)),
        cancel_window=timedelta(minutes=_int(env, "CANCEL_WINDOW_MINUTES", 120, 0, 10080)),
        max_upcoming=_int(env, "MAX_UPCOMING_APPOINTMENTS", 3, 1, 50),
        doctor_agenda_time=_clock_time(env, "DOCTOR_AGENDA_TIME", time(7, 30)),
        session_idle=timedelta(days=_int(env, "SESSION_IDLE_DAYS", 30, 1, 365)),
        conversation_timeout=timedelta(
            minutes=_int(env, "CONVERSATION_TIMEOUT_MINUTES", 30, 1, 10080)
        ),
        telegram_send_timeout=float(_int(env, "TELEGRAM_SEND_TIMEOUT_SECONDS", 30, 5, 600)),
        delivery_takeover=timedelta(seconds=_int(env, "DELIVERY_TAKEOVER_SECONDS", 10, 1, 600)),
        clinic=_clinic(env),
        clinic_country=_country(env),
    )


def load_settings(env_file: str | os.PathLike[str] | None = ".env") -> Settings:
    """Read ``.env`` (when present; real environment variables win) and build the settings."""
    env = dict(os.environ)
    if env_file is not None and Path(env_file).is_file():
        from dotenv import dotenv_values

        for key, value in dotenv_values(env_file).items():
            if value is not None:
                env.setdefault(key, value)
    return settings_from_env(env)


def provision_embedded_secret(settings: Settings) -> Settings:
    """With the embedded database, load (or create once, mode 0600) the JWT secret in data_dir."""
    if settings.jwt_secret is not None:
        return settings
    if not settings.embedded_database:
        settings.require_jwt_secret()
    path = settings.data_dir / SECRET_FILE_NAME
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        value = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        logging.getLogger(__name__).info("Generated a JWT secret for the embedded database")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        os.chmod(path, 0o600)
    value = path.read_text().strip()
    if is_weak_secret(value):
        raise ConfigError(
            "JWT_SECRET", f"the secret in {path} is too weak; delete it to regenerate"
        )
    return replace(settings, jwt_secret=Secret(value))
