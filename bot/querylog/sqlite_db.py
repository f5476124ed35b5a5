"""The query log in a SQLite file (the default): WAL, a busy timeout, owner-only files,
schema versions in ``PRAGMA user_version`` (:mod:`bot.querylog.migrations`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.paths import private_file, private_folder
from bot.querylog.backend import Conflict, Params
from bot.querylog.migrations import migrate
from bot.querylog.privacy import UserKeys


class SqliteConnection:
    """A :class:`~bot.querylog.backend.Connection` over one aiosqlite connection."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        """Wrap ``db``."""
        self.db = db

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        try:
            cursor = await self.db.execute(sql, tuple(params))
        except aiosqlite.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise Conflict(str(exc)) from exc
            raise
        return max(0, cursor.rowcount)

    async def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement for each row of parameters."""
        await self.db.executemany(sql, [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        async with self.db.execute(sql, tuple(params)) as cursor:
            row = await cursor.fetchone()
        return tuple(row) if row is not None else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Every row of a query."""
        async with self.db.execute(sql, tuple(params)) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def commit(self) -> None:
        """Commit the transaction."""
        await self.db.commit()


class SqliteDatabase:
    """A query log kept in one SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: Path, busy_timeout_ms: int = 5000) -> None:
        """The database at ``path`` (created on first use)."""
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._migrated = False

    @property
    def label(self) -> str:
        """The file's path."""
        return str(self.path)

    @property
    def ledger_path(self) -> Path:
        """The file's path: its losses are kept beside it."""
        return self.path

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[SqliteConnection]:
        """A connection with the busy timeout set and the schema in place."""
        private_folder(self.path.parent)
        async with aiosqlite.connect(self.path, timeout=self.busy_timeout_ms / 1000) as db:
            await db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            if not self._migrated:
                await migrate(db)
                self._migrated = True
            yield SqliteConnection(db)

    async def migrate(self) -> None:
        """Create or upgrade the schema now, and keep the file owner-only."""
        self._migrated = False
        async with self.connection():
            pass
        private_file(self.path)

    async def user_keys(self, secret: str) -> UserKeys:
        """``secret``, or the key kept beside the file (:mod:`bot.querylog.privacy`)."""
        return UserKeys.for_database(self.path, secret)

    def retryable(self, exc: BaseException) -> bool:
        """A lock held by another process is worth waiting out."""
        return "locked" in str(exc)

    async def close(self) -> None:
        """Nothing stays open between units of work."""
