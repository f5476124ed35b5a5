"""The query log: every question, from every surface, kept in SQLite or PostgreSQL.

Recording never delays an answer: :meth:`QueryLog.record` only queues a row;
a writer task commits rows in batches. :meth:`QueryLog.close` writes whatever
is queued. If the database cannot be written, answers still go out, the
failure is logged once with its cause, and the rows lost are counted in a
ledger kept where it can be written (see :mod:`bot.querylog.losses`). Where
the log lives is a :class:`~bot.querylog.backend.Database`: a file
(:mod:`bot.querylog.sqlite_db`) or a server (:mod:`bot.querylog.postgres`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.answer.build import Answer
from bot.model import AskContext
from bot.querylog.backend import STORE_ERRORS, Connection, Database
from bot.querylog.guilds import (
    GuildSettings,
    any_auto_answer,
    load_guild_settings,
    save_guild_settings,
)
from bot.querylog.losses import record_loss
from bot.querylog.privacy import UserKeys
from bot.querylog.replies import ReplyState, count_votes, filters_json, find_reply
from bot.querylog.sqlite_db import SqliteDatabase
from bot.settings import Settings

log = logging.getLogger(__name__)

INSERT_QUERY = """
INSERT INTO queries (asked_at, surface, guild_id, channel_id, user_key, question, answered,
                     results, latency_ms, index_version, reply_key, filters)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
UPSERT_VOTE = """
INSERT INTO feedback (message_id, user_key, vote, question, top_id, voted_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (message_id, user_key) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at
"""
SELECT_VOTE = "SELECT vote FROM feedback WHERE message_id = ? AND user_key = ?"
DELETE_USER_QUERIES = "DELETE FROM queries WHERE user_key = ?"
DELETE_USER_FEEDBACK = "DELETE FROM feedback WHERE user_key = ?"
DELETE_OLD = (
    "DELETE FROM queries WHERE asked_at < ?",
    "DELETE FROM feedback WHERE voted_at < ?",
    "DELETE FROM losses WHERE noted_at < ?",
    "DELETE FROM auto_answered WHERE answered_at < ?",
)
CLAIM_POST = (
    "INSERT INTO auto_answered (post_id, channel_id, answered_at) VALUES (?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)
PRUNE_EVERY_SECONDS = 6 * 3600

BATCH_ROWS = 256
BATCH_SECONDS = 0.25
RETRIES = 3
USER_KEY = 4  # where the user's key goes in a row's values
# A write may also fail on a value the database refuses.
WRITE_ERRORS: tuple[type[BaseException], ...] = (*STORE_ERRORS, ValueError)


@dataclass(frozen=True, slots=True)
class Row:
    """One queued query-log row; the user's key is filled in when it is written."""

    values: tuple[Any, ...]
    user_id: int | None = None


def utc_now() -> str:
    """The current UTC time as ISO 8601 with seconds precision."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def storable(text: str) -> str:
    """Text a database can store: NUL bytes and lone surrogates (undecodable input) replaced."""
    return text.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")


def row_for(answer: Answer, context: AskContext) -> Row:
    """The row recorded for one answered question."""
    results = [
        {"id": storable(r.article.id), "score": round(r.score, 3), "coverage": round(r.coverage, 3)}
        for r in answer.results
    ]
    values = (
        utc_now(),
        context.surface,
        context.guild_id,
        context.channel_id,
        None,  # the user's key (USER_KEY), filled in at write time
        storable(answer.query),
        int(answer.answered),
        json.dumps(results),
        float(round(answer.took_ms, 3)),
        answer.index_version,
        context.reply_key,
        filters_json(answer.filters),
    )
    return Row(values, context.user_id)


def database_for(settings: Settings) -> Database:
    """The database ``settings`` name: ``db.url`` (PostgreSQL) if set, else ``db.path``."""
    if settings.db.url:
        from bot.querylog.postgres import PostgresDatabase  # asyncpg only when asked for

        return PostgresDatabase(settings.db.url)
    return SqliteDatabase(settings.db_path, settings.db.busy_timeout_ms)


def open_log_from(settings: Settings) -> QueryLog:
    """A query log configured by ``settings`` (not opened yet)."""
    return QueryLog(
        database_for(settings),
        retention_days=settings.db.retention_days,
        user_key_secret=settings.db.user_key_secret,
    )


class QueryLog:
    """An append-only, batched log of questions and answers, and the bot's stored state."""

    def __init__(
        self,
        database: Database | Path,
        busy_timeout_ms: int = 5000,
        keys: UserKeys | None = None,
        retention_days: int = 0,
        batch_seconds: float = BATCH_SECONDS,
        user_key_secret: str = "",
    ) -> None:
        """Prepare a log in ``database`` (a path is a SQLite file); nothing is opened
        until :meth:`open`.

        Rows older than ``retention_days`` (0: keep forever) are deleted at
        open and every few hours after. User ids are hashed with ``keys``, else
        with ``user_key_secret`` or the database's own key.
        """
        if isinstance(database, Path):
            database = SqliteDatabase(database, busy_timeout_ms)
        self.database = database
        self.secret = user_key_secret
        if keys is None and isinstance(database, SqliteDatabase):
            keys = UserKeys.for_database(database.path, user_key_secret)
        self._keys = keys  # a server's own key is read at open
        self.retention_days = retention_days
        self.batch_seconds = batch_seconds
        self._pruned_at = 0.0
        self._queue: list[Row] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self._closing = False
        self._failing: str | None = None
        self.lost = 0
        self.unrecorded = 0  # losses no ledger could hold: only this process knows them
        self.written = 0

    @property
    def path(self) -> Path:
        """The path the database's loss ledgers are named after."""
        return self.database.ledger_path

    async def open(self) -> None:
        """Create or upgrade the database and start the writer (a failure is logged, not raised)."""
        try:
            await self.database.migrate()
            await self._resolve_keys()
            await self.prune()
        except STORE_ERRORS as exc:
            self._note_failure(exc)
        self._writer = asyncio.create_task(self._write_loop(), name="querylog-writer")

    async def _resolve_keys(self) -> UserKeys:
        if self._keys is None:
            self._keys = await self.database.user_keys(self.secret)
        return self._keys

    def key_for(self, user_id: int | None) -> str | None:
        """The key that stands in for a user id (None until the database gave its key)."""
        return self._keys.key_for(user_id) if self._keys is not None else None

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A connection to the log with its schema in place, for reads and small writes.

        Raises :class:`sqlite3.Error` or :class:`OSError` when the log cannot be used.
        """
        async with self.database.connection() as conn:
            yield conn

    def record(self, answer: Answer, context: AskContext) -> None:
        """Queue one question; returns at once."""
        self._queue.append(row_for(answer, context))
        if len(self._queue) >= BATCH_ROWS:
            self._wake.set()

    @property
    def pending(self) -> int:
        """Rows queued and not yet written."""
        return len(self._queue)

    async def _write_loop(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.batch_seconds)
            self._wake.clear()
            await self.flush()
            if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
                with contextlib.suppress(*STORE_ERRORS):
                    await self.prune()

    async def flush(self) -> None:
        """Write every queued row now, in one transaction.

        A flush waits for one already under way (the writer task's), so when it
        returns every row queued before the call is committed or counted lost.
        """
        async with self._flush_lock:
            await self._flush_now()

    async def _flush_now(self) -> None:
        if not self._queue:
            return
        batch, self._queue = self._queue, []
        for attempt in range(RETRIES):
            try:
                await self._write(batch)
            except WRITE_ERRORS as exc:
                if attempt + 1 < RETRIES and self.database.retryable(exc):
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                await self._count_lost(batch, exc)
                return
            else:
                self.written += len(batch)
                if self._failing:
                    log.warning("query log writable again after: %s", self._failing)
                    self._failing = None
                return

    async def _count_lost(self, batch: list[Row], exc: BaseException) -> None:
        self._note_failure(exc)
        self.lost += len(batch)
        kept = await asyncio.to_thread(record_loss, self.path, len(batch), str(exc))
        if not kept:
            self.unrecorded += len(batch)

    async def _write(self, batch: list[Row]) -> None:
        keys = await self._resolve_keys()
        values = [
            (*row.values[:USER_KEY], keys.key_for(row.user_id), *row.values[USER_KEY + 1 :])
            for row in batch
        ]
        async with self.connection() as conn:
            await conn.executemany(INSERT_QUERY, values)
            await conn.commit()

    def _note_failure(self, exc: BaseException) -> None:
        """Log a failure once per cause (a corrupt file fails at open and at every write)."""
        cause = f"{type(exc).__name__}: {exc}"
        if self._failing != cause:
            log.error(
                "query log %s cannot be written (%s); answers continue", self.database.label, cause
            )
            self._failing = cause

    async def prune(self) -> int:
        """Delete rows older than the retention period; returns how many questions went."""
        self._pruned_at = time.monotonic()
        if self.retention_days <= 0:
            return 0
        cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=self.retention_days)).isoformat()
        async with self.connection() as conn:
            counts = [await conn.execute(statement, (cutoff,)) for statement in DELETE_OLD]
            await conn.commit()
        if counts[0]:
            log.info("deleted %d questions older than %d days", counts[0], self.retention_days)
        return counts[0]

    async def vote(
        self, message_id: int, user_id: int, vote: int, question: str, top_id: str | None
    ) -> int | None:
        """Record a thumbs up (1) or down (-1) on an answer, replacing the person's earlier vote.

        Returns the previous vote (``None`` if this is the first); raises
        :class:`sqlite3.Error` or :class:`OSError` if the log cannot be written.
        """
        key = (await self._resolve_keys()).key_for(user_id)
        async with self.connection() as conn:
            row = await conn.fetchone(SELECT_VOTE, (message_id, key))
            values = (message_id, key, vote, storable(question), top_id, utc_now())
            await conn.execute(UPSERT_VOTE, values)
            await conn.commit()
        return int(row[0]) if row else None

    async def forget(self, user_id: int) -> int:
        """Delete every question and vote of one person; returns how many rows went."""
        await self.flush()
        key = (await self._resolve_keys()).key_for(user_id)
        self._queue = [row for row in self._queue if row.user_id != user_id]
        async with self.connection() as conn:
            queries = await conn.execute(DELETE_USER_QUERIES, (key,))
            votes = await conn.execute(DELETE_USER_FEEDBACK, (key,))
            await conn.commit()
        return queries + votes

    async def reply(self, key: str) -> ReplyState | None:
        """The question behind the reply whose buttons carry ``key`` (None if not logged).

        Queued rows are written first, so a click right after an answer finds it.
        """
        await self.flush()
        async with self.connection() as conn:
            return await find_reply(conn, key)

    async def vote_counts(self, message_id: int) -> tuple[int, int]:
        """Thumbs up and down on one answer message."""
        async with self.connection() as conn:
            return await count_votes(conn, message_id)

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """One server's settings (:mod:`bot.querylog.guilds`)."""
        async with self.connection() as conn:
            return await load_guild_settings(conn, guild_id)

    async def save_guild_settings(self, guild_id: int, settings: GuildSettings) -> None:
        """Store one server's settings."""
        async with self.connection() as conn:
            await save_guild_settings(conn, guild_id, settings)

    async def claim_post(self, post_id: int, forum_id: int) -> bool:
        """Note that a help post is being answered; False if it was already (by this or
        another process), so each post is answered at most once."""
        async with self.connection() as conn:
            changed = await conn.execute(CLAIM_POST, (post_id, forum_id, utc_now()))
            await conn.commit()
        return changed == 1

    async def auto_answer_configured(self) -> bool:
        """Whether any server answers a channel without a mention (False if unreadable)."""
        try:
            async with self.connection() as conn:
                return await any_auto_answer(conn)
        except STORE_ERRORS:
            return False

    async def close(self) -> None:
        """Stop the writer, write everything still queued, release the database."""
        self._closing = True
        self._wake.set()
        if self._writer is not None:
            await self._writer
            self._writer = None
        await self.flush()
        await self.database.close()
