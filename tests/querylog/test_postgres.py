"""The query log on a real PostgreSQL server the tests start on 127.0.0.1: every stored
feature as on SQLite, several processes at once, a lost connection, ``stats --db URL``."""

from __future__ import annotations

import contextlib
import io
import json
import signal
from typing import TYPE_CHECKING

import asyncpg
import pytest

from bot.answer.build import Answer
from bot.answer.curated import Curated
from bot.cli.main import main as cli_main
from bot.model import AskContext, Filters
from bot.querylog.export import review_rows_from
from bot.querylog.faqs import FaqError, add_faq, edit_faq, import_faqs, list_faqs, remove_faq
from bot.querylog.guilds import GuildSettings
from bot.querylog.postgres import PostgresDatabase, numbered, redacted
from bot.querylog.privacy import UserKeys
from bot.querylog.stats import read_stats_from
from bot.querylog.writer import BATCH_ROWS, QueryLog
from tests.conftest import ROOT
from tests.querylog.writers import start_writer

if TYPE_CHECKING:
    from tests.postgres import PostgresServer

pytest_plugins = ["tests.postgres"]
HELD = BATCH_ROWS - 1  # fewer than a batch, so nothing is written before the end


def answer(question: str, answered: bool = True, filters: Filters | None = None) -> Answer:
    return Answer(
        query=question, answered=answered, results=(), took_ms=2, filters=filters or Filters()
    )


async def count(url: str, sql: str = "SELECT COUNT(*) FROM queries") -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def test_placeholders_and_passwords() -> None:
    assert numbered("SELECT ? WHERE a = '?' AND b = ?") == "SELECT $1 WHERE a = '?' AND b = $2"
    assert redacted("postgresql://bot:s3cret@db:5432/log") == "postgresql://bot:***@db:5432/log"
    assert redacted("postgresql://db/log") == "postgresql://db/log"


async def test_questions_votes_and_forgetting_on_postgres(pg_url: str) -> None:
    log = QueryLog(PostgresDatabase(pg_url), retention_days=30)
    await log.open()
    filters = Filters(topic="AI", since="2021-01-01")
    log.record(answer("what is dojo", filters=filters), AskContext("slash", 7, 1, 2, "a" * 16))
    log.record(answer("no idea", answered=False), AskContext("mention", 8, 1, 2))
    await log.flush()
    assert log.written == 2 and await count(pg_url) == 2
    state = await log.reply("a" * 16)
    assert state is not None and state.question == "what is dojo" and state.filters == filters
    assert state.asker_key == log.key_for(7) and state.guild_id == 1
    assert await log.vote(99, 7, 1, "what is dojo", "a.md") is None
    assert await log.vote(99, 7, -1, "what is dojo", "a.md") == 1
    assert await log.vote(99, 8, -1, "what is dojo", "a.md") is None
    assert await log.vote_counts(99) == (0, 2)
    stats = await read_stats_from(log.database)
    assert (stats.total, stats.answered, stats.votes, stats.downvotes) == (2, 1, 2, 2)
    assert stats.by_surface == {"slash": 1, "mention": 1}
    review = await review_rows_from(log.database)
    assert [r[0] for r in review] == ["unanswered", "thumbs down", "thumbs down"]
    assert await log.forget(7) == 2  # one question, one vote
    assert await count(pg_url) == 1 and await log.reply("a" * 16) is None
    await log.close()


async def test_every_process_hashes_a_user_alike(pg_url: str) -> None:
    first, second = QueryLog(PostgresDatabase(pg_url)), QueryLog(PostgresDatabase(pg_url))
    await first.open()
    await second.open()
    assert first.key_for(123) == second.key_for(123) is not None
    assert first.key_for(123) != UserKeys(b"other").key_for(123)
    configured = QueryLog(PostgresDatabase(pg_url), user_key_secret="s")
    await configured.open()
    assert configured.key_for(123) == UserKeys(b"s").key_for(123)
    for log in (first, second, configured):
        await log.close()


async def test_retention_servers_settings_posts_and_curated_answers(pg_url: str) -> None:
    database = PostgresDatabase(pg_url)
    async with database.connection() as conn:
        await conn.execute(
            "INSERT INTO queries (asked_at, surface, question, answered, results, latency_ms)"
            " VALUES ('2001-01-01T00:00:00+00:00', 'cli', 'old', 1, '[]', 1.0)"
        )
        await conn.commit()
    log = QueryLog(database, retention_days=30)
    await log.open()  # prunes
    assert await count(pg_url) == 0
    settings = GuildSettings(frozenset({5}), frozenset({6}), 1234567890123456789)
    await log.save_guild_settings(1200000000000000100, settings)
    assert await log.guild_settings(1200000000000000100) == settings
    assert await log.auto_answer_configured()
    assert await log.claim_post(42, 7) and not await log.claim_post(42, 7)
    async with log.connection() as conn:
        await add_faq(conn, 1, Curated("Reset password", "Do this."))
        with pytest.raises(FaqError, match="already"):
            await add_faq(conn, 1, Curated("reset PASSWORD", "Again."))
        await edit_faq(conn, 1, "reset password", None, "https://e.com/r")
        await import_faqs(conn, 1, [Curated("RESET password", "New."), Curated("b", "B.")])
        assert await list_faqs(conn, 1) == [Curated("b", "B."), Curated("RESET password", "New.")]
        await remove_faq(conn, 1, "b")
        with pytest.raises(FaqError, match="no curated answer"):
            await remove_faq(conn, 1, "b")
    await log.close()


async def test_a_lost_server_is_counted_and_the_log_reconnects(
    postgres_server: PostgresServer, pg_url: str
) -> None:
    log = QueryLog(PostgresDatabase(pg_url))
    await log.open()
    log.record(answer("before"), AskContext("cli", 1))
    await log.flush()
    postgres_server.stop()
    try:
        log.record(answer("while down"), AskContext("cli", 1))
        await log.flush()
        assert log.lost == 1 and log.written == 1
    finally:
        postgres_server.start()
    log.record(answer("after"), AskContext("cli", 1))
    await log.flush()
    assert log.written == 2 and await count(pg_url) == 2
    stats = await read_stats_from(log.database)
    assert stats.lost_rows >= 1  # the ledger kept the loss
    await log.close()


def test_three_processes_log_to_one_server_and_lose_nothing(pg_url: str) -> None:
    writers = [start_writer(pg_url, "burst", 700) for _ in range(3)]
    for writer in writers:
        out, _ = writer.communicate(timeout=120)
        assert writer.returncode == 0 and out.strip().endswith("done")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = cli_main(["stats", "--json", "--db", pg_url, "--corpus", str(ROOT / "seeds")])
    assert code == 0, printed.getvalue()
    assert json.loads(printed.getvalue())["total"] == 2100


async def test_sigterm_flushes_every_queued_row_to_the_server(pg_url: str) -> None:
    writer = start_writer(pg_url, "hold", HELD)
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "queued"
    assert await count(pg_url) == 0  # nothing written yet: the batch interval is an hour
    writer.send_signal(signal.SIGTERM)
    assert writer.wait(timeout=60) == 0
    assert await count(pg_url) == HELD
