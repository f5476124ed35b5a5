"""Building the semantic stage for an analysed corpus: each article's vectors, encoded
only for articles whose texts changed (the others come from the previous build or the
saved vectors). CPU work: call it off the event loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.index.parts import Parts
from bot.index.vectors import RowSearch, Semantic, Vectors
from bot.semantic import ann, store
from bot.semantic.embedder import Encoder
from bot.semantic.texts import article_texts, texts_key

log = logging.getLogger(__name__)

# Texts encoded between two progress reports (and saves of what is done so far).
STEP = 512


@dataclass(frozen=True, slots=True, eq=False)
class Built:
    """A semantic stage and what it was made of (for the next build to reuse)."""

    semantic: Semantic
    keys: tuple[str, ...]  # each article's texts digest, in article order
    encoded: int  # how many texts this build encoded (the rest were reused)
    took_ms: float
    approximate_key: str = ""  # what its approximate index was built from, if it has one

    def rows(self) -> store.Rows:
        """Each article's vectors by its texts digest."""
        vectors = self.semantic.vectors
        return {key: vectors.rows_of(n) for n, key in enumerate(self.keys)}


def _rounded(rows: np.ndarray) -> np.ndarray:
    """Vectors as they are saved (float16), so that a fresh build and a loaded one agree."""
    rounded: np.ndarray = rows.astype(np.float16).astype(np.float32)
    return rounded


def build_stage(
    parts: Parts,
    embedder: Encoder,
    weight: float,
    previous: Built | None = None,
    saved: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    approximate_from: int = ann.APPROXIMATE_FROM,
) -> Built:
    """The semantic stage for ``parts``; vectors are reused by texts digest from
    ``previous`` and from the vectors saved at ``saved`` (written back when any changed).
    From ``approximate_from`` vectors on, with hnswlib installed, the nearest are found
    through an approximate index (see :mod:`bot.semantic.ann`), also saved and reused."""
    started = time.perf_counter()
    known: store.Rows = previous.rows() if previous is not None else {}
    if saved is not None and not known:
        known = store.load(saved, embedder.identity)
    texts = [article_texts(article) for article in parts.articles]
    keys = [texts_key(found) for found in texts]
    first: dict[str, int] = {}  # the first article of each digest not known yet
    for n, key in enumerate(keys):
        if key not in known:
            first.setdefault(key, n)
    wanted = sorted(first.values())
    pending = [(n, text) for n in wanted for text in texts[n]]
    total = len(pending)
    rows: store.Rows = {key: known[key] for key in keys if key in known}
    for start in range(0, total, STEP):
        chunk = pending[start : start + STEP]
        encoded = _rounded(embedder.encode_many([text for _n, text in chunk]))
        _collect(rows, keys, chunk, encoded)
        if progress is not None:
            progress(min(total, start + STEP), total)
    if saved is not None and (wanted or not saved.exists()):
        try:
            store.save(saved, embedder.identity, keys, rows)
        except OSError as exc:
            log.warning("cannot save the vectors to %s: %s", saved, exc)
    matrix, ptr = _stacked([rows[key] for key in keys], embedder.dimensions)
    approximate, approximate_key = None, ""
    if len(matrix) >= max(1, approximate_from):
        if ann.available():
            approximate_key = ann.contents_key(embedder.identity, keys)
            approximate = _approximate(matrix, approximate_key, previous, saved)
        else:
            log.info(
                "%d vectors are searched exactly (about 17 ms a question per 100,000 on one "
                "core); pip install 'corpus-bot[ann]' for an approximate index",
                len(matrix),
            )
    vectors = Vectors(matrix, ptr, approximate)
    semantic = Semantic(vectors, embedder.encode, weight, embedder.identity)
    took = (time.perf_counter() - started) * 1000
    return Built(semantic, tuple(keys), total, took, approximate_key)


def _approximate(
    matrix: np.ndarray, key: str, previous: Built | None, saved: Path | None
) -> RowSearch:
    """The approximate index of ``matrix``: the previous build's when it was made of the
    same vectors, else the saved one if it checks out, else built (and saved)."""
    if previous is not None and previous.approximate_key == key:
        reused = previous.semantic.vectors.approximate
        if reused is not None:
            return reused
    path = ann.graph_path(saved) if saved is not None else None
    if path is not None:
        loaded = ann.load(path, key, int(matrix.shape[1]))
        if loaded is not None and loaded.rows == len(matrix):
            return loaded
    started = time.perf_counter()
    built = ann.build(matrix)
    log.info("vector graph of %d rows built in %.1f s", len(matrix), time.perf_counter() - started)
    if path is not None:
        try:
            ann.save(path, built, key)
        except OSError as exc:
            log.warning("cannot save the vector graph to %s: %s", path, exc)
    return built


def _stacked(blocks: list[np.ndarray], dimensions: int) -> tuple[np.ndarray, np.ndarray]:
    """One float32 matrix of every article's vectors, and where each article's begin.
    Filled block by block: saved vectors are read from their file as they are copied."""
    counts = [len(block) for block in blocks]
    ptr = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)
    width = blocks[0].shape[1] if blocks else dimensions
    matrix = np.empty((int(ptr[-1]), width), np.float32)
    for n, block in enumerate(blocks):
        matrix[ptr[n] : ptr[n + 1]] = block
    return matrix, ptr


def _collect(
    rows: store.Rows,
    keys: list[str],
    chunk: list[tuple[int, str]],
    encoded: np.ndarray,
) -> None:
    """File a chunk's vectors under their articles (an article may span two chunks)."""
    partial: dict[int, list[np.ndarray]] = {}
    for (n, _text), vector in zip(chunk, encoded, strict=True):
        partial.setdefault(n, []).append(vector)
    for n, vectors in partial.items():
        key = keys[n]
        done = rows.get(key)
        stacked = np.stack(vectors)
        rows[key] = stacked if done is None else np.vstack([done, stacked])
