"""Pictures and files go out like messages: after the commit, with their captions checked like
Telegram does, a picture replaced in place by a button under it, and a screen shown from a
button under a picture sent as a new message (a picture's text cannot be edited)."""

from __future__ import annotations

import struct
import zlib

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.outbox import Document, Outbox, Photo, Show
from tests.conftest import Harness
from tests.fake_telegram import ChatUser, Message


def _png(width: int, height: int, shade: int = 0) -> bytes:
    """A real grey PNG of ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _markup(label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data="lang:en")]])


async def _flush(h: Harness, update: dict[str, object], *actions: object) -> None:
    outbox = Outbox()
    outbox.actions.extend(actions)  # type: ignore[arg-type]
    await outbox.flush(h.app.bot, Update.de_json(update, h.app.bot))


async def _typed(h: Harness, chat: ChatUser, *actions: object) -> list[Message]:
    before = len(h.telegram.bot_messages(chat.chat_id))
    await _flush(h, chat.message_update("hello"), *actions)
    return h.telegram.bot_messages(chat.chat_id)[before:]


async def test_a_picture_and_a_file_arrive_with_their_bytes_and_captions(
    harness: Harness,
) -> None:
    chat = harness.user()
    picture = _png(40, 20)
    sent = await _typed(
        harness,
        chat,
        Photo(picture, "<b>Week</b> 1 &amp; 2", _markup("Next")),
        Document(b"a,b\r\n1,2\r\n", "table.csv", "<i>Rows</i>"),
    )
    assert [m.photo for m in sent] == [picture, None]
    assert [m.caption for m in sent] == ["Week 1 & 2", "Rows"]
    assert sent[0].button_texts == ["Next"]
    document = sent[1].document
    assert document is not None
    assert (document.filename, document.content) == ("table.csv", b"a,b\r\n1,2\r\n")


async def test_a_caption_over_telegrams_limit_is_cut_to_whole_lines(harness: Harness) -> None:
    chat = harness.user()
    caption = "\n".join(f"line {i:03d} " + "x" * 40 for i in range(60))
    (sent,) = await _typed(harness, chat, Photo(_png(10, 10), caption))
    assert len(sent.caption) <= 1024
    assert sent.caption.endswith("…")
    assert sent.caption.startswith("line 000 ")


async def test_a_button_under_a_picture_replaces_it_and_shows_screens_as_new_messages(
    harness: Harness,
) -> None:
    chat = harness.user()
    (first,) = await _typed(harness, chat, Photo(_png(30, 30), "Page 1", _markup("Next")))
    second_picture = _png(30, 30, shade=200)
    await _flush(
        harness,
        chat.callback_update(first, "lang:en"),
        Photo(second_picture, "<b>Page</b> 2", _markup("Back"), replace=True),
    )
    shown = harness.telegram.bot_messages(chat.chat_id)
    assert shown == [first]
    assert (first.photo, first.caption, first.button_texts) == (second_picture, "Page 2", ["Back"])
    assert first.edits == 1
    # A screen shown from a button under the picture comes as a new message; the picture stays.
    await _flush(harness, chat.callback_update(first, "lang:en"), Show("Pick a month"))
    assert [m.text for m in harness.telegram.bot_messages(chat.chat_id)] == [
        "Page 2",
        "Pick a month",
    ]
    assert harness.telegram.calls_of("editMessageText") == []


async def test_a_picture_for_a_typed_message_is_sent_even_when_meant_to_replace(
    harness: Harness,
) -> None:
    chat = harness.user()
    await _typed(harness, chat, Photo(_png(8, 8), "One"))
    sent = await _typed(harness, chat, Photo(_png(8, 8), "Two", replace=True))
    assert [m.caption for m in sent] == ["Two"]
    assert len(harness.telegram.bot_messages(chat.chat_id)) == 2


@pytest.mark.parametrize(
    ("picture", "error"),
    [
        (b"not a picture", "IMAGE_PROCESS_FAILED"),
        (_png(9000, 2000), "PHOTO_INVALID_DIMENSIONS"),
    ],
)
async def test_the_fake_refuses_what_telegram_refuses(
    harness: Harness, picture: bytes, error: str
) -> None:
    """The fake checks uploads like Telegram, so a broken picture cannot pass unnoticed."""
    chat = harness.user()
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await _typed(harness, chat, Photo(picture, "x"))
    assert harness.telegram.bot_messages(chat.chat_id) == []
