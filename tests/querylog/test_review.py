"""The stats chart's days and the review export (unanswered and voted-down, as CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
import struct
from pathlib import Path

from bot.querylog.chart import render_chart
from bot.querylog.export import cell, review_csv, review_rows
from bot.querylog.stats import Stats, calendar, read_stats
from bot.querylog.writer import QueryLog


async def _log(path: Path) -> None:
    """A log file with its schema (opened and closed by the real writer)."""
    log = QueryLog(path)
    await log.open()
    await log.close()


def _question(db: sqlite3.Connection, day: str, question: str, answered: int) -> None:
    db.execute(
        "INSERT INTO queries (asked_at, surface, question, answered, results, latency_ms)"
        " VALUES (?, 'slash', ?, ?, ?, 2.5)",
        (f"{day}T12:00:00+00:00", question, answered, '[{"id": "a.md", "score": 1.0}]'),
    )


async def test_quiet_days_are_zero_up_to_today(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    await _log(path)
    with sqlite3.connect(path) as db:
        _question(db, "2026-03-01", "what is dojo", 1)
        _question(db, "2026-03-04", "sourdough?", 0)
    stats = read_stats(path, "2026-02-01", today=dt.date(2026, 3, 6))
    assert [d.day for d in stats.per_day] == [f"2026-03-0{n}" for n in range(1, 7)]
    assert [(d.answered, d.unanswered) for d in stats.per_day] == [
        (1, 0), (0, 0), (0, 0), (0, 1), (0, 0), (0, 0)
    ]  # fmt: skip
    assert stats.per_day[1].latency_p50 is None and stats.per_day[0].latency_p50 == 2.5
    assert calendar([]) == []
    assert calendar(["2026-01-31"], today=dt.date(2026, 1, 30)) == ["2026-01-31"]  # clock skew


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


async def test_the_chart_covers_long_periods_and_says_when_there_is_nothing(
    tmp_path: Path,
) -> None:
    empty = _png_size(render_chart(Stats()))
    path = tmp_path / "log.sqlite3"
    await _log(path)
    with sqlite3.connect(path) as db:
        for n in range(0, 120, 7):
            day = (dt.date(2026, 1, 1) + dt.timedelta(days=n)).isoformat()
            _question(db, day, f"question {n}", n % 2)
    stats = read_stats(path, today=dt.date(2026, 5, 1))
    assert len(stats.per_day) == 121
    full = _png_size(render_chart(stats))
    assert full[0] == empty[0] == 800 and full[1] == 550 and empty[1] == 250


async def test_review_lists_unanswered_questions_and_voted_down_answers(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    assert review_rows(path) == [] and review_csv(path).splitlines() == [
        "kind,when,surface,question,article"
    ]
    await _log(path)
    with sqlite3.connect(path) as db:
        _question(db, "2026-03-01", "what is dojo", 1)
        _question(db, "2026-03-02", '=HYPERLINK("http://x")\u202e', 0)
        _question(db, "2025-01-01", "too old", 0)
        db.execute(
            "INSERT INTO feedback (message_id, user_key, vote, question, top_id, voted_at)"
            " VALUES (1, 'k', -1, 'D1 chip', 'b.md', '2026-03-03T00:00:00+00:00'),"
            " (2, 'k', 1, 'liked', 'c.md', '2026-03-03T00:00:00+00:00')"
        )
    rows = list(csv.reader(io.StringIO(review_csv(path, "2026-01-01"))))
    assert rows[0] == ["kind", "when", "surface", "question", "article"]
    assert rows[1] == [
        "unanswered", "2026-03-02T12:00:00+00:00", "slash", "'=HYPERLINK(\"http://x\") ", "a.md"
    ]  # fmt: skip
    assert rows[2] == ["thumbs down", "2026-03-03T00:00:00+00:00", "", "D1 chip", "b.md"]
    assert len(rows) == 3
    assert cell("-1 + 2") == "'-1 + 2" and cell("ok\x1b[2J") == "ok [2J" and cell("fine") == "fine"
