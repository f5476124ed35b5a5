"""What the optional semantic stage costs: question time, reindex time, memory, and
nearest-vector search at scale, beside the stage off and beside hnswlib.

    python -m bench.semantic --model ../shared/models/all-MiniLM-L6-v2-onnx
    python -m bench.semantic --model DIR --parts questions,reindex   # some parts only

Parts (each prints one table):

- ``questions``: ``await service.ask(q)`` over a corpus's question set, with the stage
  off and on, the process pinned to one core (``sched_setaffinity``) and the model's
  onnxruntime on one thread; p50/p95/mean after 5 warm-up questions, and the
  difference. The stage on also encodes the question.
- ``reindex``: the time :func:`bot.semantic.stage.build_stage` takes to encode a sample
  of each corpus's articles from scratch (both cores, as a reindex runs), per article
  and per 1,000 articles, with how many vectors an article gets.
- ``memory``: a child process saves the vectors of N articles as the bot does (random
  unit vectors, as many per article as ``--per-article``; float16), and a fresh one loads
  them as a start does (the memory-mapped file copied into one float32 matrix): its
  resident memory before and after, and its peak.
- ``nearest``: the ten nearest articles to a question among N articles' vectors:
  numpy's exact search as the bot runs it (:meth:`Vectors.cosines` + :func:`nearest`),
  and the bot's approximate index (:mod:`bot.semantic.ann`: hnswlib, M=16,
  ef_construction=100, ef=128) when hnswlib is installed, with its build time and
  its recall of the exact ten; over clustered vectors (topics, as passages
  have) and random ones (no structure: HNSW's worst case).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EVAL = ROOT / "tests" / "eval"
CORPORA = ("powerapps-news", "rust-blog", "pydantic-docs")
DIMENSIONS = 384
WARM_UP = 5


def _percentiles(times: Sequence[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered), "p95": p95, "mean": statistics.fmean(ordered)}


# -- questions ---------------------------------------------------------------------------


async def _ask_times(corpus: Path, questions: list[str], model: str, cache: str) -> list[float]:
    from bot.app import running
    from bot.settings import load_settings

    overrides: dict[str, Any] = {"corpus.dir": str(corpus), "corpus.index_cache": cache}
    if model:
        overrides |= {"semantic.enabled": True, "semantic.model": model}
    with tempfile.TemporaryDirectory() as state:
        overrides["db.path"] = str(Path(state) / "log.sqlite3")
        settings = load_settings(env={}, overrides=overrides)
        async with running(settings) as app:
            for question in questions[:WARM_UP]:
                await app.service.ask(question)
            times = []
            for question in questions:
                started = time.perf_counter()
                await app.service.ask(question)
                times.append((time.perf_counter() - started) * 1000)
    return times


def _question_child(corpus: str, spec: str) -> dict[str, Any]:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    model, _sep, cache = spec.partition("|")
    questions = [q.q for q in _questions(corpus)]
    times = asyncio.run(_ask_times(SHARED / "corpora" / corpus, questions, model, cache))
    return {"corpus": corpus, "stage": bool(model), "n": len(times), **_percentiles(times)}


def _questions(corpus: str) -> list[Any]:
    from bot.answer.evaluate import read_questions

    found = []
    for half in ("tune", "test"):
        found.extend(read_questions(EVAL / f"{corpus}-{half}.jsonl"))
    return found


def part_questions(model: str, corpora: Sequence[str], cache: str) -> None:
    print("\n## Question time, one core (ms, `service.ask`)\n")
    print("| corpus | questions | off p50 | off p95 | on p50 | on p95 | added p50 | added p95 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for corpus in corpora:
        off = _child("question", corpus, f"|{cache}")
        on = _child("question", corpus, f"{model}|{cache}")
        print(
            f"| {corpus} | {on['n']} | {off['p50']:.2f} | {off['p95']:.2f} | {on['p50']:.2f} "
            f"| {on['p95']:.2f} | {on['p50'] - off['p50']:.2f} | {on['p95'] - off['p95']:.2f} |"
        )


# -- reindex -----------------------------------------------------------------------------


def part_reindex(model: str, corpora: Sequence[str], sample: int) -> None:
    from bot.corpus.loader import load_corpus
    from bot.index.assemble import analyse
    from bot.semantic.embedder import load_embedder, warm
    from bot.semantic.stage import build_stage

    embedder = load_embedder(model)
    warm(embedder)
    print("\n## Reindex: encoding articles from scratch (both cores)\n")
    print("| corpus | articles encoded | vectors an article | ms an article | s per 1,000 |")
    print("|---|---:|---:|---:|---:|")
    for corpus in corpora:
        articles = load_corpus(SHARED / "corpora" / corpus).articles
        step = max(1, len(articles) // sample)  # spread over the corpus, not its first files
        parts = analyse(articles[::step][:sample])
        started = time.perf_counter()
        built = build_stage(parts, embedder, 3.0)
        took = time.perf_counter() - started
        count = len(parts.articles)
        print(
            f"| {corpus} | {count} | {built.encoded / count:.2f} | {took / count * 1000:.0f} "
            f"| {took / count * 1000:.0f} |"  # s per 1,000 = ms per one
        )


# -- memory ------------------------------------------------------------------------------


def _rss_mib() -> float:
    """The resident memory now (not the peak)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _memory_save(folder: str, articles: int, per_article: float) -> dict[str, Any]:
    """Save random vectors for ``articles`` articles as the bot saves its vectors."""
    from bot.semantic import store

    rng = np.random.default_rng(7)
    counts = rng.poisson(max(0.0, per_article - 1), articles) + 1
    keys = [f"{n:08d}" for n in range(articles)]
    rows = {
        key: _random_unit(rng, int(c)).astype(np.float16)
        for key, c in zip(keys, counts, strict=True)
    }
    store.save(Path(folder) / "vectors.json", "bench", keys, rows)
    size = sum(f.stat().st_size for f in Path(folder).iterdir())
    return {"vectors": int(counts.sum()), "disk_mib": size / 2**20}


def _memory_load(folder: str) -> dict[str, Any]:
    """Load saved vectors as a start of the bot does (file to one float32 matrix)."""
    from bot.semantic import ann, store
    from bot.semantic.stage import _stacked

    before = _rss_mib()
    rows = store.load(Path(folder) / "vectors.json", "bench")
    matrix, _ptr = _stacked(list(rows.values()), DIMENSIONS)
    del rows
    after = _rss_mib()
    found: dict[str, Any] = {
        "vectors": len(matrix),
        "matrix_mib": matrix.nbytes / 2**20,
        "before_mib": before,
        "after_mib": after,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "graph_mib": None,
    }
    if ann.available():  # the approximate index the stage builds from 50,000 vectors on
        graph = ann.build(matrix)
        found["graph_mib"] = _rss_mib() - after
        del graph
    return found


def part_memory(sizes: Sequence[int], per_article: float) -> None:
    print(f"\n## Memory of the vectors ({per_article:.1f} an article on average)\n")
    print("A fresh process loads saved vectors as a start does (resident MiB).\n")
    print("| articles | vectors | on disk MiB (float16) | matrix MiB (float32) "
          "| resident before | resident after | peak | + approximate index |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            saved = _child("memory-save", folder, f"{size}:{per_article}")
            got = _child("memory-load", folder, "")
        print(
            f"| {size:,} | {got['vectors']:,} | {saved['disk_mib']:.0f} "
            f"| {got['matrix_mib']:.0f} | {got['before_mib']:.0f} | {got['after_mib']:.0f} "
            f"| {got['peak_mib']:.0f} | "
            + (f"{got['graph_mib']:.0f} |" if got["graph_mib"] is not None else "— |")
        )


# -- nearest -----------------------------------------------------------------------------


def _random_unit(rng: np.random.Generator, count: int) -> np.ndarray:
    rows = rng.standard_normal((count, DIMENSIONS)).astype(np.float32)
    unit: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


def _clustered(rng: np.random.Generator, count: int, centres: np.ndarray) -> np.ndarray:
    """Unit vectors around ``centres`` (cosine about 0.7 to their own): topics, as a
    corpus's passages have, where random vectors have none (HNSW's worst case)."""
    noise = rng.standard_normal((count, DIMENSIONS)).astype(np.float32) * 0.052
    rows = centres[rng.integers(0, len(centres), count)] + noise
    unit: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


def _dataset(kind: str, articles: int, questions: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    if kind == "random":
        return _random_unit(rng, articles), _random_unit(rng, questions)
    centres = _random_unit(rng, max(10, articles // 500))
    return _clustered(rng, articles, centres), _clustered(rng, questions, centres)


def _exact(matrix: np.ndarray, queries: np.ndarray) -> tuple[dict[str, float], list[set[int]]]:
    from bot.index.vectors import Vectors, nearest

    vectors = Vectors(matrix, np.arange(len(matrix) + 1, dtype=np.int64))
    times, found = [], []
    for query in queries:
        started = time.perf_counter()
        best = nearest(vectors.cosines(query))
        times.append((time.perf_counter() - started) * 1000)
        found.append(set(best))
    return _percentiles(times), found


def _hnsw(matrix: np.ndarray, queries: np.ndarray, exact: list[set[int]]) -> dict[str, float]:
    """The bot's approximate index (:mod:`bot.semantic.ann`, its own settings)."""
    from bot.semantic import ann

    started = time.perf_counter()
    index = ann.build(matrix)
    build = time.perf_counter() - started
    times, recall = [], []
    for query, truth in zip(queries, exact, strict=True):
        started = time.perf_counter()
        labels = index.nearest_rows(query, 10)
        times.append((time.perf_counter() - started) * 1000)
        recall.append(len(truth & set(labels.tolist())) / len(truth))
    return {**_percentiles(times), "build_s": build, "recall": statistics.fmean(recall)}


def _nearest_child(kind: str, spec: str) -> dict[str, Any]:
    size, questions = (int(v) for v in spec.split(":"))
    matrix, queries = _dataset(kind, size, questions)
    exact, found = _exact(matrix, queries)
    result: dict[str, Any] = {"exact": exact}
    try:
        result["hnsw"] = _hnsw(matrix, queries, found)
    except ImportError:
        result["hnsw"] = None
    return result


def part_nearest(sizes: Sequence[int], questions: int, kinds: Sequence[str]) -> None:
    print("\n## The ten nearest articles to a question, one thread (ms)\n")
    print("| vectors | articles | numpy p50 | numpy p95 | hnswlib p50 | hnswlib p95 "
          "| hnswlib build s (2 threads) | hnswlib recall of the exact ten |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in kinds:
        for size in sizes:
            got = _child("nearest", kind, f"{size}:{questions}")
            exact, approx = got["exact"], got["hnsw"]
            row = f"| {kind} | {size:,} | {exact['p50']:.2f} | {exact['p95']:.2f} "
            if approx:
                row += (
                    f"| {approx['p50']:.3f} | {approx['p95']:.3f} | {approx['build_s']:.0f} "
                    f"| {approx['recall']:.3f} |"
                )
            else:
                row += "| — | — | — | (hnswlib not installed) |"
            print(row, flush=True)


# -- children ----------------------------------------------------------------------------


def _child(kind: str, first: str, second: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter (clean memory, its own affinity)."""
    env = dict(os.environ)
    if kind in ("question", "nearest"):  # one thread for numpy's BLAS and onnxruntime
        env |= {
            name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
        }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "bench.semantic", "--child", kind, first, second]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench.semantic child failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _run_child(kind: str, first: str, second: str) -> int:
    if kind == "question":
        result = _question_child(first, second)
    elif kind == "nearest":
        result = _nearest_child(first, second)
    elif kind == "memory-save":
        articles, per_article = second.split(":")
        result = _memory_save(first, int(articles), float(per_article))
    else:
        result = _memory_load(first)
    print(json.dumps(result))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(SHARED / "models" / "all-MiniLM-L6-v2-onnx"))
    parser.add_argument("--cache", default="", help="keep indexes and vectors here")
    parser.add_argument("--parts", default="questions,reindex,memory,nearest")
    parser.add_argument("--corpora", default=",".join(CORPORA))
    parser.add_argument("--sample", type=int, default=150, help="articles encoded a corpus")
    parser.add_argument("--sizes", default="100000,1000000", help="articles, for nearest")
    parser.add_argument("--memory-sizes", default="100000")
    parser.add_argument("--per-article", type=float, default=3.0, help="vectors an article")
    parser.add_argument("--nearest-questions", type=int, default=200)
    parser.add_argument("--vectors", default="clustered,random", help="for nearest")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _run_child(*args.child)
    parts = set(args.parts.split(","))
    corpora = [c for c in args.corpora.split(",") if (SHARED / "corpora" / c).is_dir()]
    if "questions" in parts:
        part_questions(args.model, corpora, args.cache)
    if "reindex" in parts:
        part_reindex(args.model, corpora, args.sample)
    if "memory" in parts:
        part_memory([int(s) for s in args.memory_sizes.split(",")], args.per_article)
    if "nearest" in parts:
        sizes = [int(s) for s in args.sizes.split(",")]
        part_nearest(sizes, args.nearest_questions, args.vectors.split(","))
    return 0


if __name__ == "__main__":
    sys.exit(main())
