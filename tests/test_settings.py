"""Settings validation: every bad value stops the program with one line naming the variable."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings, provision_embedded_secret, settings_from_env
from tests.fake_telegram import TOKEN

GOOD = {
    "TELEGRAM_BOT_TOKEN": TOKEN,
    "DATABASE_URL": "postgresql://clinic:pw@db:5432/clinic",
    "JWT_SECRET": "Zx8vQ2mN7bL4kJ9hG3fD6sA1pO5iU0yT",
}


def _error(**changes: str | None) -> ConfigError:
    env = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    with pytest.raises(ConfigError) as info:
        settings_from_env(env)
    return info.value


def test_defaults() -> None:
    settings = settings_from_env(GOOD)
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.timezone.key == "UTC"
    assert settings.reminder_offsets == (timedelta(hours=24), timedelta(hours=1))
    assert settings.reminder_scan_seconds == 60
    assert settings.port == 3000
    assert settings.webhook_url is None
    assert settings.log_level == "INFO"
    assert settings.email is None
    assert settings.booking_horizon_days == 30
    assert settings.min_notice == timedelta(hours=1)
    assert settings.cancel_window == timedelta(hours=2)
    assert settings.telegram_send_timeout == 30
    assert settings.delivery_takeover == timedelta(seconds=10)


def test_delivery_timeouts() -> None:
    settings = settings_from_env(
        {
            **GOOD,
            "EMAIL_USER": "c@gmail.com",
            "EMAIL_PASS": "p",
            "SMTP_TIMEOUT_SECONDS": "12",
            "TELEGRAM_SEND_TIMEOUT_SECONDS": "45",
            "DELIVERY_TAKEOVER_SECONDS": "20",
        }
    )
    assert settings.email is not None and settings.email.timeout == 12
    assert settings.telegram_send_timeout == 45
    assert settings.delivery_takeover == timedelta(seconds=20)


def test_secrets_never_print() -> None:
    settings = settings_from_env(
        {**GOOD, "EMAIL_USER": "c@gmail.com", "EMAIL_PASS": "app-pass-1234"}
    )
    shown = repr(settings)
    for secret in (TOKEN, GOOD["JWT_SECRET"], "app-pass-1234"):
        assert secret not in shown


@pytest.mark.parametrize(
    ("changes", "variable", "hint"),
    [
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN", "BotFather"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL", "postgresql://"),
        ({"DATABASE_URL": "postgresql://user@/"}, "DATABASE_URL", "host and a database"),
        ({"DATABASE_URL": "postgresql://u@h:notaport/db"}, "DATABASE_URL", "port"),
        ({"CLINIC_TIMEZONE": "Mars/Olympus"}, "CLINIC_TIMEZONE", "IANA"),
        ({"REMINDER_OFFSETS": "24h,soon"}, "REMINDER_OFFSETS", "24h,1h"),
        ({"REMINDER_OFFSETS": "0m"}, "REMINDER_OFFSETS", "between"),
        ({"REMINDER_OFFSETS": ","}, "REMINDER_OFFSETS", "empty"),
        ({"JWT_SECRET": None}, "JWT_SECRET", "openssl rand"),
        ({"JWT_SECRET": "secret123"}, "JWT_SECRET", "too weak"),
        ({"JWT_SECRET": "short-but-random-8x"}, "JWT_SECRET", "too weak"),
        ({"JWT_SECRET": "change-this-to-a-long-random-string-of-64-chars"}, "JWT_SECRET", "weak"),
        ({"JWT_SECRET": "a" * 40}, "JWT_SECRET", "weak"),
        ({"REMINDER_SCAN_SECONDS": "often"}, "REMINDER_SCAN_SECONDS", "whole number"),
        ({"REMINDER_SCAN_SECONDS": "0"}, "REMINDER_SCAN_SECONDS", "between"),
        ({"PORT": "70000"}, "PORT", "between"),
        ({"WEBHOOK_URL": "http://example.com"}, "WEBHOOK_URL", "https://"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "DEBUG"),
        ({"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL", "http"),
        ({"EMAIL_USER": "not-an-email", "EMAIL_PASS": "x"}, "EMAIL_USER", "email address"),
        ({"EMAIL_PASS": "only-the-pass"}, "EMAIL_USER", "required"),
        ({"EMAIL_USER": "c@gmail.com"}, "EMAIL_PASS", "app password"),
        (
            {"EMAIL_USER": "c@gmail.com", "EMAIL_PASS": "p", "SMTP_SECURITY": "tls"},
            "SMTP_SECURITY",
            "starttls",
        ),
        ({"DOCTOR_AGENDA_TIME": "7h"}, "DOCTOR_AGENDA_TIME", "07:30"),
        ({"TELEGRAM_SEND_TIMEOUT_SECONDS": "1"}, "TELEGRAM_SEND_TIMEOUT_SECONDS", "between"),
        ({"DELIVERY_TAKEOVER_SECONDS": "0"}, "DELIVERY_TAKEOVER_SECONDS", "between"),
        (
            {"EMAIL_USER": "c@gmail.com", "EMAIL_PASS": "p", "SMTP_TIMEOUT_SECONDS": "soon"},
            "SMTP_TIMEOUT_SECONDS",
            "whole number",
        ),
    ],
)
def test_bad_values_name_the_variable_and_the_fix(
    changes: dict[str, str | None], variable: str, hint: str
) -> None:
    error = _error(**changes)
    assert error.variable == variable
    message = str(error)
    assert message.startswith(f"{variable}: ") and hint in message and "\n" not in message


def test_example_file_secret_is_refused() -> None:
    example = Path(__file__).resolve().parents[1] / ".env.example"
    values = dict(
        line.split("=", 1)
        for line in example.read_text().splitlines()
        if line and not line.startswith("#") and "=" in line
    )
    assert "JWT_SECRET" in values
    assert _error(JWT_SECRET=values["JWT_SECRET"]).variable == "JWT_SECRET"


def test_offsets_and_email_parsing() -> None:
    settings = settings_from_env(
        {
            **GOOD,
            "REMINDER_OFFSETS": " 1h, 2d ,30m,1h",
            "EMAIL_USER": "clinic@gmail.com",
            "EMAIL_PASS": "abcd efgh ijkl mnop",
            "SMTP_SECURITY": "SSL",
            "CLINIC_TIMEZONE": "America/Santiago",
            "DATABASE_URL": "postgres://u:p@db/clinic",
        }
    )
    assert settings.reminder_offsets == (
        timedelta(days=2),
        timedelta(hours=1),
        timedelta(minutes=30),
    )
    assert settings.email is not None
    assert (settings.email.host, settings.email.port, settings.email.security) == (
        "smtp.gmail.com", 465, "ssl",
    )  # fmt: skip
    assert settings.email.from_name == "Clinic App"
    assert settings.timezone.key == "America/Santiago"


def test_embedded_database_generates_and_keeps_a_secret(tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "DATA_DIR": str(tmp_path)}
    settings = settings_from_env(env)
    assert settings.embedded_database and settings.jwt_secret is None
    first = provision_embedded_secret(settings)
    secret_file = tmp_path / "jwt_secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert first.jwt_secret is not None and len(first.jwt_secret.get()) >= 32
    second = provision_embedded_secret(settings_from_env(env))
    assert second.jwt_secret == first.jwt_secret


def test_env_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nDATABASE_URL=postgresql://a@b/c\n"
        f"JWT_SECRET={GOOD['JWT_SECRET']}\nCLINIC_TIMEZONE=Europe/Madrid\n"
    )
    for name in list(os.environ):
        if name in {"DATABASE_URL", "JWT_SECRET", "CLINIC_TIMEZONE", "TELEGRAM_BOT_TOKEN"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("CLINIC_TIMEZONE", "Asia/Tokyo")
    settings = load_settings(env_file)
    assert settings.database_url == "postgresql://a@b/c"
    assert settings.timezone.key == "Asia/Tokyo"
