from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import aiosqlite

from bot.app import build_service
from bot.model import AskContext
from bot.querylog.migrations import SCHEMA_VERSION, migrate
from bot.querylog.privacy import UserKeys
from bot.querylog.stats import read_stats
from bot.querylog.writer import QueryLog
from bot.settings import Settings


async def ask_logged(settings: Settings, questions: list[str], context: AskContext) -> QueryLog:
    log = QueryLog(settings.db_path, keys=UserKeys(b"test-secret"))
    await log.open()
    service = build_service(settings, sink=log)
    await service.start()
    for question in questions:
        await service.ask(question, context=context)
    await log.close()
    return log


async def test_every_question_is_written_with_its_details(settings: Settings) -> None:
    context = AskContext("slash", user_id=42, guild_id=7, channel_id=8)
    log = await ask_logged(settings, ["what is dojo", "How do I bake sourdough?"], context)
    assert log.written == 2 and log.lost == 0
    with sqlite3.connect(settings.db_path) as db:
        rows = db.execute(
            "SELECT surface, guild_id, channel_id, user_key, question, answered, results,"
            " latency_ms, index_version, asked_at FROM queries ORDER BY id"
        ).fetchall()
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    first, second = rows
    assert first[:3] == ("slash", 7, 8)
    assert first[3] == UserKeys(b"test-secret").key_for(42) and "42" not in first[3]
    assert first[4] == "what is dojo" and first[5] == 1
    results = json.loads(first[6])
    assert results[0]["id"].endswith(".txt") and results[0]["score"] > 0
    assert first[7] > 0 and len(first[8]) == 12 and first[9].endswith("+00:00")
    assert second[5] == 0


async def test_locked_database_loses_rows_but_answers_go_out(settings: Settings) -> None:
    await ask_logged(settings, ["first"], AskContext())
    holder = sqlite3.connect(settings.db_path, timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        log = QueryLog(settings.db_path, busy_timeout_ms=50, keys=UserKeys(b"k"))
        await log.open()
        service = build_service(settings, sink=log)
        await service.start()
        answer = await service.ask("what is dojo")
        assert answer.answered
        await log.flush()
    finally:
        holder.rollback()
        holder.close()
    assert log.lost == 1 and log.written == 0
    # the loss is counted in the ledger beside the database; later rows are written
    await service.ask("D1 chip")
    await log.close()
    stats = read_stats(settings.db_path)
    assert stats.total == 2 and stats.lost_rows == 1 and log.written == 1


async def test_unopenable_database_never_raises(settings: Settings) -> None:
    settings.db_path.mkdir(parents=True)  # a folder where the file should be
    log = await ask_logged(settings, ["what is dojo"], AskContext())
    assert log.lost == 1


async def test_stats_summarise_the_log(settings: Settings) -> None:
    questions = ["what is dojo", "What is Dojo?", "How do I bake sourdough?", "bake sourdough"]
    await ask_logged(settings, questions, AskContext("mention"))
    stats = read_stats(settings.db_path)
    assert stats.total == 4 and stats.answered == 2
    assert stats.by_surface == {"mention": 4}
    assert stats.top_questions[0][1] == 2
    assert [count for _q, count in stats.top_unanswered] == [2]
    assert stats.latency_p50 is not None and stats.latency_p95 is not None
    assert stats.latency_p50 <= stats.latency_p95


async def test_two_connections_migrating_a_new_file_at_once_both_succeed(tmp_path: Path) -> None:
    # each looks at the schema version before the other takes the write lock: the
    # second must not apply what the first has just applied ("duplicate column")
    path = tmp_path / "log.sqlite3"
    connections = [await aiosqlite.connect(path, isolation_level=None) for _ in range(2)]
    try:
        for connection in connections:
            await connection.execute("PRAGMA busy_timeout = 5000")
        found = await asyncio.gather(*(migrate(connection) for connection in connections))
    finally:
        for connection in connections:
            await connection.close()
    assert found == [0, 0]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
