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
* A holder that stops answering while its connection stays up (a frozen process: ``SIGSTOP``,
  a paused machine, a blocked event loop): it checks its connection every
  :data:`CHECK_SECONDS`, so a holder whose last check is :data:`STALE_SECONDS` old has stopped.
  A process that finds the lock taken by such a holder ends the holder's session
  (``pg_terminate_backend``: the same database user may) and takes the lock. If the holder
  wakes up, its lock connection is gone and it stops polling and stands by.

The lock needs a direct connection to PostgreSQL (or a pooler in session mode): a pooler in
transaction mode cannot hold a session's lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Final

import psycopg
from sqlalchemy import URL

from db.engine import driver_url

log = logging.getLogger(__name__)

# The two-key form under a namespace of its own ("Recv"), apart from the chats' locks
# (namespace "Chat", db/chats.py) and the migrations' single-key lock.
RECEIVER_LOCK_NAMESPACE: Final = 0x52656376
RECEIVER_LOCK_KEY: Final = 1
APPLICATION_NAME: Final = "clinic-bot receiver"
# The holder checks its connection this often, and takes it for lost when a check is not
# answered this fast.
CHECK_SECONDS: Final = 2.0
ANSWER_SECONDS: Final = 5.0
# A holder whose connection has done nothing for this long has stopped checking it.
STALE_SECONDS: Final = 15.0
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
# Ends the session of a receiver holding the lock that has not used its connection for
# STALE_SECONDS (only a receiver's: another holder, an operator's say, is left alone).
_END_STALE = """
    SELECT count(pg_terminate_backend(a.pid, 5000))
    FROM pg_locks AS l
    JOIN pg_stat_activity AS a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = %s AND l.objid = %s AND l.objsubid = 2
      AND a.application_name = %s
      AND a.state_change < clock_timestamp() - make_interval(secs => %s)
"""

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
            if not self.held and await self._end_stale_holder(connection):
                log.warning(
                    "The process receiving updates stopped answering for %.0f s; taking over",
                    STALE_SECONDS,
                )
                row = await asyncio.wait_for(self._try(connection), ANSWER_SECONDS)
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

    async def _end_stale_holder(self, connection: psycopg.AsyncConnection[Any]) -> bool:
        """End the session of a receiver holding the lock that has stopped answering (see the
        module docstring); whether there was one."""
        namespace, key = self._keys()
        cursor = await asyncio.wait_for(
            connection.execute(_END_STALE, (namespace, key, APPLICATION_NAME, STALE_SECONDS)),
            ANSWER_SECONDS + 5,
        )
        row = await cursor.fetchone()
        return bool(row and row[0])

    async def _try(self, connection: psycopg.AsyncConnection[Any]) -> tuple[Any, ...] | None:
        cursor = await connection.execute(_TRY, self._keys())
        return await cursor.fetchone()

    @staticmethod
    def _keys() -> tuple[int, int]:
        return RECEIVER_LOCK_NAMESPACE, RECEIVER_LOCK_KEY
