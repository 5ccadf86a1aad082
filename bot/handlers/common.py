"""Commands for everyone (/start, /help, /language, /cancel), catch-alls and the error handler."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import Forbidden
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import ClinicContext
from bot.guard import answer, current_principal, edit_or_say, lang, refuse, say
from bot.menus import show_menu
from bot.texts import LANGUAGES, t
from db.accounts import Principal, set_language

log = logging.getLogger(__name__)

LANGUAGE_CALLBACK = r"^lang:(en|es)$"


async def only_private_chats(update: Update, context: ClinicContext) -> None:
    """The bot works in private chats only: anything from a group is answered once and dropped."""
    chat = update.effective_chat
    if chat is not None and chat.type != chat.PRIVATE:
        message = update.effective_message
        if message is not None and message.text and message.text.startswith("/"):
            await say(update, context, "common.private_only")
        raise ApplicationHandlerStop


def _conversation_active(conversation: ConversationHandler[ClinicContext], update: Update) -> bool:
    try:
        key = conversation._get_key(update)
    except RuntimeError:  # an update without a chat or user has no conversation
        return False
    return conversation._conversations.get(key) is not None


async def one_conversation_at_a_time(update: Update, context: ClinicContext) -> None:
    """While a conversation waits for an answer, another one cannot start over it: what would
    open a second conversation is answered with "finish or /cancel" instead."""
    conversations = [
        handler
        for handler in context.application.handlers.get(0, [])
        if isinstance(handler, ConversationHandler)
    ]
    active = [c for c in conversations if _conversation_active(c, update)]
    if not active:
        return
    if any(c.check_update(update) for c in conversations if c not in active):
        await refuse(update, context, "common.busy")
        raise ApplicationHandlerStop


async def show_start(update: Update, context: ClinicContext) -> None:
    """Welcome the user (invite links are opened by the invite conversation before this)."""
    if context.args:
        await say(update, context, "start.bad_link")
        return
    found = await current_principal(update, context)
    if isinstance(found, Principal):
        context.principal = found
        await say(update, context, "start.welcome_back", name=found.name)
        await say(update, context, f"help.{found.role.value}")
    else:
        await say(update, context, "start.welcome", markup=ReplyKeyboardRemove())


async def show_help(update: Update, context: ClinicContext) -> None:
    """List the commands this user may use."""
    found = await current_principal(update, context)
    if isinstance(found, Principal):
        context.principal = found
        await say(update, context, f"help.{found.role.value}")
    else:
        await say(update, context, "help.guest")


def _language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(code, f"language.{code}"), callback_data=f"lang:{code}")
                for code in LANGUAGES
            ]
        ]
    )


async def choose_language(update: Update, context: ClinicContext) -> None:
    """Offer the catalog's languages."""
    await say(update, context, "language.choose", markup=_language_keyboard())


async def set_chat_language(update: Update, context: ClinicContext) -> None:
    """Store the chosen language for this user (and the account, when logged in)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    code = query.data.split(":", 1)[1]
    context.user_data["lang"] = code
    found = await current_principal(update, context)
    if isinstance(found, Principal):
        async with context.services.transaction() as s:
            await set_language(s, user_id=found.user_id, language=code)
        context.principal = None
    await answer(update, context)
    await edit_or_say(update, context, "language.set")
    chat = update.effective_chat
    if chat is not None and isinstance(found, Principal):
        await show_menu(context.bot, chat.id, found.role, code)


async def cancel_conversation(update: Update, context: ClinicContext) -> int:
    """Leave the current conversation; scratch answers are dropped."""
    for key in [
        key for key in context.user_data if key.startswith(("register", "login", "draft"))
    ]:
        context.user_data.pop(key, None)
    await say(update, context, "common.cancelled", markup=ReplyKeyboardRemove())
    return ConversationHandler.END


async def cancel_nothing(update: Update, context: ClinicContext) -> None:
    """/cancel outside any conversation."""
    await say(update, context, "common.nothing_to_cancel", markup=ReplyKeyboardRemove())


async def conversation_busy(update: Update, context: ClinicContext) -> None:
    """Another command while a conversation waits for an answer."""
    await say(update, context, "common.busy")


async def expects_text(update: Update, context: ClinicContext) -> None:
    """A photo, sticker or the like where a typed answer is expected."""
    await say(update, context, "common.expects_text")


async def expects_button(update: Update, context: ClinicContext) -> None:
    """Typed text where one of the buttons is expected."""
    await say(update, context, "common.use_buttons")


def conversation_fallbacks(
    other_messages: Callable[[Update, ClinicContext], Coroutine[Any, Any, object]],
) -> list[BaseHandler[Update, ClinicContext, Any]]:
    """What every conversation answers outside its steps: /cancel leaves it, other commands are
    told to finish or cancel first, and anything else gets ``other_messages`` (e.g. "use the
    buttons" or "type your answer")."""
    return [
        CommandHandler("cancel", cancel_conversation),
        MessageHandler(filters.COMMAND, conversation_busy),
        MessageHandler(filters.UpdateType.MESSAGE, other_messages),
    ]


async def unknown_command(update: Update, context: ClinicContext) -> None:
    """A command the bot does not have."""
    await say(update, context, "common.unknown_command")


async def stray_message(update: Update, context: ClinicContext) -> None:
    """A message outside any conversation."""
    await say(update, context, "common.stray_message")


async def stale_button(update: Update, context: ClinicContext) -> None:
    """A button whose conversation has ended, or that was never ours."""
    await answer(update, context, "common.stale_button")


async def report_error(update: object, context: ClinicContext) -> None:
    """Log the failure with its traceback; tell the user something short and true."""
    if isinstance(context.error, Forbidden):  # the user blocked the bot: nobody to tell
        log.info("A chat blocked the bot: %s", context.error)
        return
    log.error("Error while handling an update", exc_info=context.error)
    if isinstance(update, Update):
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(
                    t(lang(update, context), "common.internal_error"), show_alert=True
                )
            elif update.effective_chat is not None:
                await context.bot.send_message(
                    update.effective_chat.id, t(lang(update, context), "common.internal_error")
                )
        except Exception:  # the error report itself must never raise
            log.exception("Could not tell the user about an error")
