"""Dates and times as users read them: always in the clinic's zone, always with the date,
weekday and month names from the catalog."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.settings import Settings
from bot.texts import t
from db.booking import BookingPolicy


def policy_of(settings: Settings) -> BookingPolicy:
    """The booking rules configured for this clinic."""
    return BookingPolicy(
        tz=settings.timezone,
        horizon_days=settings.booking_horizon_days,
        min_notice=settings.min_notice,
        cancel_window=settings.cancel_window,
        max_upcoming=settings.max_upcoming,
        reminder_offsets=settings.reminder_offsets,
    )


def day_label(lang: str, day: date) -> str:
    """``Tue 1 Dec`` / ``mar 1 dic``: short, for buttons."""
    weekday = t(lang, f"date.weekday_short.{day.weekday()}")
    month = t(lang, f"date.month_short.{day.month}")
    return f"{weekday} {day.day} {month}"


def long_date(lang: str, day: date) -> str:
    """``Tuesday 1 December 2026`` / ``martes 1 de diciembre de 2026``."""
    weekday = t(lang, f"date.weekday.{day.weekday()}")
    month = t(lang, f"date.month.{day.month}")
    if lang == "es":
        return f"{weekday} {day.day} de {month} de {day.year}"
    return f"{weekday} {day.day} {month} {day.year}"


def clock(moment: datetime, tz: ZoneInfo) -> str:
    """``09:30`` in the clinic's zone."""
    return moment.astimezone(tz).strftime("%H:%M")


def when(lang: str, start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """``Tuesday 1 December 2026, 09:30–10:00 (Europe/Madrid)``."""
    local = start.astimezone(tz)
    return f"{long_date(lang, local.date())}, {clock(start, tz)}–{clock(end, tz)} ({tz.key})"


def when_short(lang: str, start: datetime, tz: ZoneInfo) -> str:
    """``Tue 1 Dec 09:30``: for buttons and lists (the zone is stated once nearby)."""
    local = start.astimezone(tz)
    return f"{day_label(lang, local.date())} {clock(start, tz)}"


def day_key(day: date) -> str:
    """A date in callback data: ``20261201``."""
    return day.strftime("%Y%m%d")


def parse_day_key(raw: str) -> date:
    """The date of :func:`day_key`; ``ValueError`` for anything else."""
    if len(raw) != 8 or not raw.isdigit():
        raise ValueError(raw)
    return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
