"""Summaries of the query log: counts, answer rate, top and unanswered questions, latency."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.querylog.backend import Database
from bot.querylog.losses import counted_losses
from bot.querylog.sqlite_db import SqliteDatabase
from bot.text.analysis import analyze

SELECT_QUERIES = """
SELECT asked_at, surface, question, answered, latency_ms FROM queries
WHERE asked_at >= ? ORDER BY asked_at
"""
SELECT_LOSSES = "SELECT COALESCE(SUM(rows), 0) FROM losses"
SELECT_FEEDBACK = (
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN vote = -1 THEN 1 ELSE 0 END), 0)"
    " FROM feedback WHERE voted_at >= ?"
)


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One day of the log."""

    day: str
    answered: int
    unanswered: int
    latency_p50: float | None
    latency_p95: float | None


@dataclass(slots=True)
class Stats:
    """What the log says about a period."""

    total: int = 0
    answered: int = 0
    by_surface: dict[str, int] = field(default_factory=dict)
    top_questions: list[tuple[str, int]] = field(default_factory=list)
    top_unanswered: list[tuple[str, int]] = field(default_factory=list)
    latency_p50: float | None = None
    latency_p95: float | None = None
    votes: int = 0
    downvotes: int = 0
    lost_rows: int = 0
    per_day: list[DayFigures] = field(default_factory=list)

    @property
    def answer_rate(self) -> float:
        """Share of questions answered."""
        return self.answered / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "total": self.total,
            "answered": self.answered,
            "answer_rate": round(self.answer_rate, 4),
            "by_surface": self.by_surface,
            "top_questions": [{"question": q, "count": n} for q, n in self.top_questions],
            "top_unanswered": [{"question": q, "count": n} for q, n in self.top_unanswered],
            "latency_ms": {"p50": self.latency_p50, "p95": self.latency_p95},
            "votes": self.votes,
            "downvote_share": round(self.downvotes / self.votes, 4) if self.votes else None,
            "lost_rows": self.lost_rows,
            "per_day": [
                {
                    "day": d.day,
                    "answered": d.answered,
                    "unanswered": d.unanswered,
                    "latency_p50": d.latency_p50,
                    "latency_p95": d.latency_p95,
                }
                for d in self.per_day
            ],
        }


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile of ``values`` (``None`` when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return round(ordered[rank - 1], 2)


def group_similar(questions: Sequence[str], limit: int) -> list[tuple[str, int]]:
    """Count questions, grouping those with the same analysed words; most asked first."""
    groups: dict[tuple[str, ...], Counter[str]] = {}
    for question in questions:
        key = tuple(sorted(set(analyze(question)))) or (question.strip().lower(),)
        groups.setdefault(key, Counter())[question.strip()] += 1
    ranked = [
        (wordings.most_common(1)[0][0], sum(wordings.values())) for wordings in groups.values()
    ]
    ranked.sort(key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def calendar(days: Sequence[str], today: dt.date | None = None) -> list[str]:
    """Every day from the first of ``days`` (sorted ISO dates) to ``today`` (UTC; or the
    last of ``days``, if later): the days a chart of them shows, quiet ones too."""
    if not days:
        return []
    start = dt.date.fromisoformat(days[0][:10])
    end = max(today or dt.datetime.now(dt.UTC).date(), dt.date.fromisoformat(days[-1][:10]))
    return [(start + dt.timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def read_stats(path: Path, since: str = "", top: int = 10, today: dt.date | None = None) -> Stats:
    """Summarise the SQLite log at ``path`` from ``since`` (an ISO date; empty for all
    time), opened read-only; ``per_day`` runs to ``today`` (UTC by default), days
    without questions as zero."""
    lost = counted_losses(path)
    if not path.exists():
        return summarise([], lost, (0, 0), top, today)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        rows = db.execute(SELECT_QUERIES, (since,)).fetchall()
        lost += int(db.execute(SELECT_LOSSES).fetchone()[0])  # earlier versions
        try:
            votes, down = db.execute(SELECT_FEEDBACK, (since,)).fetchone()
        except sqlite3.OperationalError:  # a version-1 file has no feedback yet
            votes, down = 0, 0
    return summarise(rows, lost, (int(votes), int(down)), top, today)


async def read_stats_from(
    database: Database, since: str = "", top: int = 10, today: dt.date | None = None
) -> Stats:
    """:func:`read_stats` for any database (a server as well as a file)."""
    if isinstance(database, SqliteDatabase):
        return await asyncio.to_thread(read_stats, database.path, since, top, today)
    lost = await asyncio.to_thread(counted_losses, database.ledger_path)
    async with database.connection() as conn:
        rows = await conn.fetchall(SELECT_QUERIES, (since,))
        logged = await conn.fetchone(SELECT_LOSSES)
        feedback = await conn.fetchone(SELECT_FEEDBACK, (since,))
    lost += int(logged[0]) if logged else 0
    votes = (int(feedback[0]), int(feedback[1])) if feedback else (0, 0)
    return summarise(rows, lost, votes, top, today)


def summarise(
    rows: Sequence[Sequence[Any]],
    lost: int,
    votes: tuple[int, int],
    top: int = 10,
    today: dt.date | None = None,
) -> Stats:
    """The summary of query rows (asked_at, surface, question, answered, latency_ms),
    the rows lost, and the votes (all, down)."""
    stats = Stats()
    stats.lost_rows = lost
    stats.votes, stats.downvotes = votes
    surfaces: Counter[str] = Counter()
    days: dict[str, list[list[float]]] = {}
    latencies: list[float] = []
    for asked_at, surface, _question, answered, latency in rows:
        surfaces[surface] += 1
        stats.answered += int(answered)
        latencies.append(float(latency))
        day = days.setdefault(asked_at[:10], [[], []])
        day[0 if answered else 1].append(float(latency))
    stats.total = len(rows)
    stats.by_surface = dict(surfaces.most_common())
    stats.top_questions = group_similar([r[2] for r in rows], top)
    stats.top_unanswered = group_similar([r[2] for r in rows if not r[3]], top)
    stats.latency_p50 = percentile(latencies, 0.50)
    stats.latency_p95 = percentile(latencies, 0.95)
    quiet: list[list[float]] = [[], []]
    stats.per_day = [
        DayFigures(
            day, len(ok), len(missed), percentile(ok + missed, 0.5), percentile(ok + missed, 0.95)
        )
        for day in calendar(sorted(days), today)
        for ok, missed in [days.get(day, quiet)]
    ]
    return stats
