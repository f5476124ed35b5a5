"""The ledger of rows the query log could not write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.querylog import losses
from bot.querylog.losses import counted_losses, ledgers, record_loss
from bot.querylog.stats import read_stats


def test_losses_go_beside_the_database_and_are_counted(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    assert record_loss(db, 3, "attempt to write a readonly database")
    assert record_loss(db, 2, "database or disk is full")
    beside = Path(f"{db}.lost")
    assert beside.is_file() and beside.stat().st_mode & 0o077 == 0
    assert counted_losses(db) == 5
    assert read_stats(db).lost_rows == 5  # even with no database file at all


def test_an_unwritable_folder_sends_them_to_the_state_folder(tmp_path: Path) -> None:
    db = tmp_path / "gone" / "log.sqlite3"  # a folder that cannot be written to (absent)
    assert record_loss(db, 4, "read-only file system")
    first, second, _third = ledgers(db)
    assert not first.exists() and second.is_file()
    assert counted_losses(db) == 4


def test_a_loss_no_ledger_can_hold_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a-file").write_text("")  # a folder that cannot be, under a file
    nowhere = [tmp_path / "a-file" / "a", tmp_path / "a-file" / "b" / "c"]
    monkeypatch.setattr(losses, "ledgers", lambda _db: nowhere)
    assert not record_loss(tmp_path / "log.sqlite3", 1, "everything is read-only")
    assert counted_losses(tmp_path / "log.sqlite3") == 0


def test_a_damaged_ledger_counts_what_it_can(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    Path(f"{db}.lost").write_text(
        '{"rows": 2}\nnot json\n{"rows": -5}\n{"rows": true}\n[1]\n{"rows": 1}\n'
    )
    assert counted_losses(db) == 3
    os.truncate(f"{db}.lost", losses.MAX_LEDGER_BYTES + 1)
    assert counted_losses(db) == 0  # too large to be a ledger: not read
