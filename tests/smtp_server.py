"""An in-process SMTP server for tests: AUTH, optional STARTTLS or implicit TLS, and a record.

``SmtpTestServer`` runs aiosmtpd's threaded ``Controller`` on 127.0.0.1. It requires AUTH
(PLAIN or LOGIN) with the given username and password before MAIL, offers STARTTLS or serves
implicit TLS with a certificate from a ``trustme`` CA, records every message it accepts, counts
client connections, refuses chosen recipients, and can be stopped and started again on the same
port to play "SMTP down, then up"::

    async with running_smtp_server(security="starttls") as server:
        mailer = Mailer(server.config())
        ...
        assert server.connections == 1
        await server.stop()      # clients see their connection drop and new ones refused
        await server.start()     # same port, same record
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import functools
import math
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from bot.mailer import SmtpConfig

Security = Literal["starttls", "ssl", "none"]

HOST = "127.0.0.1"
DEFAULT_USERNAME = "clinic@clinic.test"
DEFAULT_PASSWORD = "gmail-app-password-123"


@functools.cache
def certificate_authority() -> trustme.CA:
    """The certificate authority behind every test server's certificate (one per session)."""
    return trustme.CA()


def client_tls_context() -> ssl.SSLContext:
    """A client context that verifies certificates against :func:`certificate_authority` only."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    certificate_authority().configure_trust(context)
    return context


def _server_tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority().issue_cert(HOST, "localhost").configure_cert(context)
    return context


def free_port(host: str = HOST) -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ReceivedMessage:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    secure: bool  # the session was encrypted (STARTTLS or implicit TLS)
    login: str | None  # the AUTH user


class _Controller(Controller):
    """aiosmtpd's controller, telling its owner about each new connection."""

    def __init__(self, owner: SmtpTestServer, **kwargs: Any) -> None:
        super().__init__(owner, **kwargs)
        self._owner = owner

    def factory(self) -> SMTP:
        smtpd = SMTP(self.handler, **self.SMTP_kwargs)
        self._owner._connection_made(smtpd)
        return smtpd


class SmtpTestServer:
    """A real SMTP server on 127.0.0.1 for one test (see the module docstring)."""

    def __init__(
        self,
        *,
        security: Security = "starttls",
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
        require_auth: bool = True,
        port: int | None = None,
        refuse: Iterable[str] = (),
        defer: Iterable[str] = (),
    ) -> None:
        self.security: Security = security
        self.username = username
        self.password = password
        self.require_auth = require_auth
        self.host = HOST
        self.port = port or free_port()
        # Recipients refused with 550 (for good) or 450 (try later); both can change any time.
        self.refuse = {address.lower() for address in refuse}
        self.defer = {address.lower() for address in defer}
        # Faults for the next MAIL commands, one each: "drop" cuts the connection, anything else
        # (e.g. "421 4.7.0 Try again later") is the reply.
        self.mail_faults: list[str] = []
        # Seconds the server takes to answer each message's data (a slow server); ``math.inf``
        # never answers it (a hung server). A message counts as received once answered.
        self.data_delay = 0.0
        self.messages: list[ReceivedMessage] = []
        self.auth_failures = 0
        self._connections = 0
        self._counting = False
        self._lock = threading.Lock()
        self._live: list[SMTP] = []
        self._controller: _Controller | None = None
        self._tls = _server_tls_context() if security != "none" else None

    # --- Lifecycle ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._controller is not None

    @property
    def connections(self) -> int:
        """How many client connections the server has accepted since it was created."""
        with self._lock:
            return self._connections

    async def start(self) -> None:
        """Start listening on ``self.port`` (again, after :meth:`stop`)."""
        await asyncio.to_thread(self._start)

    async def stop(self) -> None:
        """Drop every open connection and stop listening; the record is kept."""
        await asyncio.to_thread(self._stop)

    async def restart(self) -> None:
        """Stop, then start again on the same port."""
        await self.stop()
        await self.start()

    async def __aenter__(self) -> SmtpTestServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- For the code under test ----------------------------------------------------------------

    def client_tls_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate."""
        return client_tls_context()

    def config(self, **overrides: Any) -> SmtpConfig:
        """An SmtpConfig that reaches this server with the right credentials."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": self.security,
            "username": self.username if self.require_auth else "",
            "password": self.password if self.require_auth else "",
            "from_address": self.username,
            "timeout": 5.0,
            "tls_context": self.client_tls_context(),
        }
        values.update(overrides)
        return SmtpConfig(**values)

    async def wait_for_messages(self, count: int, within: float = 5.0) -> list[ReceivedMessage]:
        """Wait until at least ``count`` messages have arrived; return them all."""
        deadline = time.monotonic() + within
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.messages)} of {count} messages arrived")
            await asyncio.sleep(0.01)
        return list(self.messages)

    def clear(self) -> None:
        """Forget the messages, connections and failed logins seen so far."""
        with self._lock:
            self.messages.clear()
            self._connections = 0
            self.auth_failures = 0

    # --- aiosmtpd handler hooks (run on the server's thread) ------------------------------------

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if self.mail_faults:
            fault = self.mail_faults.pop(0)
            if fault != "drop":
                return fault
            self._abort(server)
            return "421 4.4.2 Connection dropped"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address.lower() in self.defer:
            return f"450 4.2.1 <{address}>: Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_delay == math.inf:
            await asyncio.Event().wait()
        elif self.data_delay > 0:
            await asyncio.sleep(self.data_delay)
        raw = bytes(envelope.original_content or b"")
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        transport = server.transport
        received = ReceivedMessage(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=raw,
            message=parsed,
            secure=transport is not None and transport.get_extra_info("ssl_object") is not None,
            login=(
                session.auth_data.login.decode()
                if isinstance(session.auth_data, LoginPassword)
                else None
            ),
        )
        with self._lock:
            self.messages.append(received)
        return "250 2.0.0 Message accepted for delivery"

    # --- Internals ------------------------------------------------------------------------------

    def _authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: object,
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.username.encode()
            and auth_data.password == self.password.encode()
        )
        if not ok:
            with self._lock:
                self.auth_failures += 1
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)

    def _connection_made(self, smtpd: SMTP) -> None:
        self._live = [live for live in self._live if live.transport is not None]
        self._live.append(smtpd)
        with self._lock:
            if self._counting:
                self._connections += 1

    def _start(self) -> None:
        if self._controller is not None:
            raise RuntimeError("the SMTP test server is already running")
        smtp_options: dict[str, Any] = {
            "authenticator": self._authenticate,
            # AUTH only over TLS, except for the plain server (a local relay).
            "auth_require_tls": self.security == "starttls",
        }
        if self.security == "starttls":
            smtp_options["tls_context"] = self._tls
            smtp_options["require_starttls"] = True
        controller = _Controller(
            self,
            hostname=self.host,
            port=self.port,
            ssl_context=self._tls if self.security == "ssl" else None,
            server_hostname="smtp.clinic.test",
            **smtp_options,
        )
        self._counting = False  # the controller's own readiness probe is not a client
        controller.start()
        with self._lock:
            self._counting = True
        self._controller = controller

    def _stop(self) -> None:
        controller = self._controller
        if controller is None:
            return
        self._controller = None
        with self._lock:
            self._counting = False
        asyncio.run_coroutine_threadsafe(self._drop_connections(), controller.loop).result(5)
        controller.stop()

    @staticmethod
    def _abort(smtpd: SMTP) -> None:
        for transport in (smtpd.transport, getattr(smtpd, "_original_transport", None)):
            if isinstance(transport, asyncio.Transport):
                transport.abort()

    async def _drop_connections(self) -> None:
        for smtpd in self._live:
            self._abort(smtpd)
        self._live.clear()
        await asyncio.sleep(0.05)


@asynccontextmanager
async def running_smtp_server(**options: Any) -> AsyncIterator[SmtpTestServer]:
    """A started :class:`SmtpTestServer` (options as its constructor's), stopped afterwards."""
    server = SmtpTestServer(**options)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
