"""The query log under real faults: other processes, SIGTERM, SIGKILL, read-only files."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import build_service
from bot.model import AskContext
from bot.querylog.migrations import MIGRATIONS, SCHEMA_VERSION
from bot.querylog.privacy import UserKeys
from bot.querylog.stats import read_stats
from bot.querylog.writer import BATCH_ROWS, QueryLog
from bot.settings import Settings
from tests.conftest import ROOT
from tests.querylog.writers import start_writer


def count_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM queries").fetchone()[0])


def test_sigterm_flushes_every_queued_row(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    writer = start_writer(db, "hold", BATCH_ROWS - 1)  # fewer than a batch: none written
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "queued"
    assert count_rows(db) == 0  # nothing written yet: the batch interval is an hour
    writer.send_signal(signal.SIGTERM)
    assert writer.wait(timeout=30) == 0
    assert count_rows(db) == BATCH_ROWS - 1


def test_sigkill_mid_batch_keeps_every_committed_row(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    writer = start_writer(db, "stream", 200)
    assert writer.stdout is not None
    committed = 0
    while committed < 2000:
        line = writer.stdout.readline()
        assert line.startswith("written "), line
        committed = int(line.split()[1])
    writer.kill()
    writer.wait(timeout=30)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert count_rows(db) >= committed


def test_two_processes_write_the_same_file(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    writers = [start_writer(db, "burst", 3000) for _ in range(2)]
    for writer in writers:
        assert writer.wait(timeout=60) == 0
    assert count_rows(db) == 6000


def test_bot_and_cli_ask_at_once(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    questions = "\n".join(["what is dojo", "D1 chip", "How do I bake sourdough?"] * 20)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "ask", "--db", str(db), "--json", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
            env=env,
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.stdin is not None
        run.stdin.write(questions.encode())
        run.stdin.close()
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    assert count_rows(db) == 120


OLD_SCHEMA_V1 = MIGRATIONS[0]


async def test_an_old_file_is_upgraded_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as conn:
        for statement in OLD_SCHEMA_V1:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO queries (asked_at, surface, question, answered, results, latency_ms)"
            " VALUES ('2026-01-01T00:00:00+00:00', 'cli', 'old question', 1, '[]', 2.0)"
        )
    log = QueryLog(db, keys=UserKeys(b"k"))
    await log.open()
    await log.vote(1, 2, 1, "old question", None)
    await log.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT question FROM queries").fetchall() == [("old question",)]
        assert conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 1


async def test_a_newer_file_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    log = QueryLog(db, keys=UserKeys(b"k"))
    await log.open()
    await log.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert tables == []


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A query log file nobody, root included, can write (chmod, or chattr +i as root)."""
    db = tmp_path / "ro.sqlite3"
    with sqlite3.connect(db) as conn:
        for statement in (s for migration in MIGRATIONS for s in migration):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(db)]).returncode:
            pytest.skip("cannot make a file read-only for root here")
    else:
        db.chmod(0o444)
    try:
        yield db
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(db)], check=False)
        db.chmod(0o644)


async def test_read_only_database_answers_still_go_out(
    read_only: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    log = QueryLog(read_only, keys=UserKeys(b"k"))
    await log.open()
    service = build_service(settings, sink=log)
    await service.start()
    answers = [await service.ask(q) for q in ("what is dojo", "D1 chip", "tesla gpus")]
    await log.close()
    assert all(a.answered for a in answers)
    assert log.lost == 3 and log.written == 0 and log.unrecorded == 0
    assert read_stats(read_only).lost_rows == 3  # counted by stats, in a later process too
    failures = [r for r in caplog.records if "cannot be written" in r.getMessage()]
    assert len(failures) == 1  # logged once, with its cause
    assert "readonly" in failures[0].getMessage() or "read-only" in failures[0].getMessage()


async def test_retention_deletes_old_rows(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    log = QueryLog(db, keys=UserKeys(b"k"), retention_days=30)
    await log.open()
    await log.close()
    with sqlite3.connect(db) as conn:
        for day in ("2020-01-01", "2999-01-01"):
            conn.execute(
                "INSERT INTO queries (asked_at, surface, question, answered, results, latency_ms)"
                " VALUES (?, 'cli', ?, 1, '[]', 1.0)",
                (f"{day}T00:00:00+00:00", day),
            )
            conn.execute(
                "INSERT INTO auto_answered (post_id, channel_id, answered_at) VALUES (?, 1, ?)",
                (int(day[:4]), f"{day}T00:00:00+00:00"),
            )
    log = QueryLog(db, keys=UserKeys(b"k"), retention_days=30)
    await log.open()
    await log.close()
    assert [q for q, _n in read_stats(db).top_questions] == ["2999-01-01"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT post_id FROM auto_answered").fetchall() == [(2999,)]


def test_user_keys_are_stable_secret_and_never_the_id(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    first = UserKeys.for_database(db)
    again = UserKeys.for_database(db)
    key = first.key_for(123456789)
    assert key == again.key_for(123456789) and key is not None and "123456789" not in key
    assert (tmp_path / "log.sqlite3.key").stat().st_mode & 0o777 == 0o600
    assert UserKeys.for_database(db, "configured").key_for(123456789) != key
    assert first.key_for(None) is None


async def test_cli_questions_are_logged_with_a_context(settings: Settings) -> None:
    log = QueryLog(settings.db_path, keys=UserKeys(b"k"))
    await log.open()
    service = build_service(settings, sink=log)
    await service.start()
    await service.ask("what is dojo", context=AskContext("cli"))
    removed_before = await log.forget(1)
    await log.close()
    assert removed_before == 0 and count_rows(settings.db_path) == 1
