"""The Telegram command menu, per role and language."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.texts import LANGUAGES, t
from db.models import Role

log = logging.getLogger(__name__)

EVERYONE = ("start", "help", "register", "login", "language", "cancel")
SIGNED_IN = ("me", "logout", "language", "help", "cancel")
BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.PATIENT: ("book", "appointments"),
    Role.DOCTOR: ("schedule", "hours"),
    Role.ADMIN: ("adddoctor", "doctors", "schedule", "reminders"),
}


def commands_for(role: Role | None, language: str) -> list[BotCommand]:
    """The menu for a role (``None``: not logged in) in a language."""
    names = EVERYONE if role is None else BY_ROLE[role] + SIGNED_IN
    return [BotCommand(name, t(language, f"menu.{name}")) for name in names]


async def set_default_menus(bot: Bot) -> None:
    """The menu everyone sees before logging in, in every catalog language."""
    for language in LANGUAGES:
        await bot.set_my_commands(
            commands_for(None, language),
            scope=BotCommandScopeDefault(),
            language_code=None if language == "en" else language,
        )


async def show_menu(bot: Bot, chat_id: int, role: Role | None, language: str) -> None:
    """Make the chat's menu the one for ``role`` (``None`` after logout)."""
    try:
        if role is None:
            await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
        else:
            await bot.set_my_commands(
                commands_for(role, language), scope=BotCommandScopeChat(chat_id)
            )
    except TelegramError as exc:  # the menu is a convenience: never fail the action over it
        log.warning("could not update the command menu of a chat: %s", exc)
