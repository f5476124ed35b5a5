"""A throwaway PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` from Debian's
``postgresql`` package (``.ci/run`` installs it), run as an unprivileged user, on
127.0.0.1 at a free port, removed afterwards. Tests that need it skip, saying
why, where no server can be started."""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "corpus"
_names = itertools.count(1)


def server_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, if a server is installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _runner() -> tuple[list[str], int | None, int | None]:
    """How to run the server's tools: as ourselves, or (as root) as an unprivileged user."""
    if os.geteuid() != 0:
        return [], None, None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root with no unprivileged user for PostgreSQL")


@dataclass
class PostgresServer:
    """One running cluster."""

    bindir: Path
    base: Path
    port: int
    prefix: list[str]
    durable: bool = False  # fsync and synchronous commits, as a real server runs

    @property
    def data(self) -> Path:
        return self.base / "data"

    def _run(self, *args: str) -> None:
        command = [*self.prefix, str(self.bindir / args[0]), *args[1:]]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
        if not self.durable:  # tests need no durability, only speed
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.base / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        name = f"test_{os.getpid()}_{next(_names)}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name)
        return self.url(name)


@contextlib.contextmanager
def throwaway_server(durable: bool = False) -> Iterator[PostgresServer]:
    """Start a PostgreSQL cluster in a temporary folder; stop and remove it afterwards
    (``durable``: with fsync and synchronous commits, for benchmarks).

    Raises :class:`FileNotFoundError` where no server is installed.
    """
    bindir = server_bin()
    if bindir is None:
        raise FileNotFoundError("no PostgreSQL server (initdb) here")
    prefix, uid, gid = _runner()
    # not under pytest's folders: those are private to us, and the server runs as another user
    base = Path(tempfile.mkdtemp(prefix="corpus-bot-postgres-"))
    try:
        if uid is not None and gid is not None:
            os.chown(base, uid, gid)
        server = PostgresServer(bindir, base, _free_port(), prefix, durable)
        server._run(
            "initdb", "-D", str(server.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session (skips where none can be started)."""
    if server_bin() is None:
        pytest.skip("no PostgreSQL server here (Debian's postgresql package: .ci/run installs it)")
    with throwaway_server() as server:
        yield server


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    """The URL of a fresh database on the session's server."""
    return postgres_server.new_database()
