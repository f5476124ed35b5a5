"""Versioned schema of the query log (``PRAGMA user_version``).

Each migration moves the schema one version up inside one transaction; opening
an older file upgrades it, and a file from a newer version is refused rather
than damaged.
"""

from __future__ import annotations

import sqlite3

import aiosqlite

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # version 1: questions and the losses of rows that could not be written
    (
        """CREATE TABLE IF NOT EXISTS queries (
            id INTEGER PRIMARY KEY,
            asked_at TEXT NOT NULL,
            surface TEXT NOT NULL,
            guild_id INTEGER,
            channel_id INTEGER,
            user_key TEXT,
            question TEXT NOT NULL,
            answered INTEGER NOT NULL,
            results TEXT NOT NULL,
            latency_ms REAL NOT NULL,
            index_version TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS queries_asked_at ON queries (asked_at)",
        """CREATE TABLE IF NOT EXISTS losses (
            id INTEGER PRIMARY KEY,
            noted_at TEXT NOT NULL,
            rows INTEGER NOT NULL,
            reason TEXT NOT NULL
        )""",
    ),
    # version 2: feedback on answers (one vote per person per answer message)
    (
        """CREATE TABLE IF NOT EXISTS feedback (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL,
            user_key TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            question TEXT NOT NULL,
            top_id TEXT,
            voted_at TEXT NOT NULL,
            UNIQUE (message_id, user_key)
        )""",
        "CREATE INDEX IF NOT EXISTS queries_user_key ON queries (user_key)",
        "CREATE INDEX IF NOT EXISTS feedback_voted_at ON feedback (voted_at)",
    ),
    # version 3: what an answer's buttons need after a restart (the reply's key and
    # filters), per-server settings, curated answers, and the help posts answered
    (
        "ALTER TABLE queries ADD COLUMN reply_key TEXT",
        "ALTER TABLE queries ADD COLUMN filters TEXT",
        "CREATE INDEX IF NOT EXISTS queries_reply_key ON queries (reply_key)",
        """CREATE TABLE IF NOT EXISTS guild_settings (
            guild_id INTEGER PRIMARY KEY,
            settings TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS faqs (
            id INTEGER PRIMARY KEY,
            guild_id INTEGER NOT NULL,
            name TEXT NOT NULL,
            text TEXT NOT NULL,
            link TEXT,
            updated_at TEXT NOT NULL,
            UNIQUE (guild_id, name COLLATE NOCASE)
        )""",
        """CREATE TABLE IF NOT EXISTS auto_answered (
            post_id INTEGER PRIMARY KEY,
            channel_id INTEGER NOT NULL,
            answered_at TEXT NOT NULL
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(sqlite3.DatabaseError):
    """The file was written by a newer version of the bot."""


async def migrate(db: aiosqlite.Connection) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`; returns the version found."""
    await db.execute("PRAGMA journal_mode = WAL")
    found = await _user_version(db)
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(f"query log schema {found} is newer than this bot's {SCHEMA_VERSION}")
    for version in range(found, SCHEMA_VERSION):
        await db.execute("BEGIN IMMEDIATE")
        try:
            # another process may have applied it between our look and our lock
            if await _user_version(db) <= version:
                for statement in MIGRATIONS[version]:
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version = {version + 1}")
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
    return found


async def _user_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0
