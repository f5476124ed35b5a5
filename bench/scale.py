"""The project against plain rank-bm25 and bm25s on synthetic corpora of N articles.

    python -m bench.scale --sizes 10000,100000 [--questions 200] [--project-questions 50]

For each size (corpus from :mod:`bench.synth`, generated once and cached) and
each engine, one fresh subprocess loads the same files, builds an index and
answers the same questions; it prints one JSON line, and a table follows.

- build: from the first file read to a ready index (parsing with
  ``bot.corpus.loader``, analysis with ``bot.text.analysis``, indexing); for the project,
  ``Service.start(fresh=False)`` (everything the bot does before it can answer).
- start-up: from the subprocess's spawn (interpreter, imports, build, the query
  log opened) to the first answer returned. The project starts as the bot does
  (``Service.start(fresh=False)``): from an index saved by an earlier run, when
  there is one, whose files are checked for changes right after; ``check_s``
  is how long that check took after the first answer (or, after a cold start,
  a reindex that finds nothing changed).
- latency p50/p95: per question, one at a time, after 5 warm-up questions.
  Baselines: question text to the top 10 ids (``bot.text.analysis.analyze``, then
  rank-bm25 ``get_scores`` + ``argpartition``, or bm25s ``retrieve(k=10)``,
  single-threaded). Project: ``await service.ask(q)``, the CLI's whole path
  (search, answer with excerpt, the query-log row queued; the log writer runs on
  the same loop).
- index content: baselines index title + excerpt + body analysed by
  ``bot.text.analysis.analyze`` (bm25s gets the same terms as token ids, so both see
  identical tokens); the project indexes what it always does.
- peak memory: the subprocess's ``ru_maxrss``. Baselines keep only ids and
  tokens (articles are dropped after analysis); the project keeps its articles.
- recall@1: the top result is a relevant article (for the project, whether or
  not it answered), over the questions every engine was asked.

The project is started a second time with the same state folder (its
``corpus.index_cache``, or any setting named like an index cache, points
there); if the first run left a saved index behind (a new file in the state
folder or the corpus folder), that run is reported as ``project (warm)``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.synth import ensure

ENGINES = ("rank-bm25", "bm25s", "project")
WARM_UP = 5
TOP = 10
DB_FILES = ("log.sqlite3", "log.sqlite3-wal", "log.sqlite3-shm", "log.sqlite3.key")

Result = dict[str, Any]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def peak_mib() -> float:
    """This process's peak resident memory in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_questions(path: Path) -> list[tuple[str, frozenset[str]]]:
    """``(question, relevant ids)`` pairs of a question file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(row["q"], frozenset(row["relevant"])) for row in rows]


def stream_tokens(root: Path) -> Iterator[tuple[str, list[str], float]]:
    """``(id, terms of title + excerpt + body, seconds spent parsing)`` for every file."""
    from bot.corpus.files import SkipFile, iter_files
    from bot.corpus.loader import LoadOptions, load_file
    from bot.text.analysis import analyze

    options = LoadOptions()
    for path, reason in iter_files(root, options.extensions):
        if reason is not None:
            continue
        started = time.perf_counter()
        try:
            article = load_file(root, path, options)
        except SkipFile:
            continue
        parsed = time.perf_counter() - started
        text = f"{article.title}\n{article.excerpt or ''}\n{article.body}"
        yield article.id, analyze(text), parsed


def timed_questions(
    questions: Sequence[tuple[str, frozenset[str]]],
    count: int,
    answer: Callable[[str], str | None],
) -> Result:
    """Warm up, then time ``answer`` (question -> top id) on ``count`` questions."""
    for text, _relevant in questions[1 : 1 + WARM_UP]:
        answer(text)
    times: list[float] = []
    hits: list[int] = []
    for text, relevant in questions[1 + WARM_UP : 1 + WARM_UP + count]:
        started = time.perf_counter()
        top = answer(text)
        times.append((time.perf_counter() - started) * 1000)
        hits.append(int(top in relevant))
    return {
        "questions": len(times),
        "p50_ms": round(percentile(times, 0.5), 3),
        "p95_ms": round(percentile(times, 0.95), 3),
        "mean_ms": round(sum(times) / len(times), 3),
        "hits": hits,
    }


def run_baseline(engine: str, corpus: Path, qfile: Path, count: int, spawned: float) -> Result:
    """Build rank-bm25 or bm25s over the corpus and time its questions (in this process)."""
    import numpy as np

    from bot.text.analysis import analyze

    questions = read_questions(qfile)
    started = time.perf_counter()
    ids: list[str] = []
    docs: list[list[str]] = []  # rank-bm25 wants lists of strings
    token_ids: list[array[int]] = []  # bm25s takes ids: 4 bytes a token
    vocab: dict[str, int] = {}
    parse_s = 0.0
    for article_id, terms, parsed in stream_tokens(corpus):
        ids.append(article_id)
        if engine == "rank-bm25":
            docs.append(terms)
        else:
            token_ids.append(array("i", [vocab.setdefault(t, len(vocab)) for t in terms]))
        parse_s += parsed
    loaded = time.perf_counter()
    if engine == "rank-bm25":
        from rank_bm25 import BM25Okapi

        model = BM25Okapi(docs)  # k1=1.5, b=0.75, as the project

        def top_ids(text: str) -> np.ndarray:
            scores = model.get_scores(analyze(text))
            best = np.argpartition(-scores, TOP)[:TOP]
            return best[np.argsort(-scores[best])]

    else:
        import bm25s

        retriever = bm25s.BM25()  # method "lucene", k1=1.5, b=0.75
        retriever.index((token_ids, vocab), show_progress=False)
        token_ids.clear()
        known = retriever.vocab_dict

        def top_ids(text: str) -> np.ndarray:
            query = [known[t] for t in analyze(text) if t in known] or [known[""]]
            found, _scores = retriever.retrieve([query], k=TOP, show_progress=False)
            return np.asarray(found[0])

    docs.clear()
    ready = time.perf_counter()
    first = ids[int(top_ids(questions[0][0])[0])]
    startup = time.perf_counter() - spawned
    timing = timed_questions(questions, count, lambda text: ids[int(top_ids(text)[0])])
    return {
        "documents": len(ids),
        "build_s": round(ready - started, 3),
        "parse_s": round(parse_s, 3),
        "analyze_s": round(loaded - started - parse_s, 3),
        "index_s": round(ready - loaded, 3),
        "startup_s": round(startup, 3),
        "first": first,
        **timing,
    }


async def run_project(corpus: Path, qfile: Path, count: int, state: Path, spawned: float) -> Result:
    """Start the project's service as the CLI does, then time ``ask`` (in this process)."""
    from bot.app import build_service
    from bot.querylog.writer import open_log_from
    from bot.settings import load_settings

    questions = read_questions(qfile)
    overrides = {"corpus.dir": str(corpus), "db.path": str(state / DB_FILES[0])}
    settings = load_settings(env={}, overrides={**overrides, **cache_overrides(state)})
    querylog = open_log_from(settings)
    await querylog.open()
    service = build_service(settings, sink=querylog)
    started = time.perf_counter()
    report = await service.start(fresh=False)  # as the bot starts
    ready = time.perf_counter()
    first = await service.ask(questions[0][0])
    startup = time.perf_counter() - spawned
    answered_at = time.perf_counter()
    await service.reindex()  # the files' check that follows a start from the saved index
    checked = time.perf_counter() - answered_at
    for text, _relevant in questions[1 : 1 + WARM_UP]:
        await service.ask(text)
    times: list[float] = []
    hits: list[int] = []
    answered = 0
    for text, relevant in questions[1 + WARM_UP : 1 + WARM_UP + count]:
        asked = time.perf_counter()
        answer = await service.ask(text)
        times.append((time.perf_counter() - asked) * 1000)
        top = answer.results[0].article.id if answer.results else None
        hits.append(int(top in relevant))
        answered += answer.answered
    await querylog.close()
    index = service.snapshot.index
    return {
        "documents": report.documents,
        "skipped": len(report.skipped),
        "build_s": round(ready - started, 3),
        "startup_s": round(startup, 3),
        "check_s": round(checked, 3),
        "first": first.results[0].article.id if first.results else None,
        "index_class": f"{type(index).__module__}.{type(index).__name__}",
        "questions": len(times),
        "p50_ms": round(percentile(times, 0.5), 3),
        "p95_ms": round(percentile(times, 0.95), 3),
        "mean_ms": round(sum(times) / len(times), 3),
        "answered": answered,
        "logged": querylog.written,
        "log_lost": querylog.lost,
        "hits": hits,
    }


def cache_overrides(state: Path) -> dict[str, Any]:
    """Point any index-cache setting the project has at ``state`` (none yet: empty)."""
    from bot.settings import Settings

    found: dict[str, Any] = {}
    defaults = Settings()
    for section in dataclasses.fields(Settings):
        values = dataclasses.asdict(getattr(defaults, section.name))
        for name, default in values.items():
            if "cache" in name or ("index" in name and ("path" in name or "dir" in name)):
                key = f"{section.name}.{name}"
                if isinstance(default, bool):
                    found[key] = True
                elif isinstance(default, str):
                    found[key] = str(state / "index-cache")
    return found


def worker(args: argparse.Namespace) -> None:
    """Run one engine in this (fresh) process and print its JSON result line."""
    corpus, qfile = Path(args.corpus), Path(args.qfile)
    if args.worker == "project":
        result = asyncio.run(run_project(corpus, qfile, args.count, Path(args.state), args.spawned))
    else:
        result = run_baseline(args.worker, corpus, qfile, args.count, args.spawned)
    result["peak_mib"] = round(peak_mib(), 1)
    print(json.dumps(result), flush=True)


def spawn(engine: str, corpus: Path, qfile: Path, count: int, state: Path) -> Result:
    """Run ``engine`` in a fresh subprocess and return its JSON result."""
    command = [sys.executable, "-m", "bench.scale", "--worker", engine]
    command += ["--corpus", str(corpus), "--qfile", str(qfile), "--count", str(count)]
    command += ["--state", str(state), "--spawned"]
    spawned = time.perf_counter()  # CLOCK_MONOTONIC: the child's clock too
    done = subprocess.run(
        [*command, repr(spawned)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{engine} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def snapshot_files(*folders: Path) -> set[Path]:
    """Every file under ``folders``."""
    return {p for folder in folders for p in folder.rglob("*") if p.is_file()}


def warm_page_cache(root: Path) -> None:
    """Read every file once so that no engine pays for a cold disk cache."""
    for path in root.rglob("*.md"):
        path.read_bytes()


def measure_size(size: int, engines: Sequence[str], count: int, project_count: int) -> list[Result]:
    """All engines on the corpus of ``size`` articles; prints each JSON line as it comes."""
    synthetic = ensure(size)
    warm_page_cache(synthetic.articles)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="corpus-bot-scale-") as tmp:
        state = Path(tmp)
        for engine in engines:
            n = project_count if engine == "project" else count
            if engine != "project":
                result = {"engine": engine, "size": size, "startup_kind": "cold"}
                results.append(
                    result | spawn(engine, synthetic.articles, synthetic.questions, n, state)
                )
                print(json.dumps({k: v for k, v in results[-1].items() if k != "hits"}), flush=True)
                continue
            before = snapshot_files(state, synthetic.articles.parent)
            for label in ("project", "project (warm)"):
                result = {"engine": label, "size": size}
                result |= spawn(engine, synthetic.articles, synthetic.questions, n, state)
                db = {state / name for name in DB_FILES}
                saved = snapshot_files(state, synthetic.articles.parent) - before - db
                result["saved_index"] = sorted(str(p) for p in saved)
                result["startup_kind"] = "warm" if label.endswith("(warm)") else "cold"
                results.append(result)
                print(json.dumps({k: v for k, v in result.items() if k != "hits"}), flush=True)
                if not saved:
                    break  # nothing saved: a second start would be another cold one
            for leftover in snapshot_files(synthetic.articles.parent) - before:
                leftover.unlink()  # a saved index next to the corpus must not help the next run
    return results


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def table(results: Sequence[Result]) -> str:
    """A Markdown table of the results; recall@1 over the questions every engine answered."""
    lines = [
        "| articles | engine | build s | start-up s | files checked s | p50 ms | p95 ms "
        "| peak MiB | recall@1 |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sorted({r["size"] for r in results}):
        rows = [r for r in results if r["size"] == size]
        common = min(len(r["hits"]) for r in rows)
        for r in rows:
            recall = sum(r["hits"][:common]) / common if common else 0.0
            lines.append(
                f"| {size:,} | {r['engine']} | {r['build_s']:.1f} | {r['startup_s']:.2f} "
                f"| {_seconds(r.get('check_s'))} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} "
                f"| {r['peak_mib']:,.0f} "
                f"| {recall:.3f} (n={common}) |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated article counts")
    parser.add_argument("--questions", type=int, default=200, help="timed questions per engine")
    parser.add_argument("--project-questions", type=int, help="for the project (default: same)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    for hidden in ("--corpus", "--qfile", "--state"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--spawned", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    engines = [e for e in args.engines.split(",") if e]
    results: list[Result] = []
    for size in (int(s) for s in args.sizes.split(",") if s):
        print(f"# {size:,} articles", file=sys.stderr, flush=True)
        project_count = args.project_questions or args.questions
        results += measure_size(size, engines, args.questions, project_count)
    print(f"\nnproc {os.cpu_count()}, Python {sys.version.split()[0]}\n{table(results)}")


if __name__ == "__main__":
    main()
