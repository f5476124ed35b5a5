"""Faults at start and on the way: a corrupt or locked query log, SQL-looking questions,
a token that must never be shown, Discord unreachable or refusing the token."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import build_service
from bot.discord.ratelimit import RateLimiter
from bot.querylog.privacy import UserKeys
from bot.querylog.stats import read_stats
from bot.querylog.writer import QueryLog
from bot.redact import MASK, RedactingFilter, install_redaction, remove_redaction
from bot.settings import Settings
from fakediscord import IDS, FakeDiscord, default_config, patched_discord
from tests.conftest import ROOT
from tests.discord.processes import read_until, start_bot, stop_bot

TOKEN = "MTIwMDAwMDAwMDAwMDAwMDAwMQ.GfAkEt.0k3n-sh0uld-n3v3r-b3-pr1nt3d"
INJECTIONS = [
    "'; DROP TABLE queries; --",
    "Robert'); DROP TABLE queries;--",
    '" OR 1=1; DELETE FROM feedback; --',
    "1; UPDATE queries SET answered = 1 WHERE 1=1",
]


def corrupt_file(path: Path) -> Path:
    path.write_bytes(b"this is not a database, just junk " * 200)
    return path


async def test_a_corrupt_database_at_start_logs_once_and_answers_go_out(
    tmp_path: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    db = corrupt_file(tmp_path / "corrupt.sqlite3")
    querylog = QueryLog(db, keys=UserKeys(b"k"))
    with caplog.at_level(logging.WARNING):
        await querylog.open()
        service = build_service(settings, sink=querylog)
        await service.start()
        answers = [await service.ask(q) for q in ("what is dojo", "D1 chip")]
        await querylog.close()
    assert all(a.answered for a in answers)
    assert querylog.lost == 2 and querylog.written == 0
    errors = [r for r in caplog.records if r.name == "bot.querylog.writer"]
    assert len(errors) == 1
    assert "file is not a database" in errors[0].getMessage()
    assert "answers continue" in errors[0].getMessage()


async def test_ask_with_a_corrupt_db_answers_with_one_warning_line(tmp_path: Path) -> None:
    db = corrupt_file(tmp_path / "corrupt.sqlite3")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DISCORD_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "ask",
        "--db",
        str(db),
        "what is dojo",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0
    assert "Sources:" in out.decode()
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, err.decode()
    assert "query log" in lines[0] and "file is not a database" in lines[0]
    assert "Traceback" not in err.decode()


@pytest.fixture
def locked_db(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """A database file another connection holds an exclusive lock on."""
    db = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield db, holder
    finally:
        holder.close()


async def test_a_database_locked_at_start_recovers_when_released(
    locked_db: tuple[Path, sqlite3.Connection],
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db, holder = locked_db
    querylog = QueryLog(db, busy_timeout_ms=50, keys=UserKeys(b"k"), batch_seconds=3600)
    with caplog.at_level(logging.WARNING):
        await querylog.open()
    assert any("locked" in r.getMessage() for r in caplog.records)
    service = build_service(settings, sink=querylog)
    await service.start()
    assert (await service.ask("what is dojo")).answered
    holder.rollback()
    await querylog.flush()
    await querylog.close()
    assert querylog.written == 1 and querylog.lost == 0
    assert read_stats(db).total == 1  # the schema was created once the lock was gone


async def test_sql_looking_questions_are_stored_verbatim(settings: Settings) -> None:
    querylog = QueryLog(settings.db_path, keys=UserKeys(b"k"))
    await querylog.open()
    service = build_service(settings, sink=querylog)
    await service.start()
    answers = [await service.ask(question) for question in INJECTIONS]
    await querylog.vote(1, 2, -1, INJECTIONS[0], None)
    await querylog.close()
    with sqlite3.connect(settings.db_path) as db:
        stored = [row[0] for row in db.execute("SELECT question FROM queries ORDER BY id")]
        answered = [row[0] for row in db.execute("SELECT answered FROM queries ORDER BY id")]
        votes = db.execute("SELECT question FROM feedback").fetchall()
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert stored == INJECTIONS
    assert answered == [int(a.answered) for a in answers]  # the UPDATE did not run
    assert votes == [(INJECTIONS[0],)]
    assert {"queries", "feedback", "losses"} <= tables


async def test_a_flush_waits_for_the_one_under_way(tmp_path: Path, settings: Settings) -> None:
    querylog = QueryLog(tmp_path / "race.sqlite3", keys=UserKeys(b"k"), batch_seconds=3600)
    await querylog.open()
    service = build_service(settings, sink=querylog)
    await service.start()
    for question in ("what is dojo", "D1 chip", "tesla gpus"):
        await service.ask(question)
    first = asyncio.create_task(querylog.flush())
    await asyncio.sleep(0)  # let the first flush take the batch and start writing
    await querylog.flush()
    assert read_stats(querylog.path).total == 3  # committed before the second flush returned
    await first
    await querylog.close()


def test_rate_limiter_peek_records_nothing() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 10.0, clock=lambda: now[0])
    assert limiter.peek("u") == 0.0 and limiter.peek("u") == 0.0
    assert limiter.hit("u") == 0.0 and limiter.hit("u") == 0.0
    assert limiter.peek("u") == pytest.approx(10.0)
    assert limiter.hit("u") == pytest.approx(10.0)  # refused: not recorded
    now[0] = 9.0
    assert limiter.peek("u") == pytest.approx(1.0)
    now[0] = 10.0
    assert limiter.hit("u") == 0.0
    assert RateLimiter(1, 0.0).hit("u") == RateLimiter(1, 0.0).hit("u") == 0.0


# ------------------------------------------------------------------- the token


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    logger = logging.getLogger("tests.redaction")
    logger.propagate = False
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_the_token_is_masked_in_every_log_record(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    redacting = install_redaction(TOKEN, logger=logger)
    try:
        logger.warning("connecting with %s", TOKEN)
        logger.error(f"header Authorization: Bot {TOKEN}")
        try:
            raise RuntimeError(f"request failed for token={TOKEN}")
        except RuntimeError:
            logger.exception("failed %d times", 2)
        logger.info("nothing secret here: %s", "hello")
    finally:
        remove_redaction(redacting, logger=logger)
    text = stream.getvalue()
    assert TOKEN not in text
    assert text.count(MASK) == 3
    assert "failed 2 times" in text and "RuntimeError: request failed for token=" in text
    logger.warning("after removal %s", "plain")
    assert stream.getvalue().endswith("after removal plain\n")


def test_short_secrets_are_not_masked() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a b c %s", ("d",), None)
    assert RedactingFilter("b").filter(record) and record.getMessage() == "a b c d"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run_bot_process(api_base: str, gateway: str, tmp_path: Path) -> tuple[int, str]:
    process = await start_bot(
        api_base,
        gateway,
        tmp_path / "q.sqlite3",
        {"DISCORD_TOKEN": TOKEN},
        stdout=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


async def test_run_against_an_unreachable_discord_is_one_line_without_the_token(
    tmp_path: Path,
) -> None:
    port = closed_port()
    code, output = await run_bot_process(
        f"http://127.0.0.1:{port}/api/v10", f"ws://127.0.0.1:{port}/gateway", tmp_path
    )
    assert code == 1
    assert output.startswith("error: cannot connect to Discord")
    assert output.count("\n") == 1 and "Traceback" not in output
    assert TOKEN not in output


@pytest_asyncio.fixture
async def strict_discord() -> AsyncIterator[FakeDiscord]:
    """A fake Discord that accepts only another token."""
    config = default_config(token="the-one-real-token-of-this-bot")
    async with FakeDiscord(config) as fake:
        with patched_discord(fake):
            yield fake


async def test_run_with_a_rejected_token_is_one_line_without_the_token(
    strict_discord: FakeDiscord, tmp_path: Path
) -> None:
    code, output = await run_bot_process(
        strict_discord.api_url, strict_discord.gateway_url, tmp_path
    )
    assert code == 1
    assert output == (
        "error: Discord rejected the token in DISCORD_TOKEN: check it in the developer portal\n"
    )
    assert TOKEN not in output
    login = await strict_discord.wait_for_request("GET", r"/users/@me")
    assert login.status == 401


@pytest_asyncio.fixture
async def open_discord() -> AsyncIterator[FakeDiscord]:
    """A fake Discord that accepts the test token."""
    async with FakeDiscord(default_config(token=TOKEN)) as fake:
        with patched_discord(fake):
            yield fake


async def test_run_logs_its_start_up_at_info_by_default(
    open_discord: FakeDiscord, tmp_path: Path
) -> None:
    process = await start_bot(
        open_discord.api_url,
        open_discord.gateway_url,
        tmp_path / "q.sqlite3",
        {"DISCORD_TOKEN": TOKEN},
    )
    lines: list[str] = []
    try:
        await asyncio.wait_for(read_until(process, lines, "invite URL"), 60)
    finally:  # the bot stops whatever happened above
        output = await stop_bot(process, lines)
    assert process.returncode == 0, output
    for expected in ("index ", "answers need confidence", "slash commands", "logged in as"):
        assert expected in output, (expected, output)
    assert "invite URL: https://discord.com/oauth2/authorize?" in output
    assert TOKEN not in output and "Traceback" not in output


@pytest_asyncio.fixture
async def no_intents_discord() -> AsyncIterator[FakeDiscord]:
    """A fake Discord whose Developer Portal grants the app no privileged intent."""
    async with FakeDiscord(default_config(token=TOKEN, privileged_intents=0)) as fake:
        with patched_discord(fake):
            yield fake


async def test_without_the_content_intent_one_warning_and_mentions_still_answered(
    no_intents_discord: FakeDiscord, tmp_path: Path
) -> None:
    process = await start_bot(
        no_intents_discord.api_url,
        no_intents_discord.gateway_url,
        tmp_path / "q.sqlite3",
        {"DISCORD_TOKEN": TOKEN, "BOT_DISCORD_AUTO_ANSWER_CHANNELS": str(IDS.other)},
    )
    lines: list[str] = []
    try:
        await asyncio.wait_for(read_until(process, lines, "invite URL"), 60)
        await no_intents_discord.send_message(f"<@{IDS.bot}> what is dojo", author=IDS.member)
        reply = await no_intents_discord.wait_for_message(IDS.general, timeout=30)
    finally:  # the bot stops whatever happened above
        output = await stop_bot(process, lines)
    assert process.returncode == 0, output
    assert "Dojo" in reply.embeds[0]["title"]
    assert output.count("Discord refused the Message Content intent") == 1, output
    assert "Privileged Gateway Intents" in output and "Traceback" not in output
    identified = [op["d"]["intents"] for op in no_intents_discord.gateway_ops if op["op"] == 2]
    assert [bool(i & (1 << 15)) for i in identified] == [True, False]
