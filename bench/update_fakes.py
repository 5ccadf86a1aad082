"""The users' side of ``bench_updates.py``, in a process of its own so its CPU is not the bot's.

It serves one fake Bot API (:class:`tests.fake_telegram.FakeTelegram` behind
:class:`~tests.fake_telegram.FakeBotApiServer`) per bot process under test, and plays chats as
closed loops: a chat sends its next update only once the bot has shown the answer to the
previous one (its ``sendMessage`` or ``editMessageText``). For every update it notes when the
chat sent it (it waits at the fake Bot API until the bot's polling loop fetches it) and when
the bot first answered that chat (``sendMessage``, ``editMessageText`` or
``answerCallbackQuery``).

The parent process drives it over a pipe with small dicts (see :func:`serve_fakes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fake_telegram import FakeBotApiServer, FakeTelegram

ANSWERS = frozenset({"sendMessage", "editMessageText", "answerCallbackQuery"})
SCREENS = frozenset({"sendMessage", "editMessageText"})
USER_NAME = "Bench"


@dataclass
class Screen:
    """What the bot last showed a chat: a message, its text and its buttons' data."""

    message_id: int
    text: str
    buttons: list[str]


@dataclass
class Pending:
    """One update sent by a chat, waiting for the bot's screen."""

    update_id: int
    step: str
    done: asyncio.Future[Screen]
    first_answer: float | None = None
    alerts: list[str] = field(default_factory=list)


class BenchTelegram(FakeTelegram):
    """A :class:`FakeTelegram` that times updates and tells each chat of its answers."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[int, Pending] = {}
        self.queries: dict[str, int] = {}
        self.polls = 0
        self.polling = asyncio.Event()
        self.unsolicited = 0

    async def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        arrived = time.perf_counter()
        code, body = await super().handle(method, params)
        if method not in ANSWERS:
            return code, body
        chat = params.get("chat_id")
        if method == "answerCallbackQuery":
            chat = self.queries.pop(str(params.get("callback_query_id")), None)
        waiting = self.pending.get(chat) if isinstance(chat, int) else None
        if waiting is None:
            self.unsolicited += 1
            return code, body
        if waiting.first_answer is None:
            waiting.first_answer = arrived
        if method == "answerCallbackQuery" and params.get("show_alert"):
            waiting.alerts.append(str(params.get("text")))
        if method in SCREENS and code == 200 and not waiting.done.done():
            result = body["result"]
            markup = params.get("reply_markup") or {}
            buttons = [
                str(button.get("callback_data"))
                for row in markup.get("inline_keyboard") or []
                for button in row
                if button.get("callback_data")
            ]
            screen = Screen(int(result["message_id"]), str(params["text"]), buttons)
            waiting.done.set_result(screen)
        return code, body

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.polls += 1
        self.polling.set()
        return await super()._api_getUpdates(params)

    # --- updates as Telegram sends them ---------------------------------------------------------

    @staticmethod
    def _user(chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": USER_NAME, "language_code": "en"}

    def text_update(self, chat_id: int, text: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": USER_NAME},
            "from": self._user(chat_id),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.new_update({"message": body})

    def press_update(self, chat_id: int, message_id: int, data: str) -> dict[str, Any]:
        message = self._message_json(self.messages[(chat_id, message_id)])
        query_id = str(next(self._ids))
        self.queries[query_id] = chat_id
        return self.new_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(chat_id),
                    "chat_instance": f"ci{chat_id}",
                    "data": data,
                    "message": message,
                }
            }
        )


class StepFailed(Exception):
    """The bot's answer was not the screen the script expected (or did not come)."""


@dataclass
class Record:
    """What one flow run saw."""

    steps: dict[int, str] = field(default_factory=dict)  # update id -> step name
    latency: dict[str, list[float]] = field(default_factory=dict)  # step -> seconds
    errors: list[str] = field(default_factory=list)
    retries: int = 0


class ChatLoop:
    """One chat of a flow: sends an update, waits for the bot's screen, goes on."""

    def __init__(
        self,
        telegram: BenchTelegram,
        record: Record,
        chat_id: int,
        *,
        echo: bool,
        timeout: float,
    ) -> None:
        self.telegram = telegram
        self.record = record
        self.chat_id = chat_id
        self.echo = echo
        self.timeout = timeout
        self.screen: Screen | None = None

    async def _send(self, update: dict[str, Any], step: str) -> Screen:
        loop = asyncio.get_running_loop()
        waiting = Pending(update["update_id"], step, loop.create_future())
        self.telegram.pending[self.chat_id] = waiting
        self.record.steps[waiting.update_id] = step
        sent = time.perf_counter()
        self.telegram.queue_update(update)
        try:
            screen = await asyncio.wait_for(waiting.done, self.timeout)
        except TimeoutError:
            raise StepFailed(f"{step}: no answer within {self.timeout:.0f} s") from None
        finally:
            del self.telegram.pending[self.chat_id]
            # What the patient waits: from sending the update (it waits at Telegram until the
            # bot fetches it) to the bot's first answer.
            if waiting.first_answer is not None:
                self.record.latency.setdefault(step, []).append(waiting.first_answer - sent)
        if waiting.alerts:
            raise StepFailed(f"{step}: alert {waiting.alerts[0]!r}")
        self.screen = screen
        return screen

    async def text(self, step: str, text: str) -> Screen:
        return await self._send(self.telegram.text_update(self.chat_id, text), step)

    async def press(self, step: str, data: str) -> Screen:
        if self.screen is None:
            raise StepFailed(f"{step}: no message to press a button on")
        update = self.telegram.press_update(self.chat_id, self.screen.message_id, data)
        return await self._send(update, step)

    def button(self, step: str, prefix: str, suffix: str = "") -> str:
        """The data of the shown button of family ``prefix`` (ending in ``suffix``); the echo
        bot shows no buttons, so it is pressed with a stand-in of the same shape."""
        if self.echo:
            return f"echo:{step}"
        assert self.screen is not None
        for data in self.screen.buttons:
            if data.startswith(prefix) and data.endswith(suffix):
                return data
        shown = self.screen.text.splitlines()[0][:80] if self.screen.text else ""
        raise StepFailed(f"{step}: no {prefix}…{suffix} button on {shown!r}")


Flow = Callable[[ChatLoop, dict[str, Any]], Awaitable[None]]


async def flow_me(chat: ChatLoop, params: dict[str, Any]) -> None:
    await chat.text("/me", "/me")


async def flow_appointments(chat: ChatLoop, params: dict[str, Any]) -> None:
    await chat.text("/appointments", "/appointments")


async def flow_schedule(chat: ChatLoop, params: dict[str, Any]) -> None:
    await chat.text("/schedule", "/schedule")


async def flow_book_walk(chat: ChatLoop, params: dict[str, Any]) -> None:
    """/book → specialty → doctor → the first day offered (its times shown), then /cancel."""
    try:
        await chat.text("/book", "/book")
        await chat.press("specialty", chat.button("specialty", "bk.s:", f":{params['specialty']}"))
        await chat.press("doctor", chat.button("doctor", "bk.d:", f":{params['doctor']}"))
        await chat.press("day", chat.button("day", "bk.day:"))
        if not chat.echo and not any(b.startswith("bk.t:") for b in chat.screen.buttons):  # type: ignore[union-attr]
            raise StepFailed("day: no time buttons shown")
    finally:
        await chat.text("/cancel", "/cancel")


async def flow_storm(chat: ChatLoop, params: dict[str, Any]) -> None:
    """The whole /book walk to a booked appointment: specialty → doctor → day → time →
    reason (skipped) → confirm. A time taken meanwhile is replaced by the first one offered
    instead."""
    await chat.text("/book", "/book")
    await chat.press("specialty", chat.button("specialty", "bk.s:", f":{params['specialty']}"))
    await chat.press("doctor", chat.button("doctor", "bk.d:", f":{params['doctor']}"))
    await chat.press("day", chat.button("day", "bk.day:", f":{params['day']}"))
    if chat.echo:
        await chat.press("time", chat.button("time", "bk.t:"))
        await chat.press("reason", chat.button("reason", "bk.rs:"))
        await chat.press("confirm", chat.button("confirm", "bk.ok:"))
        return
    wanted = f":{params['time']}"
    for _ in range(3):
        try:
            data = chat.button("time", "bk.t:", wanted)
        except StepFailed:
            # Not offered (taken before the day was shown): the first time offered instead.
            chat.record.retries += 1
            data = chat.button("time", "bk.t:")
        wanted = ""
        screen = await chat.press("time", data)
        if any(b.startswith("bk.rs:") for b in screen.buttons):
            # The reason for the visit, asked once: skipped.
            screen = await chat.press("reason", chat.button("reason", "bk.rs:"))
        if not any(b.startswith("bk.ok:") for b in screen.buttons):
            # The time went while the day was shown: the day's remaining times are offered.
            chat.record.retries += 1
            continue
        screen = await chat.press("confirm", chat.button("confirm", "bk.ok:"))
        if not any(b.startswith("bk.t:") for b in screen.buttons):
            if screen.buttons:
                raise StepFailed(f"confirm: unexpected screen {screen.text[:80]!r}")
            return
        # Taken at the last moment: the next free times are offered.
        chat.record.retries += 1
    raise StepFailed("confirm: no time could be booked in three tries")


FLOWS: dict[str, Flow] = {
    "me": flow_me,
    "appointments": flow_appointments,
    "schedule": flow_schedule,
    "book": flow_book_walk,
    "storm": flow_storm,
}


async def run_flow(telegram: BenchTelegram, plan: dict[str, Any]) -> dict[str, Any]:
    """Every chat of ``plan`` runs the flow ``rounds`` times, all chats at once."""
    record = Record()
    flow = FLOWS[plan["flow"]]
    echo = bool(plan.get("echo"))
    timeout = float(plan.get("timeout", 60))

    async def one_chat(params: dict[str, Any]) -> None:
        chat = ChatLoop(telegram, record, int(params["chat"]), echo=echo, timeout=timeout)
        for _ in range(int(plan.get("rounds", 1))):
            try:
                await flow(chat, params)
            except StepFailed as exc:
                record.errors.append(f"chat {chat.chat_id}: {exc}")

    started = time.perf_counter()
    await asyncio.gather(*(one_chat(params) for params in plan["chats"]))
    return {
        "wall": time.perf_counter() - started,
        "steps": record.steps,
        "latency": record.latency,
        "errors": record.errors,
        "retries": record.retries,
    }


def serve_fakes(conn: Any) -> None:
    """Child process entry: answer the parent's requests until told to stop.

    Requests: ``{"op": "serve", "name": n}`` → the URL of a new fake Bot API named ``n``;
    ``{"op": "polling", "name": n, "timeout": s}`` → whether its bot has started polling;
    ``{"op": "run", "name": n, "plan": {...}}`` → :func:`run_flow`'s result;
    ``{"op": "stop"}``.
    """

    async def main() -> None:
        loop = asyncio.get_running_loop()

        def quiet(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            # A bot's long poll still open when this process stops is cancelled: not an error.
            if not isinstance(context.get("exception"), asyncio.CancelledError):
                loop.default_exception_handler(context)

        loop.set_exception_handler(quiet)
        servers: dict[str, tuple[BenchTelegram, FakeBotApiServer]] = {}
        try:
            while True:
                request = await asyncio.to_thread(conn.recv)
                op = request["op"]
                if op == "stop":
                    conn.send({"ok": True})
                    return
                if op == "serve":
                    telegram = BenchTelegram()
                    server = FakeBotApiServer(telegram)
                    await server.start()
                    servers[request["name"]] = (telegram, server)
                    conn.send({"url": server.url})
                elif op == "polling":
                    telegram = servers[request["name"]][0]
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(telegram.polling.wait(), float(request["timeout"]))
                    conn.send({"polling": telegram.polling.is_set()})
                elif op == "run":
                    telegram = servers[request["name"]][0]
                    conn.send(await run_flow(telegram, request["plan"]))
                else:
                    conn.send({"error": f"unknown op {op!r}"})
        finally:
            for _, server in servers.values():
                await server.stop()

    asyncio.run(main())
