"""A PostgreSQL server of a test's own, to stop and start at will (a database outage).

The shared test server is never stopped: a test that needs the database to die starts one of
these on 127.0.0.1, with the binaries the ``pgserver`` package ships (else the system's
PostgreSQL), in a scratch directory removed at the end::

    with PrivatePostgres() as pg:
        url = pg.url("clinic")        # the database is created on first start
        pg.stop()                     # "immediate": the server dies as if killed
        pg.start()                    # same port, same data
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

import psycopg

StopMode = Literal["smart", "fast", "immediate"]


def _binaries() -> Path:
    spec = importlib.util.find_spec("pgserver")  # located, not imported
    for location in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(location) / "pginstall" / "bin"
        if (bundled / "pg_ctl").exists():
            return bundled
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    system = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if system:
        return system[-1].parent
    raise RuntimeError("no PostgreSQL binaries: install the pgserver package or PostgreSQL")


def _system_user() -> str | None:
    """PostgreSQL refuses to run as root: then it runs as an unprivileged account."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "pgserver", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root with no unprivileged account for PostgreSQL")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivatePostgres:
    """One PostgreSQL server in a scratch directory, listening on 127.0.0.1 only."""

    def __init__(self, database: str = "clinic") -> None:
        self.bin = _binaries()
        self.user = _system_user()
        self.root = Path(tempfile.mkdtemp(prefix="clinic-private-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.database = database
        self._created = False
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "-N"
        )

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / program), *args],
            check=True,
            user=self.user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=60,
            cwd=self.root,
        )

    def url(self, database: str | None = None) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database or self.database}"

    def start(self) -> None:
        """Start the server (again) and wait until it accepts connections."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )
        if not self._created:
            with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.database}"')
            self._created = True

    def stop(self, mode: StopMode = "immediate") -> None:
        """Stop the server; ``immediate`` drops every connection at once, like a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def close(self) -> None:
        """Stop the server if it runs and remove its files."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
