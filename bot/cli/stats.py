"""The ``stats`` verb: the query log as a readable table or JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import TextIO

from bot.corpus.metadata import parse_date
from bot.querylog.backend import STORE_ERRORS
from bot.querylog.chart import render_chart
from bot.querylog.export import review_rows_from, to_csv
from bot.querylog.stats import Stats, read_stats_from
from bot.querylog.writer import database_for
from bot.settings import Settings


class StatsUsageError(ValueError):
    """A bad ``stats`` option."""


def add_stats_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the ``stats`` verb."""
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="only questions from this day on")
    parser.add_argument("--top", type=int, default=10, metavar="N", help="rows in the top lists")
    parser.add_argument("--plot", metavar="FILE.png", help="also write a chart of the log")
    parser.add_argument(
        "--csv",
        action="store_true",
        help="print the unanswered questions and the voted-down answers as CSV instead",
    )


def stats_text(stats: Stats) -> str:
    """The summary for people."""
    if stats.total == 0:
        text = "No questions logged yet."
        return text + (
            f"\nRows lost (database not writable): {stats.lost_rows}" if stats.lost_rows else ""
        )
    lines = [
        f"Questions: {stats.total}   answered: {stats.answered} ({stats.answer_rate:.0%})",
        "Per surface: " + ", ".join(f"{k} {v}" for k, v in stats.by_surface.items()),
        f"Latency: p50 {stats.latency_p50} ms, p95 {stats.latency_p95} ms",
    ]
    if stats.votes:
        lines.append(
            f"Feedback: {stats.votes} votes, {stats.downvotes / stats.votes:.0%} thumbs down"
        )
    if stats.lost_rows:
        lines.append(f"Rows lost (database not writable): {stats.lost_rows}")
    for title, rows in (
        ("Top questions", stats.top_questions),
        ("Top unanswered", stats.top_unanswered),
    ):
        if rows:
            lines += ["", f"{title}:"]
            lines += [f"  {count:>4}  {question[:100]}" for question, count in rows]
    return "\n".join(lines)


async def cmd_stats(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Print the query log summary."""
    since = ""
    if args.since:
        parsed = parse_date(args.since)
        if parsed is None:
            raise StatsUsageError(f"--since must be a date like 2024-05-31, got {args.since!r}")
        since = parsed[:10]
    database = database_for(settings)
    try:
        if args.csv:
            out.write(to_csv(await review_rows_from(database, since)))
            return 0
        stats = await read_stats_from(database, since, max(1, args.top))
    except STORE_ERRORS as exc:
        out.write(f"error: cannot read the query log {database.label}: {exc}\n")
        return 1
    finally:
        await database.close()
    out.write((json.dumps(stats.as_dict(), indent=2) if args.json else stats_text(stats)) + "\n")
    if args.plot:
        png = await asyncio.to_thread(render_chart, stats)
        try:
            Path(args.plot).write_bytes(png)
        except OSError as exc:
            raise StatsUsageError(f"cannot write {args.plot}: {exc.strerror or exc}") from None
    return 0
