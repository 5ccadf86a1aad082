"""Authorisation for handlers, the user's language, and short replies.

Every role-restricted command and button goes through :func:`requires`: the chat's token is
verified (signature, algorithm, expiry, revocation) and the user's *current* role and active flag
are read from the database on every update.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ConversationHandler

from bot.context import ClinicContext
from bot.texts import language_of, t
from db.accounts import Principal, SessionProblem, resolve_session
from db.models import Role

log = logging.getLogger(__name__)

Handler = Callable[[Update, ClinicContext], Coroutine[Any, Any, Any]]
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

_PROBLEM_TEXT = {
    SessionProblem.NONE: "auth.login_required",
    SessionProblem.EXPIRED: "auth.session_expired",
    SessionProblem.INVALID: "auth.login_required",
    SessionProblem.INACTIVE: "auth.inactive",
}


def lang(update: Update, context: ClinicContext) -> str:
    """The language to answer in: the account's, else the one chosen here, else Telegram's."""
    if context.principal is not None and context.principal.language:
        return context.principal.language
    chosen = context.user_data.get("lang") if update.effective_user is not None else None
    if isinstance(chosen, str):
        return language_of(chosen)
    user = update.effective_user
    return language_of(user.language_code if user else None)


async def say(
    update: Update,
    context: ClinicContext,
    key: str,
    /,
    markup: Markup | None = None,
    **values: object,
) -> None:
    """Send the text ``key`` to the update's chat in the user's language."""
    chat = update.effective_chat
    if chat is None:
        return
    await context.bot.send_message(
        chat.id, t(lang(update, context), key, **values), reply_markup=markup
    )


async def answer(
    update: Update, context: ClinicContext, key: str | None = None, **values: object
) -> None:
    """Answer the update's callback query (with a short notice when ``key`` is given)."""
    query = update.callback_query
    if query is None:
        return
    text = t(lang(update, context), key, **values) if key else None
    try:
        await query.answer(text, show_alert=bool(text))
    except BadRequest as exc:  # a query older than Telegram keeps them
        log.debug("callback query not answered: %s", exc)


async def edit_or_say(
    update: Update,
    context: ClinicContext,
    key: str,
    /,
    markup: InlineKeyboardMarkup | None = None,
    **values: object,
) -> None:
    """Edit the message whose button was pressed, or send a new one for a command."""
    query = update.callback_query
    text = t(lang(update, context), key, **values)
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            log.debug("could not edit, sending instead: %s", exc)
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=markup)


async def delete_message(update: Update) -> None:
    """Delete the user's message (one that carried a password) as soon as it was read."""
    message = update.effective_message
    if message is None:
        return
    try:
        await message.delete()
    except (BadRequest, Forbidden) as exc:
        log.warning("could not delete a message carrying a password: %s", exc)


async def current_principal(update: Update, context: ClinicContext) -> Principal | SessionProblem:
    """Verify the chat's session against the database now."""
    chat = update.effective_chat
    if chat is None:
        return SessionProblem.NONE
    services = context.services
    async with services.transaction() as s:
        return await resolve_session(
            s, chat_id=chat.id, secret=services.jwt_secret, now=services.clock.now()
        )


async def refuse(update: Update, context: ClinicContext, key: str, **values: object) -> None:
    """Tell the user why nothing happened (as a button notice or a message)."""
    if update.callback_query is not None:
        await answer(update, context, key, **values)
    elif update.effective_chat is not None:
        text = t(lang(update, context), key, **values)
        await context.bot.send_message(update.effective_chat.id, text)


def requires(*roles: Role) -> Callable[[Handler], Handler]:
    """Run the handler only for a verified session whose current role is one of ``roles``.

    With no roles any logged-in user passes. A refused update ends any conversation it was in.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: ClinicContext) -> Any:
            result = await current_principal(update, context)
            if isinstance(result, SessionProblem):
                await refuse(update, context, _PROBLEM_TEXT[result])
                return ConversationHandler.END
            context.principal = result
            if roles and result.role not in roles:
                await refuse(update, context, "auth.wrong_role")
                return ConversationHandler.END
            return await handler(update, context)

        return guarded

    return decorate
