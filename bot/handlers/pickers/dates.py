"""Days and spans of time as people read and type them: labels, a span described in words, the
typed keys of paging and « Back, and dates typed as "24/12", "24 de diciembre" or "tomorrow"."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta

from bot.callbacks import CallbackData
from bot.choices import Choice, normalise
from bot.context import ClinicContext
from bot.formatting import day_label, hhmm
from bot.texts import LANGUAGES, t

MIDNIGHT = 24 * 60
BACK_KEYS = ("back", "volver", "atras")
EARLIER_KEYS = ("earlier", "previous", "before", "antes", "anterior")
LATER_KEYS = ("later", "next", "more", "despues", "siguiente", "mas")


def label(context: ClinicContext, key: str, /, **values: object) -> str:
    """A button label from the catalog (labels are plain text, never HTML)."""
    return html.unescape(context.t(key, **values))


def today(context: ClinicContext) -> date:
    return context.now.astimezone(context.settings.timezone).date()


def date_label(language: str, day: date, this_day: date) -> str:
    """``Tue 8 Dec``, with the year when it is not this year's."""
    text = day_label(language, day)
    return text if day.year == this_day.year else f"{text} {day.year}"


def back_choice(context: ClinicContext, data: CallbackData) -> Choice:
    """« Back (typed: "back", "volver")."""
    return Choice(context.t("pick.back"), data, BACK_KEYS)


def describe_span(
    context: ClinicContext, starts_at: datetime, ends_at: datetime, whole_days: bool
) -> str:
    """``Tue 8 Dec – Wed 9 Dec (whole days)``, ``Thu 10 Dec, 09:00–12:00`` (plain text)."""
    language, tz, this_day = context.lang, context.settings.timezone, today(context)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    if whole_days:
        first, last = start.date(), (end - timedelta(days=1)).date()
        if first == last:
            return label(context, "off.whole_day", date=date_label(language, first, this_day))
        return label(
            context,
            "off.whole_days",
            first=date_label(language, first, this_day),
            last=date_label(language, last, this_day),
        )
    end_minute, end_day = end.hour * 60 + end.minute, end.date()
    if end_minute == 0 and end_day > start.date():
        end_minute, end_day = MIDNIGHT, end_day - timedelta(days=1)
    start_text = hhmm(start.hour * 60 + start.minute)
    if end_day == start.date():
        return label(
            context,
            "off.same_day",
            date=date_label(language, start.date(), this_day),
            start=start_text,
            end=hhmm(end_minute),
        )
    return label(
        context,
        "off.span",
        first=date_label(language, start.date(), this_day),
        start=start_text,
        last=date_label(language, end_day, this_day),
        end=hhmm(end_minute),
    )


# --- dates as typed -----------------------------------------------------------------------------


def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for month in range(1, 13):
        for language in LANGUAGES:
            for key in (f"date.month.{month}", f"date.month_short.{month}"):
                names[normalise(t(language, key))] = month
    return names


_MONTHS = _month_names()
_DATE_FILLER = {"de", "of", "the", "del", "el"}
_RELATIVE = {"today": 0, "hoy": 0, "tomorrow": 1, "manana": 1, "pasado manana": 2}


def _month(word: str) -> int | None:
    if word in _MONTHS:
        return _MONTHS[word]
    found = {month for name, month in _MONTHS.items() if len(word) >= 3 and name.startswith(word)}
    return found.pop() if len(found) == 1 else None


def parse_day(text: str, this_day: date) -> date | None:
    """The date in ``"24/12"``, ``"2026-12-24"``, ``"24 Dec"``, ``"24 de diciembre"``,
    ``"tomorrow"``; without a year, the next such day from ``this_day``. ``None`` when the text
    is not one."""
    said = normalise(text)
    if said in _RELATIVE:
        return this_day + timedelta(days=_RELATIVE[said])
    words = [w for w in said.split() if w not in _DATE_FILLER]
    numbers = [w for w in words if w.isdigit()]
    months = [w for w in words if not w.isdigit()]
    if len(months) > 1 or not 1 <= len(numbers) <= 3:
        return None
    if months:
        month = _month(months[0])
        if month is None or len(numbers) > 2:
            return None
        day, year = int(numbers[0]), (numbers[1] if len(numbers) == 2 else None)
    elif len(numbers) == 3 and len(numbers[0]) == 4:
        year, month, day = numbers[0], int(numbers[1]), int(numbers[2])
    elif len(numbers) >= 2:
        day, month = int(numbers[0]), int(numbers[1])
        year = numbers[2] if len(numbers) == 3 else None
    else:
        return None
    try:
        if year is not None:
            full = int(year) + (2000 if len(year) == 2 else 0)
            return date(full, month, day)
        found = date(this_day.year, month, day)
        return found if found >= this_day else date(this_day.year + 1, month, day)
    except ValueError:
        return None
