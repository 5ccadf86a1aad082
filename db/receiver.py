"""The receiver lock: which one of the bot processes on a database receives updates.

Long polling allows one receiver per bot (Telegram answers a second one with 409 Conflict), so
of several ``clinic-bot run`` processes on one database exactly one polls: the holder of a
PostgreSQL session-level advisory lock, held on a connection of its own. The lock lives exactly
as long as that connection: a process that dies (``kill -9``, a crash, a lost host) or loses the
connection loses the lock with it, and another process can take it.

* ``kill -9`` or a crash: the operating system closes the socket, the server ends the session
  at once and the lock is free.
* A lost host or network: the server probes the idle connection (TCP keepalives every few
  seconds, set here for this session only) and ends the session within about 11 seconds.
* Its holder notices a dropped connection at once (the socket closes) and a silent one within
  :data:`ANSWER_SECONDS` of a check (every :data:`CHECK_SECONDS`), well before the server lets
  anyone else take the lock.

The lock needs a direct connection to PostgreSQL (or a pooler in session mode): a pooler in
transaction mode cannot hold a session's lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Final

import psycopg
from sqlalchemy import URL

from db.engine import driver_url

# The two-key form under a namespace of its own ("Recv"), apart from the chats' locks
# (namespace "Chat", db/chats.py) and the migrations' single-key lock.
RECEIVER_LOCK_NAMESPACE: Final = 0x52656376
RECEIVER_LOCK_KEY: Final = 1
APPLICATION_NAME: Final = "clinic-bot receiver"
# The holder checks its connection this often, and takes it for lost when a check is not
# answered this fast.
CHECK_SECONDS: Final = 2.0
ANSWER_SECONDS: Final = 5.0
CONNECT_SECONDS: Final = 10
# The server ends the session of a holder it cannot reach after 5 s idle + 3 probes 2 s apart,
# or 10 s of unacknowledged data: longer than the holder takes to notice (at most
# CHECK_SECONDS + ANSWER_SECONDS), so two holders never poll at once.
_SESSION_OPTIONS: Final = (
    "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3 "
    "-c tcp_user_timeout=10000"
)
_TRY = "SELECT pg_try_advisory_lock(%s, %s)"
_UNLOCK = "SELECT pg_advisory_unlock(%s, %s)"

# What a lost or unreachable connection raises.
CONNECTION_ERRORS: Final = (psycopg.Error, OSError, TimeoutError)


def _dsn(url: str | URL) -> str:
    return driver_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ReceiverLock:
    """The receiver lock on a dedicated connection to ``url`` (see the module docstring).

    Not safe for concurrent use: one task acquires, watches and releases it.
    """

    def __init__(self, url: str | URL) -> None:
        self._dsn = _dsn(url)
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self.held = False

    async def acquire(self) -> bool:
        """Take the lock if it is free; whether this process holds it now. Raises one of
        :data:`CONNECTION_ERRORS` when the database cannot be reached (nothing is held)."""
        if self.held:
            return True
        # A connection kept from an earlier try may have been closed meanwhile (a database
        # restart): then once more on a new one.
        fresh = self._connection is None
        while True:
            try:
                connection = await self._connect()
                row = await asyncio.wait_for(self._try(connection), ANSWER_SECONDS)
            except CONNECTION_ERRORS:
                await self.release()
                if fresh:
                    raise
                fresh = True
                continue
            self.held = bool(row and row[0])
            return self.held

    async def wait_lost(self) -> None:
        """Return once the connection holding the lock is lost (the lock with it): at once
        when it closes, within :data:`ANSWER_SECONDS` of a check when it falls silent."""
        connection = self._connection
        if connection is None or not self.held:
            return
        try:
            while True:
                # Waits on the socket: a closed connection ends the wait at once.
                async for _ in connection.notifies(timeout=CHECK_SECONDS):
                    pass
                await asyncio.wait_for(connection.execute("SELECT 1"), ANSWER_SECONDS)
        except CONNECTION_ERRORS:
            pass
        finally:
            self.held = False

    async def release(self) -> None:
        """Give the lock back and close its connection (also when the connection is gone).
        The lock is free when this returns, unless the connection was lost (then the server
        frees it when it ends the session)."""
        held, self.held = self.held, False
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(*CONNECTION_ERRORS):
            if held and not connection.closed:
                await asyncio.wait_for(connection.execute(_UNLOCK, self._keys()), ANSWER_SECONDS)
        with contextlib.suppress(*CONNECTION_ERRORS):
            await connection.close()

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        connection = self._connection
        if connection is not None and not connection.closed:
            return connection
        self._connection = await psycopg.AsyncConnection.connect(
            self._dsn,
            autocommit=True,
            connect_timeout=CONNECT_SECONDS,
            application_name=APPLICATION_NAME,
            options=_SESSION_OPTIONS,
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=3,
        )
        return self._connection

    async def _try(self, connection: psycopg.AsyncConnection[Any]) -> tuple[Any, ...] | None:
        cursor = await connection.execute(_TRY, self._keys())
        return await cursor.fetchone()

    @staticmethod
    def _keys() -> tuple[int, int]:
        return RECEIVER_LOCK_NAMESPACE, RECEIVER_LOCK_KEY
