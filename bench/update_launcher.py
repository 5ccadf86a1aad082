"""The process under test of ``bench_updates.py``: ``python -m bench.update_launcher KIND``.

``bot``: the clinic bot exactly as ``clinic-bot run`` builds and runs it (``bot.cli.main(["run"])``
with the environment it is given), after installing SQLAlchemy event listeners that count,
per update, the statements and transactions it sends to PostgreSQL. Nothing of the bot is
changed, with three bench-only exceptions: the health endpoint listens on 127.0.0.1 only,
``BENCH_RATE_LIMITER=off`` builds it without the Telegram rate limiter (a diagnostic run), and
the dispatcher's entry is wrapped to know which update a statement belongs to.

``echo``: a bare python-telegram-bot application on the same polling set-up (the same Bot API
URLs, defaults, rate limiter, update concurrency and HTTP pool as the bot): text is answered with
a message, a button with ``answerCallbackQuery`` and ``editMessageText``.

Signals (bot only): ``SIGUSR1`` writes the counts since the last report to ``BENCH_REPORT`` as
JSON (written whole, then renamed into place) and starts counting afresh; ``SIGUSR2`` starts
cProfile, and the next ``SIGUSR2`` stops it and writes its stats to ``BENCH_PROFILE``.
``SIGTERM`` stops either process cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import functools
import json
import os
import signal
import sys
import time
from contextvars import ContextVar
from pathlib import Path
from typing import Any

CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
WRITES = ("INSERT", "UPDATE", "DELETE")

# The update whose handling is running in this task (None: a job or start-up work).
CURRENT: ContextVar[int | None] = ContextVar("bench_update", default=None)


class Counts:
    """Statements, writes and transactions per update id, and outside any update."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.updates: dict[int, list[int]] = {}
        self.background = [0, 0, 0]
        self.savepoints = 0
        self.connections = 0

    def _slot(self) -> list[int]:
        update = CURRENT.get()
        if update is None:
            return self.background
        slot = self.updates.get(update)
        if slot is None:
            slot = self.updates[update] = [0, 0, 0]
        return slot

    def statement(self, text: str) -> None:
        head = text.lstrip()[:24].upper()
        if head.startswith(CONTROL):
            self.savepoints += 1
            return
        slot = self._slot()
        slot[0] += 1
        if head.startswith(WRITES):
            slot[1] += 1

    def transaction(self) -> None:
        self._slot()[2] += 1

    def report(self) -> dict[str, Any]:
        return {
            "updates": {str(k): v for k, v in self.updates.items()},
            "background": self.background,
            "savepoints": self.savepoints,
            "connections": self.connections,
        }


COUNTS = Counts()


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    partial.replace(path)


def _install_counters() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    def before_cursor_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        COUNTS.statement(statement)

    def begin(conn: Any) -> None:
        COUNTS.transaction()

    def connect(dbapi_connection: Any, record: Any) -> None:
        COUNTS.connections += 1

    event.listen(Engine, "before_cursor_execute", before_cursor_execute)
    event.listen(Engine, "begin", begin)
    event.listen(Pool, "connect", connect)


def _wrap_dispatcher() -> None:
    from bot import dispatch

    original = dispatch.Dispatcher.handle

    @functools.wraps(original)
    async def handle(self: Any, update: Any, context: Any) -> None:
        token = CURRENT.set(int(update.update_id))
        try:
            await original(self, update, context)
        finally:
            CURRENT.reset(token)

    dispatch.Dispatcher.handle = handle  # type: ignore[method-assign]


def _bench_only_settings() -> None:
    from bot import application, server

    server.serve = functools.partial(server.serve, host="127.0.0.1")  # type: ignore[assignment]
    if os.environ.get("BENCH_RATE_LIMITER", "on") == "off":
        application.build_application = functools.partial(  # type: ignore[assignment]
            application.build_application, rate_limiter=False
        )


def _install_signals() -> None:
    report = Path(os.environ["BENCH_REPORT"])
    profile_path = Path(os.environ.get("BENCH_PROFILE", str(report.with_suffix(".prof"))))
    profiler: list[cProfile.Profile] = []

    def on_report(signum: int, frame: Any) -> None:
        data = json.dumps(COUNTS.report())
        COUNTS.reset()
        _write_atomically(report, data)

    def on_profile(signum: int, frame: Any) -> None:
        if profiler:
            running = profiler.pop()
            running.disable()
            running.dump_stats(str(profile_path.with_suffix(".partial")))
            profile_path.with_suffix(".partial").replace(profile_path)
        else:
            # CPU time, not wall time: an update waiting on PostgreSQL or Telegram costs nothing.
            profiler.append(cProfile.Profile(time.process_time))
            profiler[0].enable()

    signal.signal(signal.SIGUSR1, on_report)
    signal.signal(signal.SIGUSR2, on_profile)


def run_bot() -> int:
    _install_counters()
    _wrap_dispatcher()
    _bench_only_settings()
    _install_signals()
    from bot.cli import main

    return main(["run"])


# --- the echo application -----------------------------------------------------------------------


async def _echo() -> None:
    from telegram import LinkPreviewOptions, Update
    from telegram.constants import ParseMode
    from telegram.ext import (
        AIORateLimiter,
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        Defaults,
        MessageHandler,
        filters,
    )

    async def answer_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.message is not None
        await context.bot.send_message(update.effective_chat.id, update.message.text or "?")

    async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"{query.data} ({update.update_id})")

    api = os.environ["TELEGRAM_API_URL"].rstrip("/")
    builder = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(16)
        .connection_pool_size(32)
        .pool_timeout(30)
    )
    if os.environ.get("BENCH_RATE_LIMITER", "on") != "off":
        limiter = AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 30, max_retries=3)
        builder = builder.rate_limiter(limiter)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, answer_text))
    app.add_handler(CallbackQueryHandler(answer_button))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.bot.delete_webhook()
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=30)
        await stop.wait()
        await app.updater.stop()
        await app.stop()


def run_echo() -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_echo())
    return 0


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else "bot"
    if kind not in ("bot", "echo"):
        raise SystemExit("usage: python -m bench.update_launcher bot|echo")
    sys.exit(run_bot() if kind == "bot" else run_echo())
