"""The questions that need an admin's eye, as CSV: those the bot could not answer and
the answers people voted down (``/stats show:unanswered``, ``stats --csv``)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

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


def review_rows(path: Path, since: str = "") -> list[tuple[str, str, str, str, str]]:
    """Unanswered questions and voted-down answers from ``since`` (ISO date), oldest
    first within each kind; empty when there is no log yet."""
    if not path.exists():
        return []
    rows: list[tuple[str, str, str, str, str]] = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        for asked_at, surface, question, results in db.execute(SELECT_UNANSWERED, (since,)):
            rows.append(("unanswered", asked_at, surface, question, _nearest(results)))
        try:
            voted = db.execute(SELECT_DOWNVOTED, (since,)).fetchall()
        except sqlite3.OperationalError:  # a version-1 file has no feedback yet
            voted = []
        for voted_at, question, top_id in voted:
            rows.append(("thumbs down", voted_at, "", question, top_id or ""))
    return rows


def to_csv(rows: list[tuple[str, str, str, str, str]]) -> str:
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
