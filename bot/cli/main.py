"""The command line: ``python -m bot ask|reindex|eval|stats|run``.

Every verb goes through the same :class:`~bot.service.Service` as Discord.
Bad usage exits 2 with one line on stderr; a broken corpus file never stops a
verb.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import re
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO, cast

from bot.answer.evaluate import QuestionFileError, read_questions, score
from bot.answer.render import answer_json, answer_text
from bot.app import running
from bot.cli.compare import ask_all, cmd_compare
from bot.cli.progress import ProgressBar, follow
from bot.cli.stats import StatsUsageError, add_stats_arguments
from bot.corpus.metadata import parse_date
from bot.errors import CorpusError, QuestionError, SettingsError
from bot.model import AskContext, Filters
from bot.querylog.backend import is_url
from bot.service import ReindexReport, Service
from bot.settings import Settings, load_settings

log = logging.getLogger(__name__)

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad usage: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error in one line."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _shared(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", metavar="DIR", help="corpus folder (default: settings)")
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="query log: a SQLite file, or a postgresql:// URL (default: settings)",
    )
    parser.add_argument("--config", metavar="PATH", help="local settings file (TOML)")
    parser.add_argument("-k", type=int, metavar="N", help="number of results (1-25)")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress to stderr (run: debug)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every verb."""
    parser = _Parser(prog="python -m bot", description="Answer questions about a corpus.")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)
    ask = verbs.add_parser("ask", help="answer a question ('-' reads one per line from stdin)")
    ask.add_argument("question", nargs="+", help="the question, or - for stdin")
    ask.add_argument("--json", action="store_true", help="print the JSON object")
    ask.add_argument("--topic", help="only articles with this topic")
    ask.add_argument("--source", help="only articles from this source")
    ask.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published on or after")
    ask.add_argument("--until", metavar="YYYY-MM-DD", help="only articles published on or before")
    _shared(ask)
    reindex = verbs.add_parser("reindex", help="rebuild the index and report")
    reindex.add_argument("--json", action="store_true", help="print the report as JSON")
    _shared(reindex)
    evaluate = verbs.add_parser("eval", help="retrieval quality on a question file (JSON lines)")
    evaluate.add_argument("file", type=Path, help="question file")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument(
        "--compare", action="store_true", help="with the semantic stage off and on, side by side"
    )
    _shared(evaluate)
    for name, verb_help in (
        ("stats", "summary of the query log"),
        ("run", "start the Discord bot"),
    ):
        extra = verbs.add_parser(name, help=verb_help)
        if name == "stats":
            add_stats_arguments(extra)
        _shared(extra)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings with the command line's overrides applied."""
    if args.k is not None and not 1 <= args.k <= 25:
        raise UsageError("-k must be between 1 and 25")
    overrides: dict[str, object] = {"corpus.dir": args.corpus, "search.top_k": args.k}
    if args.db is not None:  # a URL names a server, a path a file: the other is unset
        key, other = ("db.url", "db.path") if is_url(args.db) else ("db.path", "db.url")
        overrides.update({key: args.db, other: None if key == "db.url" else ""})
    settings = load_settings(Path(args.config) if args.config else None, overrides=overrides)
    if not settings.corpus_dir.is_dir():
        raise UsageError(f"corpus folder not found: {settings.corpus_dir}")
    return settings


def _date(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise UsageError(f"--{name} must be a date like 2024-05-31, got {value!r}")
    return parsed[:10]


# Terminal control characters (escape sequences, bidi overrides) in a question or an
# article must not reach a terminal: they could rewrite what the reader sees.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def terminal_safe(text: str) -> str:
    """``text`` without control characters other than newline and tab."""
    return _CONTROL_RE.sub("", text)


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


class SafeOutput:
    """A text stream that shows control and bidi-override characters as ``\\uXXXX``.

    Everything the command line prints goes through it (answers, reports, file
    names, statistics of people's questions), so no corpus or user text can
    drive the reader's terminal. In JSON the escapes are the characters' own
    JSON escapes (they only ever stand inside strings), so the output parses
    to the same values.
    """

    def __init__(self, stream: TextIO) -> None:
        """Wrap ``stream``."""
        self.stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` made inert."""
        return self.stream.write(_CONTROL_RE.sub(_escaped, text))

    def flush(self) -> None:
        """Flush the stream underneath."""
        self.stream.flush()


def question_text(text: str) -> str:
    """A question typed or piped in: undecodable bytes become U+FFFD, and terminal
    escape sequences (text pasted from a coloured terminal) and controls go."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return terminal_safe(_ANSI_RE.sub("", text.replace("\t", " ")))


def _print_answer(answer_obj: Any, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(answer_json(answer_obj), ensure_ascii=False) + "\n")
    else:
        out.write(terminal_safe(answer_text(answer_obj)) + "\n")


async def cmd_ask(args: argparse.Namespace, service: Service, out: TextIO) -> int:
    """Answer one question, or one per line from stdin with ``-``."""
    filters = Filters(
        topic=args.topic,
        source=args.source,
        since=_date(args.since, "since"),
        until=_date(args.until, "until"),
    )
    context = AskContext(surface="cli")
    if args.question == ["-"]:
        for line in _stdin_lines():
            if not line.strip():
                continue
            try:
                answer = await service.ask(question_text(line), filters=filters, context=context)
            except QuestionError as exc:
                out.write(
                    json.dumps({"query": line, "error": str(exc)}) + "\n"
                    if args.json
                    else f"{exc}\n"
                )
                continue
            _print_answer(answer, args.json, out)
            if not args.json:
                out.write("\n")
        return 0
    try:
        answer = await service.ask(
            question_text(" ".join(args.question)), filters=filters, context=context
        )
    except QuestionError as exc:
        raise UsageError(str(exc)) from None
    _print_answer(answer, args.json, out)
    return 0


def _stdin_lines() -> list[str]:
    """Lines of standard input, decoded leniently (invalid UTF-8 never stops a batch)."""
    raw = sys.stdin.buffer.read()
    return raw.decode("utf-8", errors="replace").replace("\x00", " ").splitlines()


def report_text(report: ReindexReport) -> str:
    """The reindex report for people."""
    if not report.ok:
        return f"Reindex failed: {report.error}"
    lines = [
        f"Indexed {report.documents} documents in {report.took_ms / 1000:.2f} s "
        f"(index {report.version}).",
        f"Skipped {len(report.skipped)} files" + (":" if report.skipped else "."),
    ]
    lines += [f"  {item.path}: {item.reason}" for item in report.skipped]
    return "\n".join(lines)


def report_json(report: ReindexReport) -> dict[str, Any]:
    """The reindex report as JSON."""
    return {
        "ok": report.ok,
        "error": report.error,
        "documents": report.documents,
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "took_ms": round(report.took_ms, 1),
        "version": report.version,
    }


async def cmd_reindex(args: argparse.Namespace, service: Service, out: TextIO) -> int:
    """Rebuild the index and print the report (a progress bar on a terminal meanwhile)."""
    shown = asyncio.create_task(follow(service, ProgressBar()))
    try:
        report = await service.reindex()
    finally:
        shown.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await shown
    out.write((json.dumps(report_json(report)) if args.json else report_text(report)) + "\n")
    return 0 if report.ok else 1


async def cmd_eval(args: argparse.Namespace, service: Service, out: TextIO) -> int:
    """Evaluate retrieval on a question file."""
    try:
        questions = read_questions(args.file)
    except QuestionFileError as exc:
        raise UsageError(str(exc)) from None
    metrics = score(await ask_all(service, questions))
    if args.json:
        out.write(json.dumps(metrics.as_dict(), indent=2) + "\n")
    else:
        out.write(metrics_text(metrics.as_dict()) + "\n")
    return 0


def metrics_text(data: dict[str, Any]) -> str:
    """Evaluation metrics as a small table, then the misses."""
    lines = [
        f"questions {data['questions']} (answerable {data['answerable']})",
        f"recall@1 {data['recall@1']:.3f}  recall@3 {data['recall@3']:.3f}  "
        f"MRR@10 {data['mrr@10']:.3f}",
        f"abstain precision {data['abstain_precision']:.3f}  recall "
        f"{data['abstain_recall']:.3f}  F1 {data['abstain_f1']:.3f}",
        "",
        f"{'kind':<12}{'n':>4}{'R@1':>8}{'R@3':>8}{'MRR':>8}{'abstained':>11}",
    ]
    for kind, row in data["by_kind"].items():
        figures = "".join(
            f"{row[key]:>8.3f}" if key in row else f"{'-':>8}"
            for key in ("recall@1", "recall@3", "mrr@10")
        )
        lines.append(f"{kind:<12}{row['questions']:>4}{figures}{row['abstained']:>11}")
    if data["precision_by_share_answered"]:
        lines += ["", "answering only the most confident (precision: best result right):"]
        lines.append(f"{'answered':>10}{'precision':>11}{'confidence':>12}")
        for point in data["precision_by_share_answered"]:
            lines.append(
                f"{point['answered']:>10.0%}{point['precision']:>11.3f}{point['confidence']:>12.3f}"
            )
    if data["misses"]:
        lines += ["", "misses:"]
        for miss in data["misses"]:
            lines.append(
                f"  {miss['id']} [{miss['kind']}] {miss['q']!r} answered={miss['answered']} "
                f"expected={miss['expected'][:1]} got={miss['got'][:3]}"
            )
    return "\n".join(lines)


Handler = Callable[[argparse.Namespace, Service, TextIO], Coroutine[Any, Any, int]]
_HANDLERS: dict[str, Handler] = {"ask": cmd_ask, "reindex": cmd_reindex, "eval": cmd_eval}


async def _run_verb(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    if args.verb == "run":
        from bot.discord.runner import run_bot

        return await run_bot(settings, verbose=args.verbose)
    if args.verb == "stats":
        from bot.cli.stats import cmd_stats

        return await cmd_stats(args, settings, out)
    if args.verb == "eval" and args.compare:
        try:
            questions = read_questions(args.file)
        except QuestionFileError as exc:
            raise UsageError(str(exc)) from None
        return await cmd_compare(settings, questions, args.json, out)
    # evaluation questions are not people's questions: they stay out of the log
    logged, start = args.verb != "eval", args.verb != "reindex"
    async with running(settings, log_questions=logged, start=start) as app:
        return await _HANDLERS[args.verb](args, app.service, out)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    out = cast(TextIO, SafeOutput(out or sys.stdout))
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        settings = settings_from(args)
        return asyncio.run(_run_verb(args, settings, out))
    except (UsageError, SettingsError, CorpusError, StatsUsageError) as exc:
        SafeOutput(sys.stderr).write(f"error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def main_entry() -> None:
    """Console-script entry point (``corpus-bot``)."""
    sys.exit(main())
