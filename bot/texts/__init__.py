"""The one catalog of user-facing texts, in English and Spanish.

Each feature module in this package defines ``TEXTS: dict[str, tuple[str, str]]`` mapping a key to
its (English, Spanish) text. Texts are ``str.format`` templates for Telegram's HTML parse mode:
every value passed to :func:`t` is HTML-escaped unless wrapped in :class:`Raw`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Final

from bot.texts import (
    accounts,
    admin,
    booking,
    closures,
    common,
    dates,
    doctor,
    email,
    frontdesk,
    notices,
    reminders,
    stats,
    visit,
    waitlist,
)

LANGUAGES: Final = ("en", "es")
DEFAULT_LANGUAGE: Final = "en"


class Raw(str):
    """A value already safe for HTML; :func:`t` inserts it as is."""

    __slots__ = ()


def _merge(*modules: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for texts in modules:
        for key, value in texts.items():
            if key in merged:
                raise RuntimeError(f"text key defined twice: {key}")
            merged[key] = value
    return merged


CATALOG: Final = _merge(
    common.TEXTS,
    dates.TEXTS,
    accounts.TEXTS,
    email.TEXTS,
    notices.TEXTS,
    booking.TEXTS,
    doctor.TEXTS,
    admin.TEXTS,
    closures.TEXTS,
    reminders.TEXTS,
    stats.TEXTS,
    frontdesk.TEXTS,
    visit.TEXTS,
    waitlist.TEXTS,
)


def language_of(code: str | None) -> str:
    """The catalog language for a Telegram ``language_code`` or a stored preference."""
    if code:
        base = code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def t(lang: str | None, key: str, /, **values: object) -> str:
    """The text ``key`` in ``lang`` with ``values`` HTML-escaped and filled in."""
    en, es = CATALOG[key]
    template = es if language_of(lang) == "es" else en
    if not values:
        return template
    safe = {
        name: value if isinstance(value, Raw) else html.escape(str(value), quote=False)
        for name, value in values.items()
    }
    return template.format(**safe)
