"""Doctors' invite links: ``https://t.me/<bot>?start=inv_<token>``."""

from __future__ import annotations

import re

INVITE_PREFIX = "inv_"
# A deep link's payload: at most 64 characters of [A-Za-z0-9_-].
_DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def invite_payload(token: str) -> str:
    """The /start payload that carries an invite token."""
    payload = f"{INVITE_PREFIX}{token}"
    if not _DEEP_LINK_PAYLOAD.match(payload):
        raise ValueError("an invite token must fit Telegram's deep-link payload rules")
    return payload


def invite_link(bot_username: str, token: str) -> str:
    """The one-time link a doctor opens to set their password."""
    return f"https://t.me/{bot_username}?start={invite_payload(token)}"


def token_of(payload: str) -> str | None:
    """The invite token in a /start payload, or ``None`` when it cannot be one."""
    if not payload.startswith(INVITE_PREFIX) or not _DEEP_LINK_PAYLOAD.match(payload):
        return None
    token = payload[len(INVITE_PREFIX) :]
    return token or None
