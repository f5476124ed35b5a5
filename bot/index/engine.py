"""Term statistics of a corpus as compact arrays, and the BM25F engine that scores them.

:class:`TermMatrix` holds every document's term frequencies in one field
(document-major, CSR-style arrays). :class:`SparseEngine` combines the fields
as BM25F does, precomputes each (term, document) weight once and answers by
adding up the postings of the question's terms: milliseconds at 100,000
documents, where rank-bm25 walks every document for every term.

Pure and synchronous.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np

from bot.index.matrix import TermMatrix
from bot.index.parts import Stretches

# In corpora this large, terms in at least this share of documents also get a dense vector.
DENSE_FROM_DOCUMENTS = 20_000
DENSE_SHARE = 0.2


def bm25_idf(doc_freqs: np.ndarray, documents: int) -> np.ndarray:
    """log(1 + (N - n + 0.5) / (n + 0.5)): positive for every term, however common."""
    return np.log1p((documents - doc_freqs + 0.5) / (doc_freqs + 0.5))


class Engine(Protocol):
    """Scores every document for a list of terms."""

    name: str

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """The score of every document (float32)."""

    def holds_each(self, docs: Sequence[int], term: str) -> list[bool]:
        """Whether each of ``docs`` holds ``term``."""


@dataclass(frozen=True, slots=True)
class FieldStats:
    """One field's term counts and how it counts: ``weight`` and length normalisation ``b``."""

    matrix: TermMatrix
    weight: float
    b: float


def _field_entries(
    field: FieldStats, vocab: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term id, document, weighted normalised frequency) of every entry of one field.

    The length of a document's field is set against the field's average over
    the documents that have it, so an empty field does not shrink the average.
    """
    matrix = field.matrix
    local = np.fromiter(
        (vocab.setdefault(term, len(vocab)) for term in matrix.terms), np.int64, len(matrix.terms)
    )
    lengths = matrix.doc_lengths()
    present = lengths > 0
    average = float(lengths[present].mean()) if present.any() else 1.0
    norm = (1.0 - field.b + field.b * lengths / average).astype(np.float32)
    docs = matrix.doc_ids()
    values = matrix.tfs * np.float32(field.weight)
    values /= norm[docs]
    return local[matrix.term_ids], docs, values


def _postings(
    fields: Sequence[FieldStats], documents: int
) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """The vocabulary of every field, and term-major postings of summed field frequencies:
    (pointer per term, documents, frequencies), documents ascending within a term."""
    vocab: dict[str, int] = {}
    entries = [_field_entries(f, vocab) for f in fields if f.weight > 0 and len(f.matrix.tfs)]
    if not entries:
        return vocab, np.zeros(len(vocab) + 1, np.int64), np.zeros(0, np.int32), np.zeros(0)
    terms = np.concatenate([e[0] for e in entries])
    keys = terms * documents + np.concatenate([e[1] for e in entries])
    del terms
    values = np.concatenate([e[2] for e in entries])
    del entries
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    del order
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    summed = np.add.reduceat(values, starts) if len(values) else values
    keys = keys[starts]
    counts = np.bincount(keys // documents, minlength=len(vocab))
    pointer = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return vocab, pointer, (keys % documents).astype(np.int32), summed.astype(np.float32)


class SparseEngine:
    """BM25F with precomputed weights, term-major: a question adds up a few postings lists.

    Every (term, document) weight ``idf * f * (k1 + 1) / (f + k1)``, where ``f``
    is the document's BM25F frequency of the term (see :class:`FieldStats`),
    is computed once when the engine is built.
    """

    name = "bm25f"

    def __init__(self, fields: Sequence[FieldStats], documents: int, k1: float) -> None:
        """Compute every (term, document) weight once."""
        vocab, pointer, docs, weights = _postings(fields, documents)
        counts = np.diff(pointer)
        weights *= np.float32(k1 + 1)
        weights /= weights / np.float32(k1 + 1) + np.float32(k1)
        weights *= np.repeat(bm25_idf(counts, documents).astype(np.float32), counts)
        self._adopt(tuple(vocab), pointer, docs, weights, documents)

    @classmethod
    def restored(
        cls,
        terms: tuple[str, ...],
        pointer: np.ndarray,
        docs: Stretches,
        weights: Stretches,
        documents: int,
    ) -> SparseEngine:
        """An engine from postings computed before (:attr:`post_ptr`, :attr:`post_docs`
        and :attr:`post_weights` of an engine over the same fields and weights)."""
        engine = cls.__new__(cls)
        engine._adopt(terms, pointer, docs, weights, documents)
        return engine

    def _adopt(
        self,
        terms: tuple[str, ...],
        pointer: np.ndarray,
        docs: Stretches,
        weights: Stretches,
        documents: int,
    ) -> None:
        self.documents = documents
        self.terms = terms
        self.vocab = {term: n for n, term in enumerate(terms)}
        self.post_ptr, self.post_docs, self.post_weights = pointer, docs, weights
        self._postings_of = lru_cache(maxsize=POSTINGS_KEPT)(self._read_postings)
        self._ptr_view = pointer.data  # Python ints without a numpy call per look-up
        self.df = np.diff(pointer)
        self.idf = bm25_idf(self.df, documents).astype(np.float32)
        self.dense = self._dense_vectors()
        self._dense_views = {term_id: vector.data for term_id, vector in self.dense.items()}

    @classmethod
    def plain(cls, matrix: TermMatrix, k1: float, b: float) -> SparseEngine:
        """Plain BM25 over one matrix (BM25F with a single field)."""
        return cls([FieldStats(matrix, 1.0, b)], matrix.documents, k1)

    def doc_freqs(self) -> np.ndarray:
        """How many documents hold each term (in ``terms`` order)."""
        return self.df

    def _ids(self, terms: Sequence[str]) -> list[int]:
        return [self.vocab[t] for t in dict.fromkeys(terms) if t in self.vocab]

    def _dense_vectors(self) -> dict[int, np.ndarray]:
        """Weights of the commonest terms as whole vectors: adding a vector is far
        cheaper than scattering a postings list as long as the corpus."""
        if self.documents < DENSE_FROM_DOCUMENTS:
            return {}
        lengths = np.diff(self.post_ptr)
        dense: dict[int, np.ndarray] = {}
        for term_id in np.flatnonzero(lengths >= DENSE_SHARE * self.documents).tolist():
            vector = np.zeros(self.documents, np.float32)
            docs, weights = self._read_postings(term_id)
            vector[docs] = weights
            dense[term_id] = vector
        return dense

    def weighted_scores(self, weighted: Mapping[str, float]) -> np.ndarray:
        """Score of every document when each term counts its own weight (float32).

        float32 throughout, as the weights are: half the memory traffic of float64.
        """
        scores = np.zeros(self.documents, np.float32)
        ids = {self.vocab[t]: w for t, w in weighted.items() if t in self.vocab and w > 0}
        for term_id, weight in ids.items():
            if term_id in self.dense:
                continue
            docs, values = self.postings_of(term_id)
            np.add.at(scores, docs, values if weight == 1 else values * weight)
        for term_id, weight in ids.items():
            if term_id in self.dense:
                scores += self.dense[term_id] if weight == 1 else self.dense[term_id] * weight
        return scores

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """Score of every document, each distinct term counting once (float32)."""
        return self.weighted_scores(dict.fromkeys(terms, 1.0))

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding ``term`` (ascending) and their weights for it."""
        term_id = self.vocab.get(term)
        if term_id is None:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        return self.postings_of(term_id)

    def postings_of(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`postings` of a term by its id (the last few hundred read are kept:
        a question asks for its terms' postings several times)."""
        return self._postings_of(term_id)

    def _read_postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self._ptr_view[term_id], self._ptr_view[term_id + 1]
        return self.post_docs[start:end], self.post_weights[start:end]

    def holds_each(self, docs: Sequence[int], term: str) -> list[bool]:
        """Whether each of ``docs`` holds ``term`` (a binary search of its postings,
        which are sorted by document)."""
        term_id = self.vocab.get(term)
        if term_id is None:
            return [False] * len(docs)
        if term_id in self._dense_views:  # a common term: its weight says it at once
            weights = self._dense_views[term_id]
            return [weights[doc] > 0 for doc in docs]
        found, _weights = self.postings_of(term_id)
        if not len(found):
            return [False] * len(docs)
        wanted = np.asarray(docs, np.int64)
        at = np.minimum(np.searchsorted(found, wanted), len(found) - 1)
        held: list[bool] = (found[at] == wanted).tolist()
        return held


# Postings lists kept once read (a saved index's are read from disk).
POSTINGS_KEPT = 256
# Above this many candidates, a sample first narrows down where the best can be.
SAMPLE_FROM = 20_000
# The sample holds this many positions for each one wanted.
SAMPLE_PER_WANTED = 64


def _sample_cut(scores: np.ndarray, positions: np.ndarray | None, wanted: int) -> float:
    """A score the ``wanted`` best are sure to reach: the ``wanted``-th best of a
    strided sample (of ``positions``, or of every position), or 0 when the
    sample is too small to tell.

    The wanted-th best score of any subset is at most the wanted-th best of all.
    """
    total = len(scores) if positions is None else len(positions)
    step = max(1, total // (wanted * SAMPLE_PER_WANTED))
    sample = scores[::step] if positions is None else scores[positions[::step]]
    if len(sample) <= wanted:
        return 0.0
    return float(np.partition(sample, len(sample) - wanted)[len(sample) - wanted])


def _contenders(scores: np.ndarray, candidates: np.ndarray | None, wanted: int) -> np.ndarray:
    """The candidates that can be among the ``wanted`` best, found cheaply.

    Without ``candidates``, every position scoring above 0 is one. Only a
    positive sampled cut is used: a candidate may score 0 (a term whose idf is
    0), and then the sample proves nothing.
    """
    size = len(scores) if candidates is None else len(candidates)
    cut = _sample_cut(scores, candidates, wanted) if size > SAMPLE_FROM else 0.0
    if cut > 0:
        return np.flatnonzero(scores >= cut)
    return np.flatnonzero(scores > 0) if candidates is None else candidates


def top_positions(scores: np.ndarray, candidates: np.ndarray | None, wanted: int) -> list[int]:
    """The ``wanted`` best candidates by score, ties by position (= by id), best first.

    ``None`` for ``candidates`` means every position scoring above 0. Otherwise
    every position with a positive score must be among them (zero the scores
    of positions a filter leaves out).
    """
    if wanted <= 0 or (candidates is not None and len(candidates) == 0):
        return []
    candidates = _contenders(scores, candidates, wanted)
    values = scores[candidates]
    if len(candidates) > wanted:
        # keep everything scoring at least the wanted-th best, so ties stay whole
        cut = np.partition(values, len(values) - wanted)[len(values) - wanted]
        keep = values >= cut
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))
    best: list[int] = candidates[order[:wanted]].tolist()
    return best
