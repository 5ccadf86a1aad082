"""The real polling loop and network stack against a Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable

from bot.application import build_application
from bot.context import Services
from bot.server import serve
from tests.conftest import make_settings
from tests.fake_telegram import ChatUser, FakeBotApiServer, FakeTelegram, Message


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until(condition: Callable[[], bool], within: float = 15) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the bot did not answer in time")
        await asyncio.sleep(0.02)


def _get(url: str) -> tuple[int, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


async def test_registration_over_real_long_polling(services: Services, migrated_url: str) -> None:
    telegram = FakeTelegram()
    server = FakeBotApiServer(telegram)
    await server.start()
    settings = make_settings(migrated_url, TELEGRAM_API_URL=server.url)
    live = Services(
        settings=settings, session_factory=services.session_factory, clock=services.clock
    )
    app = build_application(live)
    port = _free_port()
    stop = asyncio.Event()
    running = asyncio.create_task(
        serve(app, port=port, webhook_url=None, stop=stop, poll_timeout=1, host="127.0.0.1")
    )
    ana = ChatUser(telegram, app, 555_001, first_name="Ana")

    async def say(text: str) -> Message:
        count = len(telegram.bot_messages(ana.chat_id))
        telegram.queue_update(ana.message_update(text))
        await _until(lambda: len(telegram.bot_messages(ana.chat_id)) > count)
        return telegram.bot_messages(ana.chat_id)[-1]

    try:
        await _until(lambda: bool(telegram.calls_of("getUpdates")))
        assert "full name" in (await say("/register")).text
        assert "email" in (await say("Ana Polling")).text
        assert "password" in (await say("ana.polling@example.com")).text
        assert "share your phone" in (await say("polling-password")).text
        assert "account is ready" in (await say("Skip")).text
        status, body = await asyncio.to_thread(_get, f"http://127.0.0.1:{port}/health")
        assert (status, body) == (200, {"status": "ok", "database": "ok", "updates": "receiving"})
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=20)
        await server.stop()
    deleted = [m for m in telegram.chat(ana.chat_id, include_deleted=True) if m.deleted]
    assert [m.text for m in deleted] == ["polling-password"]
    assert server.requests > 5
    assert {"getMe", "getUpdates", "sendMessage", "deleteMessage", "setMyCommands"} <= {
        name for name, _ in telegram.calls
    }


def _post(url: str, body: dict[str, object], secret: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


async def test_webhook_mode_checks_the_secret(services: Services, migrated_url: str) -> None:
    telegram = FakeTelegram()
    server = FakeBotApiServer(telegram)
    await server.start()
    settings = make_settings(
        migrated_url, TELEGRAM_API_URL=server.url, WEBHOOK_URL="https://bot.example.org/"
    )
    live = Services(
        settings=settings, session_factory=services.session_factory, clock=services.clock
    )
    app = build_application(live)
    port = _free_port()
    stop = asyncio.Event()
    running = asyncio.create_task(
        serve(app, port=port, webhook_url=settings.webhook_url, stop=stop, host="127.0.0.1")
    )
    ana = ChatUser(telegram, app, 555_002, first_name="Ana")
    try:
        await _until(lambda: bool(telegram.calls_of("setWebhook")))
        hook = telegram.calls_of("setWebhook")[-1]
        assert hook["url"] == "https://bot.example.org/telegram"
        secret = str(hook["secret_token"])
        assert secret and app.bot.token not in secret
        url = f"http://127.0.0.1:{port}/telegram"
        forged = await asyncio.to_thread(_post, url, ana.message_update("/start"), "wrong")
        assert forged == 403
        ok = await asyncio.to_thread(_post, url, ana.message_update("/start"), secret)
        assert ok == 200
        await _until(lambda: bool(telegram.bot_messages(ana.chat_id)))
        assert len(telegram.bot_messages(ana.chat_id)) == 1
        assert "Welcome" in telegram.bot_messages(ana.chat_id)[0].text
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=20)
        await server.stop()
