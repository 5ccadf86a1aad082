"""Screens and their choices: one definition serves the buttons and the typed answers.

A :class:`Screen` is one message: its text (Telegram HTML) and rows of :class:`Choice`. Each
choice is a button; typing its label (any case, accents optional, a unique prefix of its words
is enough: "cardio", "house"), or one of its ``keys`` ("yes", "sí", a time as "13:00" or "1pm",
a date), picks it as if it had been pressed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.callbacks import CallbackData

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

_NOT_WORD = re.compile(r"[^\w:]+")
_TIME = re.compile(
    r"^(?P<h>\d{1,2})(?:\s*[:.h]\s*(?P<m>\d{2}))?\s*(?P<suffix>a\.?\s?m\.?|p\.?\s?m\.?|h|hs|hrs)?$"
)


def normalise(text: str) -> str:
    """``"  Cardiología! "`` → ``"cardiologia"``: case, accents, punctuation and emoji folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", bare.casefold()).replace("_", " ").split())


def parse_time(text: str) -> int | None:
    """Minutes after midnight of a typed time ("13:00", "9.30", "1pm", "13h"), or ``None``
    (a bare number is not a time)."""
    match = _TIME.match(text.strip().lower())
    if match is None:
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    suffix = (match["suffix"] or "").replace(".", "").replace(" ", "")
    if match["m"] is None and not suffix:
        return None
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def time_key(minute_of_day: int) -> str:
    """The key a time choice carries, matched by any typed spelling of that time."""
    return f"t:{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


YES = ("yes", "y", "si", "ok", "vale", "confirm", "confirmar", "sure", "claro")
NO = ("no", "n", "nope", "cancel", "cancelar")
# Typed at an optional step, these skip it (other words are the answer).
SKIP = ("skip", "omitir", "saltar")

_WEEKDAYS = (
    ("monday", "lunes"),
    ("tuesday", "martes"),
    ("wednesday", "miercoles"),
    ("thursday", "jueves"),
    ("friday", "viernes"),
    ("saturday", "sabado"),
    ("sunday", "domingo"),
)


def day_keys(day: date, today: date) -> tuple[str, ...]:
    """What a person might type for ``day``: ``2026-12-01``, ``1/12``, ``tuesday``, ``mañana``."""
    keys = [
        day.isoformat(),
        f"{day.day}/{day.month}",
        f"{day.day:02d}/{day.month:02d}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day}-{day.month}",
        *_WEEKDAYS[day.weekday()],
    ]
    if day == today:
        keys += ["today", "hoy"]
    elif day == today + timedelta(days=1):
        keys += ["tomorrow", "manana"]
    return tuple(keys)


@dataclass(frozen=True)
class Choice:
    """A button (plain-text ``label``, never HTML) and what typing it means."""

    label: str
    data: CallbackData
    keys: tuple[str, ...] = ()
    typed: bool = True  # False: a button only (typing its label picks nothing)

    def button(self) -> InlineKeyboardButton:
        return InlineKeyboardButton(self.label, callback_data=self.data.pack())


@dataclass(frozen=True)
class Match:
    """The outcome of matching a typed answer: one choice, several, or none."""

    choice: Choice | None
    candidates: tuple[Choice, ...] = ()


def _words_match(typed: Sequence[str], words: Sequence[str]) -> bool:
    """Each typed word begins a later word of ``words`` (numbers must be equal)."""
    position = 0
    for part in typed:
        while position < len(words):
            word = words[position]
            position += 1
            if word == part or (not part.isdigit() and word.startswith(part)):
                break
        else:
            return False
    return True


def _distinct(found: Iterable[Choice]) -> tuple[Choice, ...]:
    seen: dict[str, Choice] = {}
    for choice in found:
        seen.setdefault(choice.data.pack(), choice)
    return tuple(seen.values())


def _result(found: Iterable[Choice]) -> Match | None:
    hits = _distinct(found)
    if not hits:
        return None
    if len(hits) == 1:
        return Match(hits[0])
    return Match(None, hits)


def match(choices: Sequence[Choice], typed: str) -> Match:
    """The choice ``typed`` names: a time, an exact label or key, else a unique word prefix."""
    text = normalise(typed)
    candidates = [choice for choice in choices if choice.typed]
    if not text or not candidates:
        return Match(None)
    labels = {id(choice): normalise(choice.label) for choice in candidates}
    keys = {id(choice): tuple(normalise(key) for key in choice.keys) for choice in candidates}
    minute = parse_time(typed)
    if minute is not None:
        wanted = normalise(time_key(minute))
        found = _result(c for c in candidates if wanted in keys[id(c)])
        if found is not None:
            return found
    exact = _result(c for c in candidates if text == labels[id(c)] or text in keys[id(c)])
    if exact is not None:
        return exact
    words = text.split()
    prefix = _result(
        c
        for c in candidates
        if _words_match(words, labels[id(c)].split())
        or any(_words_match(words, key.split()) for key in keys[id(c)])
    )
    return prefix or Match(None)


@dataclass
class Screen:
    """One message: HTML ``text``, rows of choices, or another reply markup."""

    text: str
    rows: list[list[Choice]] = field(default_factory=list)
    reply_markup: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None

    @property
    def choices(self) -> list[Choice]:
        return [choice for row in self.rows for choice in row]

    def markup(self) -> ReplyMarkup | None:
        if self.rows:
            return InlineKeyboardMarkup([[c.button() for c in row] for row in self.rows])
        return self.reply_markup

    def match(self, typed: str) -> Match:
        return match(self.choices, typed)

    def with_lead(self, lead: str) -> Screen:
        """The same screen with ``lead`` (HTML) above its text."""
        return Screen(
            f"{lead}\n\n{self.text}" if lead else self.text, self.rows, self.reply_markup
        )


def rows_of(choices: Sequence[Choice], per_row: int) -> list[list[Choice]]:
    """``choices`` laid out ``per_row`` to a row."""
    return [list(choices[i : i + per_row]) for i in range(0, len(choices), per_row)]
