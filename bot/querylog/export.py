"""The questions that need an admin's eye, as CSV: those the bot could not answer and
the answers people voted down (``/stats show:unanswered``, ``stats --csv``)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.querylog.backend import Database
from bot.querylog.sqlite_db import SqliteDatabase

SELECT_UNANSWERED = """
SELECT asked_at, surface, question, results FROM queries
WHERE answered = 0 AND asked_at >= ? ORDER BY asked_at
"""
SELECT_DOWNVOTED = """
SELECT voted_at, question, top_id FROM feedback
WHERE vote = -1 AND voted_at >= ? ORDER BY voted_at
"""
HEADER = ("kind", "when", "surface", "question", "article")
# A cell a spreadsheet would read as a formula is quoted with a leading apostrophe
# (people's questions are untrusted text).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """``text`` safe to open in a spreadsheet: no formula, no control characters."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _nearest(results: str) -> str:
    """The first suggestion of an unanswered question's logged results, if any."""
    try:
        found = json.loads(results)
    except (TypeError, ValueError):
        return ""
    if isinstance(found, list) and found and isinstance(found[0], dict):
        return str(found[0].get("id", ""))
    return ""


ReviewRow = tuple[str, str, str, str, str]


def review_rows(path: Path, since: str = "") -> list[ReviewRow]:
    """Unanswered questions and voted-down answers of the SQLite log at ``path`` from
    ``since`` (ISO date), oldest first within each kind; empty when there is no log yet."""
    if not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        unanswered = db.execute(SELECT_UNANSWERED, (since,)).fetchall()
        try:
            voted = db.execute(SELECT_DOWNVOTED, (since,)).fetchall()
        except sqlite3.OperationalError:  # a version-1 file has no feedback yet
            voted = []
    return _review(unanswered, voted)


async def review_rows_from(database: Database, since: str = "") -> list[ReviewRow]:
    """:func:`review_rows` for any database (a server as well as a file)."""
    if isinstance(database, SqliteDatabase):
        return await asyncio.to_thread(review_rows, database.path, since)
    async with database.connection() as conn:
        unanswered = await conn.fetchall(SELECT_UNANSWERED, (since,))
        voted = await conn.fetchall(SELECT_DOWNVOTED, (since,))
    return _review(unanswered, voted)


def _review(unanswered: Sequence[Sequence[Any]], voted: Sequence[Sequence[Any]]) -> list[ReviewRow]:
    rows: list[ReviewRow] = [
        ("unanswered", asked_at, surface, question, _nearest(results))
        for asked_at, surface, question, results in unanswered
    ]
    rows += [
        ("thumbs down", voted_at, "", question, top_id or "")
        for voted_at, question, top_id in voted
    ]
    return rows


def to_csv(rows: list[ReviewRow]) -> str:
    """Rows of :func:`review_rows` as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()


def review_csv(path: Path, since: str = "") -> str:
    """:func:`review_rows` as CSV text."""
    return to_csv(review_rows(path, since))
