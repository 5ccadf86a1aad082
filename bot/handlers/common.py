"""Commands for everyone: /start, /help, /language, /cancel; and the one error handler."""

from __future__ import annotations

import dataclasses
import logging

from telegram import ReplyKeyboardRemove, Update
from telegram.error import Forbidden

from bot.callbacks import SetLanguage
from bot.choices import Choice, Screen
from bot.clinic import identity_lines
from bot.context import ClinicContext
from bot.dispatch import ReportedError
from bot.routes import GUEST, Audience, Button, Command, Routes, RouteTable
from bot.texts import CATALOG, LANGUAGES, Raw, t
from db.accounts import set_language

log = logging.getLogger(__name__)


def help_text(language: str, routes: RouteTable, audience: Audience) -> str:
    """The commands ``audience`` may use, one line each, from the route table."""
    lines = [t(language, "help.title")]
    for command in routes.help(audience):
        specific = f"help.line.{command.name}.{audience}"
        key = specific if specific in CATALOG else f"help.line.{command.name}"
        lines.append(f"/{command.name} — {t(language, key)}")
    return "\n".join(lines)


async def show_start(update: Update, context: ClinicContext) -> None:
    """Welcome the user with the clinic's name, address, phone and map (invites: own route)."""
    if context.args:
        context.reply("start.bad_link")
        return
    clinic = context.settings.clinic
    lines = identity_lines(context.lang, clinic)
    identity = Raw(f"\n{lines}" if lines else "")
    if context.principal is not None:
        name = context.principal.name
        context.reply("start.welcome_back", name=name, clinic=clinic.name, identity=identity)
        context.send(help_text(context.lang, context.routes, context.principal.role))
        return
    context.reply("start.welcome", ReplyKeyboardRemove(), clinic=clinic.name, identity=identity)


async def show_help(update: Update, context: ClinicContext) -> None:
    """List the commands this user may use."""
    audience: Audience = context.principal.role if context.principal else GUEST
    context.send(help_text(context.lang, context.routes, audience))


def _language_screen(context: ClinicContext) -> Screen:
    return Screen(
        context.t("language.choose"),
        [[Choice(t(code, f"language.{code}"), SetLanguage(code=code)) for code in LANGUAGES]],
    )


async def choose_language(update: Update, context: ClinicContext) -> None:
    """Offer the catalog's languages."""
    context.show(_language_screen(context))


async def set_chat_language(update: Update, context: ClinicContext) -> None:
    """Store the chosen language for this chat (and the account, when logged in)."""
    code = context.payload(SetLanguage).code
    context.turn.language = code
    principal = context.principal
    if principal is not None:
        await set_language(context.db, user_id=principal.user_id, language=code)
        context.principal = dataclasses.replace(principal, language=code)
        context.set_menu(principal.role, code)
    context.show_text("language.set")


async def cancel(update: Update, context: ClinicContext) -> None:
    """Leave the open conversation; its answers are dropped."""
    if context.turn.open:
        context.turn.end()
        context.reply("common.cancelled", ReplyKeyboardRemove())
    else:
        context.reply("common.nothing_to_cancel", ReplyKeyboardRemove())


async def report_error(update: object, context: ClinicContext) -> None:
    """Log a failure with its traceback (the user was told by the dispatcher)."""
    error: BaseException | None = context.error
    if isinstance(error, ReportedError) and error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, Forbidden):  # the user blocked the bot: nobody to tell
        log.info("A chat blocked the bot")
        return
    log.error("Error while handling an update", exc_info=error)


# Two parts, so that menus list /start and /help first and /language and /cancel last.
ENTRY = Routes(
    commands=[
        Command("start", show_start, menu=(GUEST,), help=False),
        Command("help", show_help, help=False),
    ]
)
GENERAL = Routes(
    commands=[Command("language", choose_language), Command("cancel", cancel)],
    buttons=[Button(SetLanguage, set_chat_language)],
)
