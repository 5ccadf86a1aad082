"""A fake Telegram Bot API: the one thing faked in the tests, at the HTTP request layer.

``FakeTelegram`` keeps what each chat shows (messages, pictures and files with their captions,
their buttons, edits, deletions, answered button presses, command menus) and answers the Bot API
methods the bot uses, checking HTML, lengths and uploads the way Telegram does. Two fronts reach
it: ``FakeRequest`` (a PTB ``BaseRequest``, in process, multipart uploads included) and
``FakeBotApiServer`` (a real HTTP server on 127.0.0.1 for the polling loop).
``ChatUser`` plays a person typing and pressing buttons in a private chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl

from telegram import Update
from telegram.constants import (
    BotCommandLimit,
    CallbackQueryLimit,
    InlineKeyboardButtonLimit,
    InlineKeyboardMarkupLimit,
    MessageLimit,
)
from telegram.request import BaseRequest, RequestData

BOT_ID = 7_000_000_001
BOT_USERNAME = "clinic_test_bot"
TOKEN = f"{BOT_ID}:AAFakeTokenForTests_abcdefghijklmnop"

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
    "tg-spoiler", "blockquote", "tg-emoji",
}  # fmt: skip
INT_PARAMS = {"chat_id", "message_id", "user_id", "offset", "limit", "timeout", "cache_time"}
JSON_PARAMS = {"reply_markup", "commands", "scope", "allowed_updates", "entities",
               "link_preview_options", "reply_parameters", "media"}  # fmt: skip
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_UPLOAD = 50 * 1024 * 1024  # a bot's upload limit
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"

# What the Bot API refuses. A message's text is counted after entity parsing, in UTF-16 code
# units; a reply keyboard (under the input field) takes up to 300 buttons, 12 a row.
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
MAX_CALLBACK_ANSWER = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
MAX_CALLBACK_DATA = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
MAX_INLINE_BUTTONS = InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER
MAX_INLINE_ROW = InlineKeyboardMarkupLimit.BUTTONS_PER_ROW
MAX_REPLY_BUTTONS, MAX_REPLY_ROW = 300, 12
MAX_COMMANDS = BotCommandLimit.MAX_COMMAND_NUMBER
MAX_COMMAND_DESCRIPTION = BotCommandLimit.MAX_DESCRIPTION
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


class TelegramHtmlError(ValueError):
    pass


class _Strip(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise TelegramHtmlError(f'Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            raise TelegramHtmlError(f'Unexpected end tag "{tag}"')

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """What Telegram shows for ``text``; raises like Telegram on malformed HTML."""
    if parse_mode != "HTML":
        return text
    # Telegram refuses a bare '<' or '&' that does not start a tag or an entity.
    for index, char in enumerate(text):
        if char == "<" and not (
            text[index + 1 : index + 2].isalpha() or text[index + 1 : index + 2] == "/"
        ):
            raise TelegramHtmlError("Can't parse entities: unexpected '<'")
    parser = _Strip()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise TelegramHtmlError(
            f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"'
        )
    return "".join(parser.parts)


@dataclass(frozen=True)
class Upload:
    """A file uploaded with a request (a part of its multipart body)."""

    filename: str
    content: bytes
    mime_type: str


def telegram_length(text: str) -> int:
    """A text's length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _check_text(text: str) -> None:
    if not text.strip():
        raise _ApiError(400, "Bad Request: message text is empty")
    if telegram_length(text) > MAX_TEXT:
        raise _ApiError(400, "Bad Request: message is too long")


@dataclass
class Message:
    chat_id: int
    message_id: int
    text: str  # as shown (HTML stripped); a picture's or a file's caption
    raw: str  # as sent
    from_bot: bool
    reply_markup: dict[str, Any] | None = None
    deleted: bool = False
    edits: int = 0
    date: int = field(default_factory=lambda: int(time.time()))
    photo: bytes | None = None  # a picture's bytes, as uploaded
    document: Upload | None = None  # a file, as uploaded

    @property
    def caption(self) -> str:
        """A picture's or a file's caption as shown."""
        return self.text

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        return list(self.reply_markup.get("inline_keyboard") or [])

    @property
    def button_texts(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]

    @property
    def keyboard(self) -> list[str]:
        """Texts of a reply keyboard (the buttons under the input field)."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("keyboard") or []
        return [b["text"] if isinstance(b, dict) else str(b) for row in rows for b in row]


class FakeTelegram:
    """The Bot API's side of every chat the bot talks to."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.messages: dict[tuple[int, int], Message] = {}
        self.answers: list[dict[str, Any]] = []
        self.menus: dict[str, list[dict[str, Any]]] = {}
        self.blocked: set[int] = set()
        self.failures: dict[str, list[tuple[int, str, dict[str, Any] | None]]] = {}
        # Faults by method: seconds before a call is acted on and answered (a slow Bot API);
        # the HTTP status every call answers with until cleared (an outage); how many more
        # calls are acted on and then left unanswered, their connection cut (HTTP front only).
        self.delays: dict[str, float] = {}
        # Calls of a method with a gate wait (after their delay) until the gate is set.
        self.gates: dict[str, asyncio.Event] = {}
        self.outages: dict[str, int] = {}
        self.cuts: dict[str, int] = {}
        # Calls received and not answered yet, by method.
        self.in_flight: Counter[str] = Counter()
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._pending: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()

    # --- the Bot API ---------------------------------------------------------------------------
    def fail_next(
        self, method: str, code: int, description: str, retry_after: int | None = None
    ) -> None:
        """Make the next call of ``method`` fail with ``code``."""
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        self.failures.setdefault(method, []).append((code, description, parameters))

    async def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.calls.append((method, params))
        self.in_flight[method] += 1
        try:
            delay = self.delays.get(method)
            if delay:
                await asyncio.sleep(delay)
            gate = self.gates.get(method)
            if gate is not None:
                await gate.wait()
            return await self._answer(method, params)
        finally:
            self.in_flight[method] -= 1

    def take_cut(self, method: str) -> bool:
        """Whether this call's connection is to be cut instead of answered."""
        if self.cuts.get(method, 0) > 0:
            self.cuts[method] -= 1
            return True
        return False

    async def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method in self.outages:
            code = self.outages[method]
            return code, _error(code, "Internal Server Error" if code >= 500 else "Error")
        queued = self.failures.get(method)
        if queued:
            code, description, parameters = queued.pop(0)
            return code, _error(code, description, parameters)
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self.blocked and method.startswith("send"):
            return 403, _error(403, "Forbidden: bot was blocked by the user")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, _error(404, "Not Found: method not found")
        try:
            result = handler(params) if method != "getUpdates" else await handler(params)
        except TelegramHtmlError as exc:
            return 400, _error(400, f"Bad Request: {exc}")
        except _ApiError as exc:
            return exc.code, _error(exc.code, exc.description)
        return 200, {"ok": True, "result": result}

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Clinic",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message_json(self, message: Message) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": {"id": message.chat_id, "type": "private", "first_name": "User"},
        }
        file_id = f"file{message.message_id}_{message.edits}"
        if message.photo is not None:
            width, height = _png_size(message.photo)
            data["photo"] = [
                {"file_id": file_id, "file_unique_id": file_id, "width": width, "height": height}
            ]
        elif message.document is not None:
            data["document"] = {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": message.document.filename,
                "mime_type": message.document.mime_type,
                "file_size": len(message.document.content),
            }
        else:
            data["text"] = message.text
        if (message.photo is not None or message.document is not None) and message.text:
            data["caption"] = message.text
        if message.from_bot:
            data["from"] = self._api_getMe({})
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = str(params["text"])
        text = visible_text(raw, params.get("parse_mode"))
        _check_text(text)
        _check_markup(params.get("reply_markup"))
        message = Message(
            chat_id=int(params["chat_id"]),
            message_id=next(self._ids),
            text=text,
            raw=raw,
            from_bot=True,
            reply_markup=params.get("reply_markup"),
        )
        self.messages[(message.chat_id, message.message_id)] = message
        return self._message_json(message)

    def _find(self, params: dict[str, Any]) -> Message:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None or message.deleted:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return message

    def _caption(self, params: dict[str, Any]) -> tuple[str, str]:
        raw = str(params.get("caption") or "")
        text = visible_text(raw, params.get("parse_mode"))
        if len(text) > MAX_CAPTION:
            raise _ApiError(400, "Bad Request: message caption is too long")
        return raw, text

    def _media_message(self, params: dict[str, Any], **media: Any) -> dict[str, Any]:
        raw, text = self._caption(params)
        _check_markup(params.get("reply_markup"))
        message = Message(
            chat_id=int(params["chat_id"]),
            message_id=next(self._ids),
            text=text,
            raw=raw,
            from_bot=True,
            reply_markup=params.get("reply_markup"),
            **media,
        )
        self.messages[(message.chat_id, message.message_id)] = message
        return self._message_json(message)

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._media_message(params, photo=_picture(params.get("photo")))

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = params.get("document")
        if not isinstance(upload, Upload):
            raise _ApiError(400, "Bad Request: there is no document in the request")
        if not upload.content:
            raise _ApiError(400, "Bad Request: file must be non-empty")
        if len(upload.content) > MAX_UPLOAD:
            raise _ApiError(413, "Request Entity Too Large")
        return self._media_message(params, document=upload)

    def _api_editMessageMedia(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        media = params.get("media")
        if not isinstance(media, dict) or media.get("type") != "photo":
            raise _ApiError(400, "Bad Request: unsupported media")
        if message.photo is None:
            raise _ApiError(400, "Bad Request: there is no photo in the message to edit")
        reference = str(media.get("media", ""))
        upload = params.get(reference.removeprefix("attach://"))
        photo = _picture(upload if reference.startswith("attach://") else None)
        raw, text = self._caption(media)
        markup = params.get("reply_markup")
        _check_markup(markup)
        message.photo, message.raw, message.text = photo, raw, text
        message.reply_markup = markup
        message.edits += 1
        return self._message_json(message)

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        if message.photo is not None or message.document is not None:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        raw = str(params["text"])
        text = visible_text(raw, params.get("parse_mode"))
        _check_text(text)
        markup = params.get("reply_markup")
        _check_markup(markup)
        if raw == message.raw and markup == message.reply_markup:
            raise _ApiError(400, "Bad Request: message is not modified")
        message.raw, message.text, message.reply_markup = raw, text, markup
        message.edits += 1
        return self._message_json(message)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        markup = params.get("reply_markup")
        _check_markup(markup)
        if markup == message.reply_markup:
            raise _ApiError(400, "Bad Request: message is not modified")
        message.reply_markup = markup
        message.edits += 1
        return self._message_json(message)

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None or message.deleted:
            raise _ApiError(400, "Bad Request: message to delete not found")
        message.deleted = True
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if telegram_length(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.answers.append(params)
        return True

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = list(params["commands"])
        if len(commands) > MAX_COMMANDS:
            raise _ApiError(400, "Bad Request: too many commands")
        for command in commands:
            description = str(command.get("description") or "")
            if not COMMAND_NAME.match(str(command.get("command") or "")):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= telegram_length(description) <= MAX_COMMAND_DESCRIPTION:
                raise _ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.menus[self._scope_key(params)] = list(params["commands"])
        return True

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self.menus.pop(self._scope_key(params), None)
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if not self._pending and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout=min(timeout, 2))
        return list(self._pending[: int(params.get("limit") or 100)])

    # --- the users' side -----------------------------------------------------------------------
    def new_update(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **body}

    def queue_update(self, update: dict[str, Any]) -> None:
        """Hand an update to the polling loop (for the HTTP front)."""
        self._pending.append(update)
        self._new_update.set()

    def user_message(self, chat_id: int, text: str) -> Message:
        message = Message(
            chat_id=chat_id, message_id=next(self._ids), text=text, raw=text, from_bot=False
        )
        self.messages[(chat_id, message.message_id)] = message
        return message

    def chat(self, chat_id: int, *, include_deleted: bool = False) -> list[Message]:
        """Messages of a chat in order (bot and user)."""
        return [
            m
            for (cid, _), m in sorted(self.messages.items(), key=lambda item: item[0][1])
            if cid == chat_id and (include_deleted or not m.deleted)
        ]

    def bot_messages(self, chat_id: int) -> list[Message]:
        return [m for m in self.chat(chat_id) if m.from_bot]

    def menu(self, chat_id: int | None = None, language: str = "") -> list[str]:
        """The command names a chat sees in its menu (falling back to the default one)."""
        if chat_id is not None:
            key = json.dumps([{"type": "chat", "chat_id": chat_id}, ""], sort_keys=True)
            if key in self.menus:
                return [c["command"] for c in self.menus[key]]
        key = json.dumps([{"type": "default"}, language], sort_keys=True)
        return [c["command"] for c in self.menus.get(key, [])]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


def _error(
    code: int, description: str, parameters: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _check_markup(markup: Any) -> None:
    """Refuse a keyboard the way Telegram does: too many buttons in all or in a row, a button
    without text, callback data outside 1–64 bytes."""
    if not markup:
        return
    if "inline_keyboard" in markup:
        rows, most, per_row = markup["inline_keyboard"], MAX_INLINE_BUTTONS, MAX_INLINE_ROW
    elif "keyboard" in markup:
        rows, most, per_row = markup["keyboard"], MAX_REPLY_BUTTONS, MAX_REPLY_ROW
    else:
        return
    if sum(len(row) for row in rows) > most or any(len(row) > per_row for row in rows):
        raise _ApiError(400, "Bad Request: REPLY_MARKUP_TOO_LONG")
    for row in rows:
        for button in row:
            label = button.get("text") if isinstance(button, dict) else button
            if not str(label or "").strip():
                raise _ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
            data = button.get("callback_data") if isinstance(button, dict) else None
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height (from its header); (0, 0) for anything else."""
    if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return 0, 0


def _picture(upload: Any) -> bytes:
    """The bytes of an uploaded picture, refused as Telegram would when it is not one."""
    if not isinstance(upload, Upload):
        raise _ApiError(400, "Bad Request: there is no photo in the request")
    content = upload.content
    if not content.startswith((PNG_SIGNATURE, JPEG_SIGNATURE)):
        raise _ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
    if len(content) > 10 * 1024 * 1024:
        raise _ApiError(400, "Bad Request: file is too big")
    width, height = _png_size(content)
    if content.startswith(PNG_SIGNATURE) and (
        not width
        or not height
        or width + height > 10_000
        or max(width, height) > 20 * min(width, height)
    ):
        raise _ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    return content


def _uploads(request_data: RequestData) -> dict[str, Upload]:
    """The files of a multipart request, by part name."""
    found = {}
    for name, part in request_data.multipart_data.items():
        filename, content = part[0], part[1]
        mime_type = part[2] if len(part) > 2 else "application/octet-stream"
        if not isinstance(content, bytes):
            content = content.read()
        found[name] = Upload(str(filename), bytes(content), str(mime_type))
    return found


def _normalise(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str) and key in INT_PARAMS and value.lstrip("-").isdigit():
            out[key] = int(value)
        elif isinstance(value, str) and key in JSON_PARAMS:
            out[key] = json.loads(value)
        elif (
            isinstance(value, str)
            and value in ("true", "false")
            and key not in ("text", "caption")
        ):
            out[key] = value == "true"
        else:
            out[key] = value
    return out


class FakeRequest(BaseRequest):
    """PTB's request layer answered in process by :class:`FakeTelegram`."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = _normalise(dict(request_data.json_parameters)) if request_data else {}
        if request_data is not None and request_data.contains_files:
            params.update(_uploads(request_data))
        code, body = await self.telegram.handle(api_method, params)
        return code, json.dumps(body).encode()


class FakeBotApiServer:
    """:class:`FakeTelegram` behind a real HTTP server on 127.0.0.1 (``/bot<token>/<method>``)."""

    def __init__(self, telegram: FakeTelegram, token: str = TOKEN) -> None:
        self.telegram = telegram
        self.token = token
        self.port = 0
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[Any]] = set()
        self.requests = 0
        # Calls by caller and method, for bots given :meth:`url_for` a caller.
        self.calls_by: Counter[tuple[str, str]] = Counter()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, caller: str) -> str:
        """A root URL for one bot (``/<caller>/bot<token>/<method>``): its calls are counted
        in :attr:`calls_by` under ``caller``."""
        return f"{self.url}/{caller}"

    async def start(self, port: int = 0) -> None:
        """Listen on ``port`` of 127.0.0.1 (by default, any free one)."""
        self._server = await asyncio.start_server(self._client, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every connection (calls still waiting are abandoned)."""
        if self._server is not None:
            self._server.close()
            for task in list(self._clients):
                task.cancel()
            await asyncio.gather(*self._clients, return_exceptions=True)
            await self._server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._clients.add(task)
            task.add_done_callback(self._clients.discard)
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                _, path, _ = request_line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                method = path.rsplit("/", 1)[-1]
                code, payload = await self._dispatch(path, headers.get("content-type", ""), body)
                if self.telegram.take_cut(method):
                    # Acted on, never answered: the client cannot tell whether it was taken.
                    writer.transport.abort()
                    break
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {code} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _dispatch(
        self, path: str, content_type: str, body: bytes
    ) -> tuple[int, dict[str, Any]]:
        self.requests += 1
        caller, prefix = "", f"/bot{self.token}/"
        if not path.startswith(prefix) and path.count("/") > 2:
            caller, _, rest = path[1:].partition("/")
            path = f"/{rest}"
        if not path.startswith(prefix):
            return 401, _error(401, "Unauthorized")
        method = path[len(prefix) :]
        if caller:
            self.calls_by[caller, method] += 1
        if "json" in content_type:
            params = json.loads(body or b"{}")
        else:
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        return await self.telegram.handle(method, _normalise(params))


class ChatUser:
    """A person in a private chat with the bot, acting through ``application.process_update``."""

    def __init__(
        self,
        telegram: FakeTelegram,
        application: Any,
        user_id: int,
        first_name: str = "Ana",
        language_code: str = "en",
    ) -> None:
        self.telegram = telegram
        self.application = application
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code

    @property
    def chat_id(self) -> int:
        return self.user_id

    def _user(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    def _message_body(self, message: Message, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private", "first_name": self.first_name},
            "from": self._user(),
        }
        body.update(extra)
        return body

    def message_update(self, text: str) -> dict[str, Any]:
        message = self.telegram.user_message(self.chat_id, text)
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.telegram.new_update({"message": self._message_body(message, **extra)})

    async def feed(self, update: dict[str, Any]) -> None:
        await self.application.process_update(Update.de_json(update, self.application.bot))

    async def send(self, text: str) -> list[Message]:
        """Type ``text`` (a command when it starts with '/'); the bot's new messages."""
        before = self._seen()
        await self.feed(self.message_update(text))
        return self._new_since(before)

    async def edit(self, message: Message, text: str) -> list[Message]:
        """Edit one's own earlier message to ``text``; the bot's new messages."""
        before = self._seen()
        message.text = message.raw = text
        body = self._message_body(message, text=text, edit_date=int(time.time()))
        await self.feed(self.telegram.new_update({"edited_message": body}))
        return self._new_since(before)

    async def send_contact(self, phone: str, user_id: int | None = None) -> list[Message]:
        """Share a contact (one's own unless ``user_id`` says otherwise)."""
        before = self._seen()
        message = self.telegram.user_message(self.chat_id, "")
        contact = {
            "phone_number": phone,
            "first_name": self.first_name,
            "user_id": self.user_id if user_id is None else user_id,
        }
        await self.feed(
            self.telegram.new_update({"message": self._message_body(message, contact=contact)})
        )
        return self._new_since(before)

    async def send_sticker(self) -> list[Message]:
        before = self._seen()
        message = self.telegram.user_message(self.chat_id, "")
        sticker = {
            "file_id": "sticker1", "file_unique_id": "s1", "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False,
        }  # fmt: skip
        await self.feed(
            self.telegram.new_update({"message": self._message_body(message, sticker=sticker)})
        )
        return self._new_since(before)

    def find_button(
        self, label: str, message: Message | None = None
    ) -> tuple[Message, dict[str, Any]]:
        """The newest bot message with an inline button labelled (or containing) ``label``."""
        candidates = (
            [message] if message else list(reversed(self.telegram.bot_messages(self.chat_id)))
        )
        for candidate in candidates:
            for row in candidate.buttons:
                for button in row:
                    if button["text"] == label:
                        return candidate, button
            for row in candidate.buttons:
                for button in row:
                    if label in button["text"]:
                        return candidate, button
        raise AssertionError(f"no button {label!r} in chat; last texts: {self.texts()[-3:]}")

    def callback_update(self, message: Message, data: str) -> dict[str, Any]:
        return self.telegram.new_update(
            {
                "callback_query": {
                    "id": str(next(self.telegram._ids)),
                    "from": self._user(),
                    "chat_instance": f"ci{self.chat_id}",
                    "data": data,
                    "message": {
                        **self.telegram._message_json(message),
                        "from": self.telegram._api_getMe({}),
                    },
                }
            }
        )

    async def press(self, label: str, message: Message | None = None) -> list[Message]:
        """Press the inline button ``label``; the bot's new messages."""
        target, button = self.find_button(label, message)
        return await self.press_data(button["callback_data"], target)

    async def press_data(self, data: str, message: Message | None = None) -> list[Message]:
        """Press a button carrying ``data`` (possibly forged) on ``message``."""
        target = message or self.telegram.bot_messages(self.chat_id)[-1]
        before = self._seen()
        await self.feed(self.callback_update(target, data))
        return self._new_since(before)

    def _seen(self) -> int:
        return max(
            (m.message_id for m in self.telegram.chat(self.chat_id, include_deleted=True)),
            default=0,
        )

    def _new_since(self, before: int) -> list[Message]:
        return [m for m in self.telegram.bot_messages(self.chat_id) if m.message_id > before]

    def texts(self) -> list[str]:
        return [m.text for m in self.telegram.bot_messages(self.chat_id)]

    @property
    def last(self) -> Message:
        return self.telegram.bot_messages(self.chat_id)[-1]

    @property
    def last_answer(self) -> dict[str, Any] | None:
        return self.telegram.answers[-1] if self.telegram.answers else None
