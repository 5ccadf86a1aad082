"""Dates and times as users read them: always in the clinic's zone, always with the date,
weekday and month names from the catalog."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.settings import Settings
from bot.texts import t
from db.booking import BookingPolicy
from db.models import ChangeReason
from db.phones import display_phone
from db.slots import WeeklyRange


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


def phone_text(settings: Settings, phone: str | None) -> str | None:
    """A stored phone as people here read it: national if of ``CLINIC_COUNTRY``, else
    international; ``None`` when there is none."""
    return display_phone(phone, settings.clinic_country) if phone else None


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


def moment(lang: str, at: datetime, tz: ZoneInfo) -> str:
    """``Tuesday 8 December 2026, 09:00 (Europe/Madrid)``."""
    return f"{long_date(lang, at.astimezone(tz).date())}, {clock(at, tz)} ({tz.key})"


def hhmm(minute: int) -> str:
    """``09:30`` for a minute of the day; 1440 is ``24:00`` (the end of the day)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def hours_summary(lang: str, ranges: Sequence[WeeklyRange]) -> str:
    """Weekly hours in one line, consecutive days with the same ranges grouped:
    ``Mon–Fri 09:00–13:00, 16:00–20:00; Sat 09:00–13:00``."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for r in sorted(ranges, key=lambda r: (r.weekday, r.start_minute)):
        by_day.setdefault(r.weekday, []).append((r.start_minute, r.end_minute))
    groups: list[tuple[int, int, tuple[tuple[int, int], ...]]] = []
    for day in range(7):
        spans = tuple(by_day.get(day, ()))
        if not spans:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == spans:
            groups[-1] = (groups[-1][0], day, spans)
        else:
            groups.append((day, day, spans))
    if not groups:
        return t(lang, "admin.hours.none")
    parts = []
    for first, last, spans in groups:
        days = t(lang, f"date.weekday_short.{first}")
        if last != first:
            days += "–" + t(lang, f"date.weekday_short.{last}")
        parts.append(f"{days} " + ", ".join(f"{hhmm(a)}–{hhmm(b)}" for a, b in spans))
    return "; ".join(parts)


def reason_text(lang: str, reason: ChangeReason | None, note: str | None) -> str:
    """Why the clinic changed a visit, as the reader reads it: one of the short list in their
    language, or what was typed (plain text: escape it for HTML)."""
    if reason is not None:
        return t(lang, f"reason.{reason.value}")
    return note or ""


# --- how far off a reminded appointment is ------------------------------------------------------


def reminder_lead(offset: timedelta, remaining: timedelta) -> timedelta:
    """How far off to say a reminder's appointment is: its offset (``24h`` → "24 hours") when it
    goes out on time, so chat and email say the same; when it goes out late (after downtime,
    or retries), the time really left, rounded (5 minutes under an hour, hours under two days,
    then days)."""
    tolerance = max(timedelta(minutes=5), offset / 20)
    if remaining >= offset - tolerance:
        return offset
    minutes = max(1, round(remaining.total_seconds() / 60))
    if minutes < 5:
        return timedelta(minutes=minutes)
    if minutes < 60:
        return timedelta(minutes=max(5, 5 * round(minutes / 5)))
    if minutes < 48 * 60:
        return timedelta(hours=round(minutes / 60))
    return timedelta(days=round(minutes / (24 * 60)))


def lead_phrase(lang: str, amount: timedelta) -> str:
    """``24 hours``, ``1 hour and 30 minutes``, ``2 days``: ``amount`` as people say it (whole
    days from two days up, else hours and minutes). Plain text."""
    total = max(1, round(amount.total_seconds() / 60))
    days = total // (24 * 60) if total >= 48 * 60 else 0
    hours, minutes = divmod(total - days * 24 * 60, 60)
    parts = [
        t(lang, f"lead.{unit}" if count == 1 else f"lead.{unit}s", n=count)
        for unit, count in (("day", days), ("hour", hours), ("minute", minutes))
        if count
    ]
    if len(parts) == 1:
        return parts[0]
    return t(lang, "lead.and", first=", ".join(parts[:-1]), second=parts[-1])
