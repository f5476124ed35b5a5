"""Questions per second the query log sustains: batched (as the bot runs) vs one commit
each, on SQLite, and batched on PostgreSQL (a throwaway server started for the run, or
``--postgres URL``), in one run.

python -m bench.querylog_throughput [--rows 20000] [--postgres postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import aiosqlite

from bot.answer.build import Answer
from bot.model import AskContext
from bot.querylog.backend import Database
from bot.querylog.migrations import migrate
from bot.querylog.postgres import PostgresDatabase
from bot.querylog.privacy import UserKeys
from bot.querylog.writer import INSERT_QUERY, USER_KEY, QueryLog, row_for


def answer(n: int) -> Answer:
    return Answer(query=f"question number {n}", answered=True, results=(), took_ms=3.2)


async def batched(db: Path | Database, rows: int) -> float:
    log = QueryLog(db, keys=UserKeys(b"bench"))
    await log.open()
    started = time.perf_counter()
    for n in range(rows):
        log.record(answer(n), AskContext("slash", n, 1, 2))
        if n % 100 == 0:
            await asyncio.sleep(0)  # let the writer run, as answering would
    await log.close()
    return rows / (time.perf_counter() - started)


async def one_commit_each(db: Path, rows: int) -> float:
    keys = UserKeys(b"bench")
    async with aiosqlite.connect(db) as conn:
        await migrate(conn)
        started = time.perf_counter()
        for n in range(rows):
            row = row_for(answer(n), AskContext("slash", n, 1, 2))
            values = (*row.values[:USER_KEY], keys.key_for(n), *row.values[USER_KEY + 1 :])
            await conn.execute(INSERT_QUERY, values)
            await conn.commit()
    return rows / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to write to")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        fast = await batched(Path(folder) / "batched.sqlite3", args.rows)
        slow = await one_commit_each(Path(folder) / "each.sqlite3", args.rows)
    server = await postgres_batched(args.postgres, args.rows)
    print(
        json.dumps(
            {
                "rows": args.rows,
                "sqlite_batched_per_s": round(fast),
                "sqlite_one_commit_each_per_s": round(slow),
                "ratio": round(fast / slow, 1),
                "postgres_batched_per_s": round(server) if server else None,
                "postgres_vs_sqlite_batched": round(server / fast, 2) if server else None,
            }
        )
    )


async def postgres_batched(url: str | None, rows: int) -> float | None:
    """Batched rows per second on PostgreSQL (None where no server can be had)."""
    if url:
        return await batched(PostgresDatabase(url), rows)
    try:
        from tests.postgres import throwaway_server

        with throwaway_server(durable=True) as server:
            return await batched(PostgresDatabase(server.new_database()), rows)
    except (ImportError, FileNotFoundError) as exc:
        print(f"no PostgreSQL run: {exc}", file=sys.stderr)
        return None


if __name__ == "__main__":
    asyncio.run(main())
