"""Where the query log lives: a SQLite file or a PostgreSQL server, behind one small
interface, so the writer, the statistics and every stored feature are written once.

SQL is written once, with ``?`` placeholders and the dialect both servers share
(``INSERT … ON CONFLICT``, ``COALESCE``, ``lower()``); each database adapts it
(``$1`` for PostgreSQL) and owns its schema migrations. Every failure to reach
or use a database is an :class:`OSError` (SQLite's own errors besides), so the
callers' "the log cannot be used right now" handling covers both; a refused
duplicate is a :class:`Conflict`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol

from bot.querylog.privacy import UserKeys
from bot.settings import DB_URL_SCHEMES

Params = Sequence[Any]


class Conflict(Exception):
    """A row refused because another holds the same unique key."""


class Unavailable(OSError):
    """The database server cannot be reached or refused the work (PostgreSQL)."""


# What any database operation may raise when the log cannot be used right now.
STORE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)


class Connection(Protocol):
    """One connection, inside one transaction until :meth:`commit`."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns how many rows it changed."""

    async def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement for each row of parameters."""

    async def fetchone(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Every row of a query."""

    async def commit(self) -> None:
        """Commit what this connection changed."""


class Database(Protocol):
    """A query-log database: connections, its schema, and where its losses are kept."""

    @property
    def label(self) -> str:
        """How people know the database (a path, or a URL without its password)."""

    @property
    def ledger_path(self) -> Path:
        """The path the loss ledgers are named after (:mod:`bot.querylog.losses`)."""

    def connection(self) -> AbstractAsyncContextManager[Connection]:
        """A connection for one unit of work (closed or returned afterwards)."""

    async def migrate(self) -> None:
        """Create or upgrade the schema (refusing one newer than this bot's)."""

    async def user_keys(self, secret: str) -> UserKeys:
        """The keys that stand in for user ids: ``secret``, or the database's own."""

    def retryable(self, exc: BaseException) -> bool:
        """Whether a failed write is worth trying again at once (a lock, a lost connection)."""

    async def close(self) -> None:
        """Release what the database holds open."""


def is_url(target: str | Path) -> bool:
    """Whether a ``--db`` or ``db.url`` value names a PostgreSQL server."""
    return str(target).startswith(DB_URL_SCHEMES)


async def rows_of(database: Database, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
    """Every row of one query, on a connection of its own."""
    async with database.connection() as conn:
        return await conn.fetchall(sql, params)
