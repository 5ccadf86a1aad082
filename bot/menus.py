"""The Telegram command menus, derived from the route table."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeDefault

from bot.routes import GUEST, Audience, RouteTable
from bot.texts import LANGUAGES, t


def commands_for(routes: RouteTable, audience: Audience, language: str) -> list[BotCommand]:
    """The menu of ``audience`` (a role, or guests) in a language."""
    return [
        BotCommand(command.name, t(language, f"menu.{command.name}"))
        for command in routes.menu(audience)
    ]


async def set_default_menus(bot: Bot, routes: RouteTable) -> None:
    """The menu everyone sees before logging in, in every catalog language."""
    for language in LANGUAGES:
        await bot.set_my_commands(
            commands_for(routes, GUEST, language),
            scope=BotCommandScopeDefault(),
            language_code=None if language == "en" else language,
        )
