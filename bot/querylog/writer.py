"""The query log: every question, from every surface, kept in SQLite.

Recording never delays an answer: :meth:`QueryLog.record` only queues a row;
a writer task commits rows in batches. :meth:`QueryLog.close` writes whatever
is queued. If the database cannot be written, answers still go out, the
failure is logged once with its cause, and the rows lost are counted in a
ledger kept where it can be written (see :mod:`bot.querylog.losses`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from bot.answer.build import Answer
from bot.model import AskContext
from bot.paths import private_file, private_folder
from bot.querylog.guilds import (
    GuildSettings,
    any_auto_answer,
    load_guild_settings,
    save_guild_settings,
)
from bot.querylog.losses import record_loss
from bot.querylog.migrations import migrate
from bot.querylog.privacy import UserKeys
from bot.querylog.replies import ReplyState, count_votes, filters_json, find_reply
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
DELETE_OLD_QUERIES = "DELETE FROM queries WHERE asked_at < ?"
DELETE_OLD_FEEDBACK = "DELETE FROM feedback WHERE voted_at < ?"
DELETE_OLD_LOSSES = "DELETE FROM losses WHERE noted_at < ?"
DELETE_OLD_POSTS = "DELETE FROM auto_answered WHERE answered_at < ?"
CLAIM_POST = (
    "INSERT OR IGNORE INTO auto_answered (post_id, channel_id, answered_at) VALUES (?, ?, ?)"
)
PRUNE_EVERY_SECONDS = 6 * 3600

BATCH_ROWS = 256
BATCH_SECONDS = 0.25
RETRIES = 3


@dataclass(frozen=True, slots=True)
class Row:
    """One queued query-log row."""

    values: tuple[Any, ...]


def utc_now() -> str:
    """The current UTC time as ISO 8601 with seconds precision."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def storable(text: str) -> str:
    """Text SQLite can store: NUL bytes and lone surrogates (undecodable input) replaced."""
    return text.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")


def row_for(answer: Answer, context: AskContext, user_key: str | None) -> Row:
    """The row recorded for one answered question."""
    results = [
        {"id": storable(r.article.id), "score": round(r.score, 3), "coverage": round(r.coverage, 3)}
        for r in answer.results
    ]
    return Row(
        (
            utc_now(),
            context.surface,
            context.guild_id,
            context.channel_id,
            user_key,
            storable(answer.query),
            int(answer.answered),
            json.dumps(results),
            round(answer.took_ms, 3),
            answer.index_version,
            context.reply_key,
            filters_json(answer.filters),
        )
    )


def open_log_from(settings: Settings) -> QueryLog:
    """A query log configured by ``settings`` (not opened yet)."""
    return QueryLog(
        settings.db_path,
        settings.db.busy_timeout_ms,
        UserKeys.for_database(settings.db_path, settings.db.user_key_secret),
        settings.db.retention_days,
    )


class QueryLog:
    """An append-only, batched SQLite log of questions and answers."""

    def __init__(
        self,
        path: Path,
        busy_timeout_ms: int = 5000,
        keys: UserKeys | None = None,
        retention_days: int = 0,
        batch_seconds: float = BATCH_SECONDS,
    ) -> None:
        """Prepare a log at ``path``; nothing is opened until :meth:`open`.

        Rows older than ``retention_days`` (0: keep forever) are deleted at
        open and every few hours after.
        """
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self.keys = keys or UserKeys.for_database(path)
        self.retention_days = retention_days
        self.batch_seconds = batch_seconds
        self._pruned_at = 0.0
        self._queue: list[Row] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self._migrated = False
        self._closing = False
        self._failing: str | None = None
        self.lost = 0
        self.unrecorded = 0  # losses no ledger could hold: only this process knows them
        self.written = 0

    async def open(self) -> None:
        """Create or upgrade the database and start the writer (a failure is logged, not raised)."""
        try:
            async with self._connect() as db:
                await migrate(db)
            private_file(self.path)
            self._migrated = True
            await self.prune()
        except (sqlite3.Error, OSError) as exc:
            self._note_failure(exc)
        self._writer = asyncio.create_task(self._write_loop(), name="querylog-writer")

    def _connect(self) -> aiosqlite.Connection:
        private_folder(self.path.parent)
        return aiosqlite.connect(self.path, timeout=self.busy_timeout_ms / 1000)

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection to the log with its schema in place, for reads and small writes.

        Raises :class:`sqlite3.Error` or :class:`OSError` when the file cannot be used.
        """
        async with self._connect() as db:
            await db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            await self._ensure_schema(db)
            yield db

    def record(self, answer: Answer, context: AskContext) -> None:
        """Queue one question; returns at once."""
        self._queue.append(row_for(answer, context, self.keys.key_for(context.user_id)))
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
                with contextlib.suppress(sqlite3.Error, OSError):
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
            except (sqlite3.Error, OSError, ValueError) as exc:
                if attempt + 1 < RETRIES and "locked" in str(exc):
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                self._note_failure(exc)
                self.lost += len(batch)
                kept = await asyncio.to_thread(record_loss, self.path, len(batch), str(exc))
                if not kept:
                    self.unrecorded += len(batch)
                return
            else:
                self.written += len(batch)
                if self._failing:
                    log.warning("query log writable again after: %s", self._failing)
                    self._failing = None
                return

    async def _write(self, batch: list[Row]) -> None:
        async with self.connection() as db:
            await db.executemany(INSERT_QUERY, [row.values for row in batch])
            await db.commit()

    async def _ensure_schema(self, db: aiosqlite.Connection) -> None:
        """Create or upgrade the tables if that failed at open (the file was locked, say)."""
        if not self._migrated:
            await migrate(db)
            self._migrated = True

    def _note_failure(self, exc: BaseException) -> None:
        """Log a failure once per cause (a corrupt file fails at open and at every write)."""
        cause = f"{type(exc).__name__}: {exc}"
        if self._failing != cause:
            log.error("query log %s cannot be written (%s); answers continue", self.path, cause)
            self._failing = cause

    async def prune(self) -> int:
        """Delete rows older than the retention period; returns how many questions went."""
        self._pruned_at = time.monotonic()
        if self.retention_days <= 0:
            return 0
        cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=self.retention_days)).isoformat()
        async with self._connect() as db:
            cursor = await db.execute(DELETE_OLD_QUERIES, (cutoff,))
            await db.execute(DELETE_OLD_FEEDBACK, (cutoff,))
            await db.execute(DELETE_OLD_LOSSES, (cutoff,))
            await db.execute(DELETE_OLD_POSTS, (cutoff,))
            await db.commit()
        if cursor.rowcount:
            log.info(
                "deleted %d questions older than %d days", cursor.rowcount, self.retention_days
            )
        return max(0, cursor.rowcount)

    async def vote(
        self, message_id: int, user_id: int, vote: int, question: str, top_id: str | None
    ) -> int | None:
        """Record a thumbs up (1) or down (-1) on an answer, replacing the person's earlier vote.

        Returns the previous vote (``None`` if this is the first); raises
        :class:`sqlite3.Error` or :class:`OSError` if the log cannot be written.
        """
        key = self.keys.key_for(user_id)
        async with self.connection() as db:
            async with db.execute(SELECT_VOTE, (message_id, key)) as cursor:
                row = await cursor.fetchone()
            values = (message_id, key, vote, storable(question), top_id, utc_now())
            await db.execute(UPSERT_VOTE, values)
            await db.commit()
        return int(row[0]) if row else None

    async def forget(self, user_id: int) -> int:
        """Delete every question and vote of one person; returns how many rows went."""
        await self.flush()
        key = self.keys.key_for(user_id)
        self._queue = [row for row in self._queue if row.values[4] != key]
        async with self.connection() as db:
            queries = await db.execute(DELETE_USER_QUERIES, (key,))
            votes = await db.execute(DELETE_USER_FEEDBACK, (key,))
            await db.commit()
        return max(0, queries.rowcount) + max(0, votes.rowcount)

    async def reply(self, key: str) -> ReplyState | None:
        """The question behind the reply whose buttons carry ``key`` (None if not logged).

        Queued rows are written first, so a click right after an answer finds it.
        """
        await self.flush()
        async with self.connection() as db:
            return await find_reply(db, key)

    async def vote_counts(self, message_id: int) -> tuple[int, int]:
        """Thumbs up and down on one answer message."""
        async with self.connection() as db:
            return await count_votes(db, message_id)

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """One server's settings (:mod:`bot.querylog.guilds`)."""
        async with self.connection() as db:
            return await load_guild_settings(db, guild_id)

    async def save_guild_settings(self, guild_id: int, settings: GuildSettings) -> None:
        """Store one server's settings."""
        async with self.connection() as db:
            await save_guild_settings(db, guild_id, settings)

    async def claim_post(self, post_id: int, forum_id: int) -> bool:
        """Note that a help post is being answered; False if it was already (by this or
        another process), so each post is answered at most once."""
        async with self.connection() as db:
            cursor = await db.execute(CLAIM_POST, (post_id, forum_id, utc_now()))
            await db.commit()
        return cursor.rowcount == 1

    async def auto_answer_configured(self) -> bool:
        """Whether any server answers a channel without a mention (False if unreadable)."""
        try:
            async with self.connection() as db:
                return await any_auto_answer(db)
        except (sqlite3.Error, OSError):
            return False

    async def close(self) -> None:
        """Stop the writer and write everything still queued."""
        self._closing = True
        self._wake.set()
        if self._writer is not None:
            await self._writer
            self._writer = None
        await self.flush()
