"""The real ``clinic-bot run`` as a separate process, to start, stop, kill and restart in tests.

The process runs this checkout (``python -m bot run`` with the checkout first on
``PYTHONPATH``) with only the environment it is given, and writes its log to a file of its
own in ``directory``::

    env = bot_env(database_url, telegram_server.url, REMINDER_SCAN_SECONDS="2")
    bot = BotProcess(env, tmp_path)
    await bot.start()             # returns once GET /health answers 200
    bot.kill()                    # SIGKILL: no clean-up of any kind
    bot.pause(); bot.resume()     # SIGSTOP / SIGCONT: a frozen process
    await bot.start()             # the same set-up again, a new process
    await bot.stop()              # SIGTERM, then waits for a clean exit
    print(bot.log())              # every start's log so far
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.conftest import JWT_SECRET
from tests.fake_telegram import TOKEN

ROOT = Path(__file__).resolve().parents[1]
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_env(database_url: str, telegram_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a bot process on ``database_url`` talking to a Bot API server at
    ``telegram_url``; email is off unless ``overrides`` configure it."""
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": telegram_url,
            "DATABASE_URL": database_url,
            "JWT_SECRET": JWT_SECRET,
            "CLINIC_TIMEZONE": "Europe/Madrid",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(overrides)
    return env


def smtp_env(host: str, port: int, security: str = "none", **overrides: str) -> dict[str, str]:
    """Variables sending email through an SMTP server without authentication."""
    return {
        "EMAIL_USER": "clinic@clinic.test",
        "EMAIL_PASS": "",
        "SMTP_HOST": host,
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": security,
        **overrides,
    }


class BotProcess:
    """One bot process at a time, started with ``env`` in ``directory`` (see module docstring).

    ``PORT`` is chosen when ``env`` does not set it, and kept across restarts.
    """

    def __init__(self, env: Mapping[str, str], directory: Path, name: str = "bot") -> None:
        self.env = dict(env)
        self.env.setdefault("PORT", str(free_port()))
        self.directory = directory
        self.name = name
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._logs: list[Path] = []

    @property
    def port(self) -> int:
        return int(self.env["PORT"])

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def start(self, *, healthy_within: float = 90) -> None:
        """Start a new process and wait until its health endpoint answers 200."""
        self.launch()
        await self.wait_healthy(within=healthy_within)

    def launch(self) -> None:
        """Start a new process, without waiting for anything."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        self.starts += 1
        log = self.directory / f"{self.name}-{self.starts}.log"
        self._logs.append(log)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                env=self.env,
                cwd=self.directory,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def wait_healthy(self, *, within: float = 90) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            if not self.running:
                raise AssertionError(f"{self.name} exited:\n{self.log()}")
            if await asyncio.to_thread(self.health) == 200:
                return
            if loop.time() > deadline:
                raise AssertionError(f"{self.name} did not become healthy:\n{self.log()}")
            await asyncio.sleep(0.1)

    def health(self) -> int | None:
        """The health endpoint's status code; None when it does not answer."""
        return self.health_report()[0]

    def health_report(self) -> tuple[int | None, dict[str, Any]]:
        """The health endpoint's status code and body; (None, {}) when it does not answer."""
        url = f"http://127.0.0.1:{self.port}/health"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status), dict(json.loads(response.read()))
        except urllib.error.HTTPError as error:
            try:
                return int(error.code), dict(json.loads(error.read()))
            except ValueError:
                return int(error.code), {}
        except (OSError, ValueError):
            return None, {}

    def updates(self) -> str | None:
        """What the health endpoint says of updates: ``receiving`` or ``standby``."""
        return self.health_report()[1].get("updates")

    def kill(self) -> None:
        """SIGKILL (``kill -9``): the process gets no chance to clean up."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.send_signal(signal.SIGCONT)  # a paused process dies at once too
        self.process.wait(timeout=30)

    def pause(self) -> None:
        """SIGSTOP: the process freezes (as in a long pause of its host) until :meth:`resume`."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT: a paused process carries on."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    async def stop(self, *, within: float = 60) -> int:
        """SIGTERM and wait for the exit; its return code. Killed if it does not exit."""
        process = self.process
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, within)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(
                    f"{self.name} did not stop on SIGTERM:\n{self.log()}"
                ) from None
        return int(process.returncode)

    async def wait_for_log(self, text: str, *, within: float = 60) -> None:
        """Wait until the current process has logged ``text``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while text not in (self._logs[-1].read_text(errors="replace") if self._logs else ""):
            if loop.time() > deadline:
                raise AssertionError(f"{self.name} never logged {text!r}:\n{self.log()}")
            await asyncio.sleep(0.1)

    def log(self) -> str:
        """Everything the process wrote, every start so far."""
        parts = []
        for index, path in enumerate(self._logs, start=1):
            text = path.read_text(errors="replace") if path.exists() else ""
            parts.append(f"--- {self.name}, start {index} ---\n{text}")
        return "\n".join(parts)

    async def __aenter__(self) -> BotProcess:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.running:
            self.kill()
