"""Telling people about changes to their appointments, in their own chats and language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import Services
from bot.formatting import when
from bot.texts import language_of, t
from db.accounts import get_user, live_chats_of
from db.booking import AppointmentView

log = logging.getLogger(__name__)


async def notify_user(
    bot: Bot,
    services: Services,
    user_id: int,
    render: Callable[[str], str],
    markup: InlineKeyboardMarkup | None = None,
) -> int:
    """Send ``render(language)`` to each chat of the user's live sessions (else their last
    chat); how many chats got it. A chat that blocked the bot is skipped, never fatal."""
    async with services.transaction() as s:
        chats = await live_chats_of(s, user_id=user_id, now=services.clock.now())
        user = await get_user(s, user_id)
    text = render(language_of(user.language))
    sent = 0
    for chat_id in chats:
        try:
            await bot.send_message(chat_id, text, reply_markup=markup)
            sent += 1
        except (Forbidden, BadRequest) as exc:
            log.info("could not notify a chat of user %s: %s", user_id, exc)
        except TelegramError as exc:
            log.warning("could not notify a chat of user %s: %s", user_id, exc)
    return sent


def _describe(lang: str, appt: AppointmentView, services: Services) -> dict[str, str]:
    tz = services.settings.timezone
    return {
        "when": when(lang, appt.starts_at, appt.ends_at, tz),
        "patient": appt.patient_name,
        "phone": appt.patient_phone or "—",
        "doctor": appt.doctor_name,
        "specialty": appt.specialty,
    }


async def _tell(
    bot: Bot,
    services: Services,
    user_id: int,
    key: str,
    appt: AppointmentView,
    old_start: datetime | None,
) -> None:
    tz = services.settings.timezone

    def render(lang: str) -> str:
        values = _describe(lang, appt, services)
        if old_start is not None:
            old_end = old_start + (appt.ends_at - appt.starts_at)
            values["old"] = when(lang, old_start, old_end, tz)
        return t(lang, key, **values)

    await notify_user(bot, services, user_id, render)


async def tell_doctor(
    bot: Bot,
    services: Services,
    appt: AppointmentView,
    event: str,
    old_start: datetime | None = None,
) -> None:
    """Tell the doctor of a booking, cancellation or reschedule of theirs."""
    await _tell(bot, services, appt.doctor_id, f"notice.doctor.{event}", appt, old_start)


async def tell_patient(
    bot: Bot,
    services: Services,
    appt: AppointmentView,
    event: str,
    old_start: datetime | None = None,
) -> None:
    """Tell the patient of a change the clinic made to their appointment."""
    await _tell(bot, services, appt.patient_id, f"notice.patient.{event}", appt, old_start)
