"""Analysing a corpus folder into :class:`~bot.index.parts.Parts`: only files whose
content changed are read again, on worker processes when there are many.
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import multiprocessing
import os
import signal
import stat
import sys
import time
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from bot.corpus.files import SkipFile, scan_files
from bot.corpus.loader import LoadOptions, load_file
from bot.index.articles import Articles
from bot.index.fields import STORED_FIELDS, analyse_fields
from bot.index.matrix import TermMatrix, TermMatrixBuilder
from bot.index.parts import FileStamp, Parts
from bot.model import Article, Skipped


def content_digest(path: Path, limit: int) -> int:
    """A 64-bit BLAKE2b digest of a file's first ``limit`` bytes (a larger file is
    skipped when read, so its tail says nothing); 0 for anything but a regular file,
    which is opened without blocking (a FIFO cannot hang a reindex) and never read."""
    digest = hashlib.blake2b(digest_size=8)
    left = limit
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return 0
        while left > 0 and (chunk := handle.read(min(left, 1 << 20))):
            digest.update(chunk)
            left -= len(chunk)
    return int.from_bytes(digest.digest(), "little")


# A file changed this recently may change again within the same tick of its clock:
# its status-change time is not trusted, so the next stamping reads it again.
SETTLED_NS = 2_000_000_000


def stamp_files(
    root: Path, options: LoadOptions, known: Mapping[str, FileStamp] | None = None
) -> tuple[dict[str, FileStamp], list[Skipped]]:
    """Size, modification and status-change time and content digest of every indexable
    file (others as skipped). The digest is read only when the file's status differs
    from its stamp in ``known``: an edit changes the status-change time even when it
    keeps the size and the modification time (which anyone may set back), so a file
    whose three numbers are unchanged is the file it was, and one that was only
    touched keeps its digest and is not analysed again."""
    stamps: dict[str, FileStamp] = {}
    skipped: list[Skipped] = []
    known = known or {}
    now = time.time_ns()
    for rel, info, reason in scan_files(root, options.extensions):
        if info is None:
            skipped.append(Skipped(rel, reason or "skipped"))
            continue
        size, mtime, ctime = info.st_size, info.st_mtime_ns, info.st_ctime_ns
        old = known.get(rel)
        if old is not None and old[:3] == (size, mtime, ctime) and ctime:
            stamps[rel] = old
            continue
        try:
            digest = content_digest(root / rel, options.max_file_bytes + 1)
        except OSError as exc:
            skipped.append(Skipped(rel, f"cannot read file: {exc.strerror or exc}"))
            continue
        settled = ctime if now - ctime > SETTLED_NS else 0
        stamps[rel] = (size, mtime, settled, digest)
    return stamps, skipped


def same_content(a: FileStamp | None, b: FileStamp | None) -> bool:
    """Whether two stamps are of the same content (size and digest; times may differ)."""
    return a is not None and b is not None and a[0] == b[0] and a[3] == b[3]


def _rows(matrix: TermMatrix, doc: int) -> dict[str, int]:
    start, end = int(matrix.indptr[doc]), int(matrix.indptr[doc + 1])
    return {
        matrix.terms[int(t)]: int(c)
        for t, c in zip(matrix.term_ids[start:end], matrix.tfs[start:end], strict=True)
    }


@dataclass(frozen=True, slots=True)
class Reading:
    """One file read and analysed: the article (None when skipped, with the reason),
    its term counts per field and per passage, and its content words."""

    path: str
    article: Article | None
    fields: dict[str, dict[str, int]]
    passages: list[dict[str, int]]
    words: list[str]
    reason: str | None = None


# Below this many files to read, worker processes cost more than they save.
PARALLEL_FROM = 2_000


CHUNK = 256


def read_one(root: Path, rel: str, options: LoadOptions) -> Reading:
    """Read, parse and analyse one corpus file (a :class:`SkipFile` becomes a reason)."""
    try:
        article = load_file(root, root / rel, options)
    except SkipFile as exc:
        return Reading(rel, None, {}, [], [], str(exc))
    return _analysed(rel, article)


def _analysed(rel: str, article: Article) -> Reading:
    """An article's reading: its analysis as plain dicts (what a worker sends back)."""
    analysed = analyse_fields(article)
    fields = {name: dict(found) for name, found in analysed.fields.items()}
    passages = [dict(found) for found in analysed.passages]
    return Reading(rel, article, fields, passages, sorted(analysed.words))


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
    parent = os.getpid()
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=die_with_parent, initargs=(parent,)
    ) as pool:
        jobs = pool.map(read_chunk, repeat(root), chunks, repeat(options))
        for readings in jobs:
            yield from readings


# prctl(2): ask the kernel to send this signal when the parent process dies.
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Set up a build worker to die with the process that started it (even when that one
    is killed with SIGKILL and cannot shut its pool down): Linux's parent-death signal,
    then a check that the parent did not die before it was set."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no usable libc: the check below still runs
            pass
    if os.getppid() != parent:
        os._exit(1)


def default_workers() -> int:
    """Worker processes for a large build: the machine's cores, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


def assemble(
    root: Path,
    options: LoadOptions,
    key: str,
    previous: Parts | None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Parts:
    """Parts for the corpus as it is now, re-reading only files whose stamp changed;
    ``progress(done, total)`` hears of each file read and analysed (from this thread)."""
    reusable = previous if previous is not None and previous.key == key else None
    stamps, skipped = stamp_files(root, options, reusable.stamps if reusable else None)
    if reusable is not None and _same_files(reusable.stamps, stamps):
        return _restamped(reusable, stamps, skipped)  # no file is read again
    old_positions = {a.id: n for n, a in enumerate(reusable.articles)} if reusable else {}
    old_skips = {s.path: s for s in reusable.skipped} if reusable else {}

    def unchanged(rel: str) -> bool:
        return reusable is not None and same_content(reusable.stamps.get(rel), stamps[rel])

    ordered = sorted(stamps)
    to_read = [rel for rel in ordered if not unchanged(rel) or rel not in old_positions]
    to_read = [rel for rel in to_read if not (unchanged(rel) and rel in old_skips)]
    fresh = read_all(root, to_read, options, workers)
    total, done = len(to_read), 0
    if progress is not None:
        progress(0, total)
    collected = _Collector()
    kept_stamps: dict[str, FileStamp] = {}
    for rel in ordered:
        if unchanged(rel) and rel in old_positions:
            assert reusable is not None
            collected.reuse(reusable, old_positions[rel])
        elif unchanged(rel) and rel in old_skips:
            skipped.append(old_skips[rel])
        else:
            reading = next(fresh)
            assert reading.path == rel
            done += 1
            if progress is not None:
                progress(done, total)
            if reading.article is None:
                skipped.append(Skipped(rel, reading.reason or "skipped"))
                kept_stamps[rel] = stamps[rel]  # known as skipped until it changes
                continue
            collected.add(reading)
        kept_stamps[rel] = stamps[rel]
    return collected.parts(key, kept_stamps, skipped)


def _same_files(old: Mapping[str, FileStamp], new: Mapping[str, FileStamp]) -> bool:
    return old.keys() == new.keys() and all(same_content(old[rel], new[rel]) for rel in new)


def _restamped(parts: Parts, stamps: dict[str, FileStamp], skipped: list[Skipped]) -> Parts:
    """``parts`` (the same object when nothing at all changed) with the files' stamps as
    they are now and the skipped files: those the walk skipped now, and those the
    parts skipped when reading them."""
    read_skips = [s for s in parts.skipped if s.path in stamps]
    now = tuple(sorted([*skipped, *read_skips], key=lambda s: s.path))
    if parts.stamps == stamps and parts.skipped == now:
        return parts
    return dataclasses.replace(parts, stamps=stamps, skipped=now)


class _Collector:
    """Articles and their analysis, gathered one at a time into compact arrays."""

    def __init__(self) -> None:
        self.articles: list[Article] = []
        self.fields = {name: TermMatrixBuilder() for name in STORED_FIELDS}
        self.words = TermMatrixBuilder()
        self.passages = TermMatrixBuilder()
        self.passage_ptr = array("q", [0])

    def add(self, reading: Reading) -> None:
        """A freshly read article."""
        assert reading.article is not None
        self.articles.append(reading.article)
        for name, builder in self.fields.items():
            builder.add(reading.fields.get(name, {}))
        self.words.add(dict.fromkeys(reading.words, 1))
        for counts in reading.passages:
            self.passages.add(counts)
        self.passage_ptr.append(self.passage_ptr[-1] + len(reading.passages))

    def reuse(self, parts: Parts, n: int) -> None:
        """Article ``n`` of earlier parts, as it was analysed then."""
        self.articles.append(parts.articles[n])
        for name, builder in self.fields.items():
            builder.add(_rows(parts.fields[name], n))
        self.words.add(dict.fromkeys(_words(parts, n), 1))
        rows = parts.passage_rows(n)
        for row in rows:
            self.passages.add(_rows(parts.passages, row))
        self.passage_ptr.append(self.passage_ptr[-1] + len(rows))

    def parts(self, key: str, stamps: dict[str, FileStamp], skipped: list[Skipped]) -> Parts:
        """Everything gathered, as :class:`Parts`."""
        return Parts(
            key=key,
            stamps=stamps,
            articles=Articles.of(self.articles),
            skipped=tuple(sorted(skipped, key=lambda s: s.path)),
            fields={name: builder.finish() for name, builder in self.fields.items()},
            words=self.words.finish(),
            passages=self.passages.finish(),
            passage_ptr=np.frombuffer(self.passage_ptr, dtype=np.int64).copy(),
        )


def analyse(articles: Sequence[Article], key: str = "") -> Parts:
    """Parts for articles already loaded (tests, benchmarks): analysed in this process."""
    collected = _Collector()
    for article in sorted(articles, key=lambda a: a.id):
        collected.add(_analysed(article.id, article))
    return collected.parts(key, {}, [])


def _words(parts: Parts, doc: int) -> Sequence[str]:
    start, end = int(parts.words.indptr[doc]), int(parts.words.indptr[doc + 1])
    return [parts.words.terms[int(w)] for w in parts.words.term_ids[start:end]]
