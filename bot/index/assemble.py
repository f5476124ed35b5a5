"""Analysing a corpus folder into :class:`~bot.index.parts.Parts`: only files whose size
and modification time changed are read again, on worker processes when there are many.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from pathlib import Path

from bot.corpus.files import SkipFile, iter_files
from bot.corpus.loader import LoadOptions, load_file
from bot.index.fields import STORED_FIELDS, analyse_fields
from bot.index.matrix import TermMatrix, TermMatrixBuilder
from bot.index.parts import FileStamp, Parts
from bot.model import Article, Skipped


def stamp_files(root: Path, options: LoadOptions) -> tuple[dict[str, FileStamp], list[Skipped]]:
    """Size and modification time of every indexable file; others as skipped."""
    stamps: dict[str, FileStamp] = {}
    skipped: list[Skipped] = []
    for path, reason in iter_files(root, options.extensions):
        rel = path.relative_to(root).as_posix()
        if reason is not None:
            skipped.append(Skipped(rel, reason))
            continue
        try:
            info = path.stat()
        except OSError as exc:
            skipped.append(Skipped(rel, f"cannot read file: {exc.strerror or exc}"))
            continue
        stamps[rel] = (info.st_size, info.st_mtime_ns)
    return stamps, skipped


def _rows(matrix: TermMatrix, doc: int) -> dict[str, int]:
    start, end = int(matrix.indptr[doc]), int(matrix.indptr[doc + 1])
    return {
        matrix.terms[int(t)]: int(c)
        for t, c in zip(matrix.term_ids[start:end], matrix.tfs[start:end], strict=True)
    }


# (path in the corpus, the article or None, its term counts per field, its content
# words, skip reason)
Reading = tuple[str, Article | None, dict[str, dict[str, int]], list[str], str | None]


# Below this many files to read, worker processes cost more than they save.
PARALLEL_FROM = 2_000


CHUNK = 256


def read_one(root: Path, rel: str, options: LoadOptions) -> Reading:
    """Read, parse and analyse one corpus file (a :class:`SkipFile` becomes a reason)."""
    try:
        article = load_file(root, root / rel, options)
    except SkipFile as exc:
        return rel, None, {}, [], str(exc)
    counts, content_words = analyse_fields(article)
    fields = {name: dict(found) for name, found in counts.items()}
    return rel, article, fields, sorted(content_words), None


def read_chunk(root: Path, rels: list[str], options: LoadOptions) -> list[Reading]:
    """:func:`read_one` for several files (one task of a worker process)."""
    return [read_one(root, rel, options) for rel in rels]


def read_all(root: Path, rels: list[str], options: LoadOptions, workers: int) -> Iterator[Reading]:
    """Readings of ``rels`` in their order, on ``workers`` processes when there are many."""
    if workers <= 1 or len(rels) < PARALLEL_FROM:
        for rel in rels:
            yield read_one(root, rel, options)
        return
    chunks = [rels[i : i + CHUNK] for i in range(0, len(rels), CHUNK)]
    context = multiprocessing.get_context("spawn")  # safe from a threaded parent
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        jobs = pool.map(read_chunk, repeat(root), chunks, repeat(options))
        for readings in jobs:
            yield from readings


def default_workers() -> int:
    """Worker processes for a large build: the machine's cores, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


def assemble(
    root: Path,
    options: LoadOptions,
    key: str,
    previous: Parts | None,
    workers: int = 1,
) -> Parts:
    """Parts for the corpus as it is now, re-reading only files whose stamp changed."""
    stamps, skipped = stamp_files(root, options)
    reusable = previous if previous is not None and previous.key == key else None
    if reusable is not None and reusable.stamps == stamps:
        return reusable  # nothing changed: no file is read again
    old_positions = {a.id: n for n, a in enumerate(reusable.articles)} if reusable else {}
    old_skips = {s.path: s for s in reusable.skipped} if reusable else {}

    def unchanged(rel: str) -> bool:
        return reusable is not None and reusable.stamps.get(rel) == stamps[rel]

    ordered = sorted(stamps)
    to_read = [rel for rel in ordered if not unchanged(rel) or rel not in old_positions]
    to_read = [rel for rel in to_read if not (unchanged(rel) and rel in old_skips)]
    fresh = read_all(root, to_read, options, workers)
    articles: list[Article] = []
    fields = {name: TermMatrixBuilder() for name in STORED_FIELDS}
    words = TermMatrixBuilder()
    kept_stamps: dict[str, FileStamp] = {}
    for rel in ordered:
        if unchanged(rel) and rel in old_positions:
            assert reusable is not None
            n = old_positions[rel]
            articles.append(reusable.articles[n])
            for name, builder in fields.items():
                builder.add(_rows(reusable.fields[name], n))
            words.add(dict.fromkeys(_words(reusable, n), 1))
        elif unchanged(rel) and rel in old_skips:
            skipped.append(old_skips[rel])
        else:
            got, article, counts, content_words, reason = next(fresh)
            assert got == rel
            if article is None:
                skipped.append(Skipped(rel, reason or "skipped"))
                continue
            articles.append(article)
            for name, builder in fields.items():
                builder.add(counts.get(name, {}))
            words.add(dict.fromkeys(content_words, 1))
        kept_stamps[rel] = stamps[rel]
    return Parts(
        key=key,
        stamps=kept_stamps,
        articles=tuple(articles),
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
        fields={name: builder.finish() for name, builder in fields.items()},
        words=words.finish(),
    )


def analyse(articles: Sequence[Article], key: str = "") -> Parts:
    """Parts for articles already loaded (tests, benchmarks): analysed in this process."""
    ordered = sorted(articles, key=lambda a: a.id)
    fields = {name: TermMatrixBuilder() for name in STORED_FIELDS}
    words = TermMatrixBuilder()
    for article in ordered:
        counts, content_words = analyse_fields(article)
        for name, builder in fields.items():
            builder.add(counts[name])
        words.add(dict.fromkeys(sorted(content_words), 1))
    return Parts(
        key=key,
        stamps={},
        articles=tuple(ordered),
        skipped=(),
        fields={name: builder.finish() for name, builder in fields.items()},
        words=words.finish(),
    )


def _words(parts: Parts, doc: int) -> Sequence[str]:
    start, end = int(parts.words.indptr[doc]), int(parts.words.indptr[doc + 1])
    return [parts.words.terms[int(w)] for w in parts.words.term_ids[start:end]]
