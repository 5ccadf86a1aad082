"""What an update's handler says, sent only after its transaction committed.

Handlers queue messages, pictures, files, edits, button answers, deletions and menu changes
here; the dispatcher flushes them once the update's changes (the conversation's new state
included) are stored, so a crash right after an answer never loses a step, and a rolled-back
change never shows as done.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.constants import CallbackQueryLimit, MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.choices import ReplyMarkup
from bot.texts import t

log = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]+>")
ELLIPSIS = "…"


def telegram_length(text: str) -> int:
    """A plain text's length as Telegram counts it (UTF-16 code units: an emoji may be two)."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(text: str) -> int:
    """How long Telegram counts ``text`` in HTML parse mode (tags and entities resolved)."""
    return telegram_length(html.unescape(_TAG.sub("", text)))


def clip(text: str, limit: int) -> str:
    """A plain ``text`` cut to ``limit`` (as Telegram counts), ending with an ellipsis when cut."""
    if telegram_length(text) <= limit:
        return text
    kept = ""
    for char in text:
        if telegram_length(kept + char + ELLIPSIS) > limit:
            break
        kept += char
    return kept.rstrip() + ELLIPSIS


def fit(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> str:
    """``text`` within Telegram's limit: whole lines kept from the top, then an ellipsis. Every
    view is paged to fit well within it; this only guards against the unforeseen."""
    if len(text) <= limit or visible_length(text) <= limit:
        return text
    kept: list[str] = []
    for line in text.split("\n"):
        if visible_length("\n".join([*kept, line, ELLIPSIS])) > limit:
            break
        kept.append(line)
    return "\n".join([*kept, ELLIPSIS])


@dataclass
class Send:
    text: str
    markup: ReplyMarkup | None = None


@dataclass
class Show:
    """Edit the message whose button was pressed; send a new one for a typed update (or when
    the pressed message is a picture or a file, whose text cannot be edited)."""

    text: str
    markup: InlineKeyboardMarkup | None = None


@dataclass
class Photo:
    """A picture (PNG or JPEG bytes) with its caption (HTML). With ``replace``, it takes the
    place of the picture whose button was pressed; otherwise, or for a typed update, it is sent.
    """

    data: bytes
    caption: str
    markup: InlineKeyboardMarkup | None = None
    replace: bool = False
    filename: str = "picture.png"


@dataclass
class Document:
    """A file sent to the chat, with its caption (HTML)."""

    data: bytes
    filename: str
    caption: str = ""
    markup: InlineKeyboardMarkup | None = None


@dataclass
class Delete:
    message_id: int
    carries_secret: bool


@dataclass
class Menu:
    commands: list[tuple[str, str]] | None  # None: back to the default menu


@dataclass
class StripButtons:
    """Remove the buttons of the message whose (stale) button was pressed."""


Action = Send | Show | Photo | Document | Delete | Menu | StripButtons


@dataclass
class Outbox:
    """The queued replies of one update."""

    actions: list[Action] = field(default_factory=list)
    answer_text: str | None = None
    answer_alert: bool = False
    answered: bool = False
    # Whether the update's transaction committed, and changed something the user did: an
    # error after that point must say the change was made.
    committed: bool = False
    changed: bool = False
    after_commit: list[Callable[[], Awaitable[None] | None]] = field(default_factory=list)

    def clear(self) -> None:
        self.actions.clear()
        self.answer_text, self.answer_alert = None, False
        self.after_commit.clear()
        self.committed = self.changed = False

    def prepend(self, action: Action) -> None:
        self.actions.insert(0, action)

    async def flush(self, bot: Bot, update: Update) -> None:
        """Send everything queued, in order (the button press is answered first)."""
        query = update.callback_query
        chat = update.effective_chat
        if query is not None and not self.answered:
            self.answered = True
            answer = self.answer_text
            if answer is not None:
                answer = clip(answer, CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH)
            try:
                await query.answer(answer, show_alert=self.answer_alert)
            except BadRequest as exc:  # a query older than Telegram keeps them
                log.debug("callback query not answered: %s", exc)
        if chat is None:
            return
        actions, self.actions = self.actions, []
        for action in actions:
            await self._do(bot, update, chat.id, action)
        hooks, self.after_commit = self.after_commit, []
        for hook in hooks:
            result = hook()
            if result is not None:
                await result

    async def _do(self, bot: Bot, update: Update, chat_id: int, action: Action) -> None:
        query = update.callback_query
        if isinstance(action, Show):
            text = fit(action.text)
            if query is not None and query.message is not None and _has_text(query.message):
                try:
                    await bot.edit_message_text(
                        text, chat_id, query.message.message_id, reply_markup=action.markup
                    )
                    return
                except BadRequest as exc:
                    if "not modified" in str(exc).lower():
                        return
                    log.debug("could not edit, sending instead: %s", exc)
            await bot.send_message(chat_id, text, reply_markup=action.markup)
        elif isinstance(action, Send):
            await bot.send_message(chat_id, fit(action.text), reply_markup=action.markup)
        elif isinstance(action, Photo):
            await _photo(bot, update, chat_id, action)
        elif isinstance(action, Document):
            await bot.send_document(
                chat_id,
                InputFile(action.data, filename=action.filename),
                caption=fit(action.caption, MessageLimit.CAPTION_LENGTH) or None,
                reply_markup=action.markup,
            )
        elif isinstance(action, Delete):
            try:
                await bot.delete_message(chat_id, action.message_id)
            except (BadRequest, Forbidden) as exc:
                level = logging.WARNING if action.carries_secret else logging.DEBUG
                log.log(level, "could not delete a message: %s", exc)
        elif isinstance(action, StripButtons):
            if query is not None and query.message is not None:
                try:
                    await bot.edit_message_reply_markup(chat_id, query.message.message_id)
                except BadRequest as exc:
                    log.debug("could not remove stale buttons: %s", exc)
        elif isinstance(action, Menu):
            await show_menu(bot, chat_id, action.commands)


def _has_text(message: MaybeInaccessibleMessage) -> bool:
    """Whether a message's text can be edited (a picture's or a file's cannot)."""
    return not isinstance(message, Message) or message.text is not None


async def _photo(bot: Bot, update: Update, chat_id: int, action: Photo) -> None:
    caption = fit(action.caption, MessageLimit.CAPTION_LENGTH)
    query = update.callback_query
    pressed = query.message if query is not None else None
    if action.replace and isinstance(pressed, Message) and pressed.photo:
        upload = InputFile(action.data, filename=action.filename, attach=True)
        media = InputMediaPhoto(upload, caption=caption or None)
        try:
            await bot.edit_message_media(
                media, chat_id, pressed.message_id, reply_markup=action.markup
            )
            return
        except BadRequest as exc:
            log.debug("could not replace a picture, sending instead: %s", exc)
    await bot.send_photo(
        chat_id,
        InputFile(action.data, filename=action.filename),
        caption=caption or None,
        reply_markup=action.markup,
    )


async def show_menu(bot: Bot, chat_id: int, commands: list[tuple[str, str]] | None) -> None:
    """Make the chat's command menu ``commands`` (``None``: the default one)."""
    try:
        if commands is None:
            await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
        else:
            await bot.set_my_commands(
                [BotCommand(name, description) for name, description in commands],
                scope=BotCommandScopeChat(chat_id),
            )
    except TelegramError as exc:  # the menu is a convenience: never fail the action over it
        log.warning("could not update the command menu of a chat: %s", exc)


def menu_entries(commands: list[str], language: str) -> list[tuple[str, str]]:
    return [(name, t(language, f"menu.{name}")) for name in commands]
