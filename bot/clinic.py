"""The clinic's identity (``CLINIC_NAME``, ``CLINIC_ADDRESS``, ``CLINIC_PHONE``,
``CLINIC_MAP_URL``) as the chat shows it."""

from __future__ import annotations

import html

from bot.settings import ClinicIdentity
from bot.texts import Raw, t


def _plain(lang: str, key: str, /, **values: str) -> str:
    return t(lang, key, **{name: Raw(value) for name, value in values.items()})


def call_text(lang: str, clinic: ClinicIdentity) -> str:
    """ "Please call Sol Clinic on +34 910 123 456." (the phone when it is set). Plain text: pass
    it as a value, and the catalog escapes it where the surface is HTML."""
    if clinic.phone:
        return _plain(lang, "clinic.call_phone", clinic=clinic.name, phone=clinic.phone)
    return _plain(lang, "clinic.call", clinic=clinic.name)


def change_text(lang: str, clinic: ClinicIdentity) -> str:
    """ "To change it, call Sol Clinic on +34 910 123 456." Plain text, like :func:`call_text`."""
    if clinic.phone:
        return _plain(lang, "clinic.to_change_phone", clinic=clinic.name, phone=clinic.phone)
    return _plain(lang, "clinic.to_change", clinic=clinic.name)


def identity_lines(lang: str, clinic: ClinicIdentity) -> str:
    """The clinic's address, phone and map link, one line each (HTML; empty when none is set)."""
    lines = []
    if clinic.address:
        lines.append(t(lang, "clinic.address", address=clinic.address))
    if clinic.phone:
        lines.append(t(lang, "clinic.phone", phone=clinic.phone))
    if clinic.map_url:
        lines.append(t(lang, "clinic.map", url=Raw(html.escape(clinic.map_url, quote=True))))
    return "\n".join(lines)
