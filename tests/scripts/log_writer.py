"""A query-log writer run in a child process by the durability tests.

    python tests/scripts/log_writer.py DB MODE COUNT

DB is a SQLite file or a postgresql:// URL.

MODE ``hold``: queue COUNT rows with batching so slow that nothing is written,
print ``queued``, and wait for SIGTERM (the rows must be flushed on the way out).
MODE ``stream``: keep queueing and flushing rows in batches of COUNT, printing
``written N`` after each commit, until killed.
MODE ``burst``: queue COUNT rows, close, print ``done``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.answer.build import Answer
from bot.model import AskContext
from bot.querylog.backend import is_url
from bot.querylog.postgres import PostgresDatabase
from bot.querylog.privacy import UserKeys
from bot.querylog.writer import QueryLog
from bot.shutdown import stop_on_signals


def answer(n: int) -> Answer:
    return Answer(query=f"question {n}", answered=n % 2 == 0, results=(), took_ms=1.0)


async def main(target: str, mode: str, count: int) -> None:
    batch = 3600.0 if mode == "hold" else 0.01
    db: Path | PostgresDatabase = PostgresDatabase(target) if is_url(target) else Path(target)
    log = QueryLog(db, busy_timeout_ms=10_000, keys=UserKeys(b"k"), batch_seconds=batch)
    await log.open()
    context = AskContext("cli", user_id=1)
    if mode == "hold":
        stop = asyncio.Event()
        stop_on_signals(stop.set)
        for n in range(count):
            log.record(answer(n), context)
        print("queued", flush=True)
        await stop.wait()
    elif mode == "stream":
        n = 0
        while True:
            for _ in range(count):
                log.record(answer(n), context)
                n += 1
            await log.flush()
            print(f"written {log.written}", flush=True)
    else:
        for n in range(count):
            log.record(answer(n), context)
            if n % 50 == 0:
                await asyncio.sleep(0)
    await log.close()
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
