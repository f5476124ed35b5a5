"""Article vectors for the optional semantic stage, and how search fuses them with BM25F.

A sentence-embedding model (see :mod:`bot.semantic`) turns each article into a
few unit vectors (its title with its opening, and passages of a long one) and
a question into one. An article's *cosine* to a question is the best of its
vectors'. Search takes BM25F's leading candidates plus the articles nearest by
cosine (so a paraphrase that shares no word with its article is still found)
and orders them by ``score / best score + weight * cosine``. This module knows
no model: the index is handed the vectors and a function that encodes a
question. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# How many of the nearest articles by cosine join BM25F's candidates.
NEAREST = 10

Encoder = Callable[[str], np.ndarray]
# Rows asked of an approximate index beside each article wanted (an article's passages
# may take several of the nearest rows, and filters may leave some out).
OVERFETCH = 4


class RowSearch(Protocol):
    """An approximate nearest-row index over a :class:`Vectors` matrix (see
    :mod:`bot.semantic.ann`)."""

    rows: int

    def nearest_rows(self, vector: np.ndarray, wanted: int) -> np.ndarray:
        """About the ``wanted`` rows nearest to ``vector``, best first."""


@dataclass(frozen=True, slots=True, eq=False)
class Vectors:
    """Every article's vectors: ``matrix`` rows ``ptr[n]:ptr[n + 1]`` are article ``n``'s."""

    matrix: np.ndarray  # float32 (rows, dimensions), each row of unit length
    ptr: np.ndarray  # int64, one more entry than there are articles
    approximate: RowSearch | None = None  # for many rows: nearest without reading them all

    def __post_init__(self) -> None:
        """Check that the arrays fit together (a mistake here would give wrong answers)."""
        if self.matrix.ndim != 2 or self.ptr.ndim != 1 or len(self.ptr) < 1:
            raise ValueError("vectors: a matrix and a pointer per article are needed")
        if self.ptr[0] != 0 or self.ptr[-1] != len(self.matrix) or np.any(np.diff(self.ptr) < 0):
            raise ValueError("vectors: the pointers do not fit the matrix")
        if self.approximate is not None and self.approximate.rows != len(self.matrix):
            raise ValueError("vectors: the approximate index is another matrix's")

    def __len__(self) -> int:
        return len(self.ptr) - 1

    @property
    def dimensions(self) -> int:
        """How many numbers a vector has."""
        return int(self.matrix.shape[1])

    def cosines(self, vector: np.ndarray) -> np.ndarray:
        """Each article's best cosine to ``vector`` (-1 for an article without vectors)."""
        found = np.full(len(self), -1.0, np.float32)
        if not len(self.matrix):
            return found
        similarities = self.matrix @ vector.astype(np.float32, copy=False)
        counts = np.diff(self.ptr)
        has = counts > 0
        starts = self.ptr[:-1][has]
        found[has] = np.maximum.reduceat(similarities, starts)
        return found

    def cosines_of(self, docs: Sequence[int], vector: np.ndarray) -> dict[int, float]:
        """The best cosine to ``vector`` of each of ``docs`` (-1 without vectors)."""
        vector = vector.astype(np.float32, copy=False)
        found: dict[int, float] = {}
        for doc in docs:
            rows = self.rows_of(doc)
            found[doc] = float((rows @ vector).max()) if len(rows) else -1.0
        return found

    def nearest_articles(
        self, vector: np.ndarray, wanted: int = NEAREST, mask: np.ndarray | None = None
    ) -> list[int]:
        """The ``wanted`` articles nearest to ``vector`` (among ``mask``'s), best first:
        from the approximate index when there is one and it finds enough, else exact."""
        if self.approximate is not None and wanted > 0:
            rows = self.approximate.nearest_rows(vector, wanted * OVERFETCH)
            docs = np.searchsorted(self.ptr, rows, side="right") - 1
            found = [int(d) for d in dict.fromkeys(docs.tolist()) if mask is None or mask[d]]
            if len(found) >= wanted:
                return found[:wanted]
        cosines = self.cosines(vector)
        if mask is not None:
            cosines = np.where(mask, cosines, -1.0)
        return nearest(cosines, wanted)

    def rows_of(self, doc: int) -> np.ndarray:
        """Article ``doc``'s vectors."""
        rows: np.ndarray = self.matrix[int(self.ptr[doc]) : int(self.ptr[doc + 1])]
        return rows


@dataclass(frozen=True, slots=True, eq=False)
class Semantic:
    """What an index needs for the semantic stage: the articles' vectors, the question
    encoder (of the same model) and the cosine's weight in the fused score."""

    vectors: Vectors
    encode: Encoder
    weight: float = 1.0
    model: str = ""


def nearest(cosines: np.ndarray, wanted: int = NEAREST) -> list[int]:
    """The ``wanted`` articles with the highest cosine (above -1), best first, ties by id."""
    eligible = np.flatnonzero(cosines > -1.0)
    if not len(eligible) or wanted <= 0:
        return []
    values = cosines[eligible]
    if len(eligible) > wanted:
        keep = np.argpartition(-values, wanted - 1)[:wanted]
        eligible, values = eligible[keep], values[keep]
    order = np.lexsort((eligible, -values))
    best: list[int] = eligible[order].tolist()
    return best


def fuse(
    scores: dict[int, float], cosines: Mapping[int, float], pool: Sequence[int], weight: float
) -> dict[int, float]:
    """Fused scores of ``pool`` in BM25F's units: each article's share of the best BM25F
    score plus ``weight`` times its cosine, scaled so that the best BM25F score and a
    cosine of 1 would make ``top * 1``. Positive and monotonic in both parts."""
    top = max((scores.get(doc, 0.0) for doc in pool), default=0.0)
    unit = top if top > 0 else 1.0
    fused: dict[int, float] = {}
    for doc in pool:
        share = scores.get(doc, 0.0) / unit
        cosine = max(0.0, float(cosines[doc]))
        fused[doc] = unit * (share + weight * cosine) / (1.0 + weight)
    return fused
