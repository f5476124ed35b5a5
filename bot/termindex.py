"""Term statistics of a corpus as compact arrays, and the BM25 engines that score them.

:class:`TermMatrix` holds every document's term frequencies (document-major,
CSR-style arrays). Two engines score questions against it with exactly the
BM25 of rank-bm25's ``BM25Okapi`` (the same idf, with its epsilon floor):

* :class:`RankBm25Engine` hands the documents to rank-bm25 itself: the
  reference, used for small corpora.
* :class:`SparseEngine` precomputes each (term, document) weight once and
  answers by adding up the postings of the question's terms: milliseconds at
  100,000 documents, where rank-bm25 walks every document for every term.

Pure and synchronous.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from rank_bm25 import BM25Okapi

EPSILON = 0.25  # rank-bm25's floor for negative idf, as a share of the average idf
# From this many documents the sparse engine scores (rank-bm25 below).
SPARSE_FROM_DOCUMENTS = 2_000
# In corpora this large, terms in at least this share of documents also get a dense vector.
DENSE_FROM_DOCUMENTS = 20_000
DENSE_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class TermMatrix:
    """Term frequencies of every document: ``terms[term_ids[indptr[d]:indptr[d+1]]]``."""

    terms: tuple[str, ...]
    vocab: Mapping[str, int]
    indptr: np.ndarray  # int64, one more than documents
    term_ids: np.ndarray  # int32
    tfs: np.ndarray  # float32

    @classmethod
    def build(cls, documents: Iterable[Mapping[str, int]]) -> TermMatrix:
        """Build from one ``term -> count`` mapping per document."""
        builder = TermMatrixBuilder()
        for counts in documents:
            builder.add(counts)
        return builder.finish()

    @property
    def documents(self) -> int:
        """How many documents."""
        return len(self.indptr) - 1

    def doc_lengths(self) -> np.ndarray:
        """Each document's length (its weighted token count), float64."""
        sums = np.concatenate(([0.0], np.cumsum(self.tfs, dtype=np.float64)))
        lengths: np.ndarray = sums[self.indptr[1:]] - sums[self.indptr[:-1]]
        return lengths

    def doc_freqs(self) -> np.ndarray:
        """How many documents hold each term."""
        return np.bincount(self.term_ids, minlength=len(self.terms)).astype(np.int64)

    def doc_ids(self) -> np.ndarray:
        """The document of every stored (term, count) entry."""
        return np.repeat(
            np.arange(self.documents, dtype=np.int32), np.diff(self.indptr).astype(np.int64)
        )

    def tokens(self, doc: int) -> list[str]:
        """A bag of the document's tokens (order lost, counts kept) for rank-bm25."""
        start, end = int(self.indptr[doc]), int(self.indptr[doc + 1])
        return [
            self.terms[term]
            for term, count in zip(self.term_ids[start:end], self.tfs[start:end], strict=True)
            for _ in range(int(count))
        ]

    def native(self) -> TermMatrix:
        """The same matrix with arrays of numpy's own dtype objects (views, no copy).

        Unpickled arrays carry equal but distinct dtype objects, and numpy
        takes slow paths for those (``np.add.at`` twenty times slower).
        """
        arrays = (self.indptr, self.term_ids, self.tfs)
        return TermMatrix(self.terms, self.vocab, *map(_native, arrays))

    def holds(self, doc: int, term: str) -> bool:
        """Whether document ``doc`` contains ``term``."""
        term_id = self.vocab.get(term)
        if term_id is None:
            return False
        start, end = int(self.indptr[doc]), int(self.indptr[doc + 1])
        return bool(np.any(self.term_ids[start:end] == term_id))


def _native(array: np.ndarray) -> np.ndarray:
    """``array`` with numpy's own dtype object: a view, or a converted copy when
    its byte order is not this machine's (a file from another machine)."""
    kind = array.dtype.type
    return array.view(kind) if array.dtype.isnative else array.astype(kind)


class TermMatrixBuilder:
    """Collects documents one at a time into compact arrays (nothing per document is kept)."""

    def __init__(self) -> None:
        """An empty matrix."""
        self.vocab: dict[str, int] = {}
        self.indptr = array("q", [0])
        self.term_ids = array("i")
        self.tfs = array("f")

    def add(self, counts: Mapping[str, int]) -> None:
        """Append one document's ``term -> count``."""
        vocab = self.vocab
        for term, count in counts.items():
            self.term_ids.append(vocab.setdefault(term, len(vocab)))
            self.tfs.append(count)
        self.indptr.append(len(self.term_ids))

    def finish(self) -> TermMatrix:
        """The matrix of every document added."""
        return TermMatrix(
            terms=tuple(self.vocab),
            vocab=self.vocab,
            indptr=np.frombuffer(self.indptr, dtype=np.int64).copy(),
            term_ids=np.frombuffer(self.term_ids, dtype=np.int32).copy(),
            tfs=np.frombuffer(self.tfs, dtype=np.float32).copy(),
        )


def okapi_idf(doc_freqs: np.ndarray, documents: int) -> np.ndarray:
    """rank-bm25's BM25Okapi idf: log((N - n + 0.5) / (n + 0.5)), negatives floored."""
    if len(doc_freqs) == 0:
        return np.zeros(0)
    raw = np.log(documents - doc_freqs + 0.5) - np.log(doc_freqs + 0.5)
    floor = EPSILON * float(raw.sum()) / len(raw)
    return np.where(raw < 0, floor, raw)


class Engine(Protocol):
    """Scores every document for a list of terms."""

    name: str

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every document (float32 or float64)."""

    def matching(self, terms: Sequence[str]) -> np.ndarray:
        """Positions of the documents that hold at least one of ``terms``, ascending."""

    def search(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """``scores``, and ``matching`` unless it is exactly the documents scoring above 0."""

    def holds_each(self, docs: Sequence[int], term: str) -> list[bool]:
        """Whether each of ``docs`` holds ``term``."""


def _term_major(matrix: TermMatrix) -> tuple[np.ndarray, np.ndarray]:
    """Each term's documents (ascending) and counts, term after term: the matrix
    transposed. The sort order, the one large temporary, is gone on return."""
    order = np.argsort(matrix.term_ids, kind="stable").astype(np.int32)
    tfs = matrix.tfs[order]
    docs = np.empty(len(order), np.int32)
    step = 1 << 20  # the document of each entry, a slice at a time (no int64 copy)
    for start in range(0, len(order), step):
        found = np.searchsorted(matrix.indptr, order[start : start + step], side="right")
        docs[start : start + step] = found - 1
    return docs, tfs


def _bm25_weights(
    matrix: TermMatrix, docs: np.ndarray, tfs: np.ndarray, k1: float, b: float
) -> np.ndarray:
    """tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average)) of every entry,
    in float32 and in place (``tfs`` is overwritten and returned)."""
    lengths = matrix.doc_lengths()
    average = float(lengths.mean()) if len(lengths) else 0.0
    per_doc = (
        k1 * (1 - b + b * lengths / average) if average > 0 else np.full(len(lengths), k1 * (1 - b))
    ).astype(np.float32)
    denominator = per_doc[docs]  # the length normalisation of each entry
    denominator += tfs
    tfs *= np.float32(k1 + 1)
    tfs /= denominator
    return tfs


class SparseEngine:
    """Precomputed BM25 weights, term-major: a question adds up a few postings lists."""

    name = "sparse"

    def __init__(self, matrix: TermMatrix, k1: float, b: float) -> None:
        """Compute every (term, document) weight once."""
        self.vocab = matrix.vocab
        self.documents = matrix.documents
        counts = np.bincount(matrix.term_ids, minlength=len(matrix.terms))
        self.post_ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        idf = okapi_idf(counts, self.documents).astype(np.float32)
        self.post_docs, tfs = _term_major(matrix)
        self._docs_view = self.post_docs.data  # a memoryview: Python ints without numpy calls
        self.post_weights = _bm25_weights(matrix, self.post_docs, tfs, k1, b)  # in place
        self.post_weights *= np.repeat(idf, counts)
        # a term in exactly half of the documents has idf 0: its postings weigh
        # nothing, so its documents must be found by counting, not by score
        self.zero_weight = frozenset(np.flatnonzero(idf == 0).tolist())
        self.dense = self._dense_vectors()
        # memoryviews give Python numbers without a numpy call per look-up
        self._ptr_view = self.post_ptr.data
        self._dense_views = {
            term_id: vector.data
            for term_id, vector in self.dense.items()
            if term_id not in self.zero_weight  # weight 0 says nothing of holding
        }

    def _ids(self, terms: Sequence[str]) -> list[int]:
        return [self.vocab[t] for t in dict.fromkeys(terms) if t in self.vocab]

    def _postings(self, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        if not ids:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        if len(ids) == 1:
            start, end = self.post_ptr[ids[0]], self.post_ptr[ids[0] + 1]
            return self.post_docs[start:end], self.post_weights[start:end]
        docs = np.concatenate(
            [self.post_docs[self.post_ptr[i] : self.post_ptr[i + 1]] for i in ids]
        )
        weights = np.concatenate(
            [self.post_weights[self.post_ptr[i] : self.post_ptr[i + 1]] for i in ids]
        )
        return docs, weights

    def _dense_vectors(self) -> dict[int, np.ndarray]:
        """Weights of the commonest terms as whole vectors: adding a vector is far
        cheaper than scattering a postings list as long as the corpus."""
        if self.documents < DENSE_FROM_DOCUMENTS:
            return {}
        lengths = np.diff(self.post_ptr)
        dense: dict[int, np.ndarray] = {}
        for term_id in np.flatnonzero(lengths >= DENSE_SHARE * self.documents).tolist():
            vector = np.zeros(self.documents, np.float32)
            start, end = self.post_ptr[term_id], self.post_ptr[term_id + 1]
            vector[self.post_docs[start:end]] = self.post_weights[start:end]
            dense[term_id] = vector
        return dense

    def _scores(self, ids: Sequence[int]) -> np.ndarray:
        # float32 throughout, as the weights are: half the memory traffic of
        # float64, and the sums agree with rank-bm25's to about 1e-6
        scores = np.zeros(self.documents, np.float32)
        for term_id in ids:
            if term_id not in self.dense:
                start, end = self.post_ptr[term_id], self.post_ptr[term_id + 1]
                np.add.at(scores, self.post_docs[start:end], self.post_weights[start:end])
        for term_id in ids:
            if term_id in self.dense:
                scores += self.dense[term_id]
        return scores

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every document (float32)."""
        return self._scores(self._ids(terms))

    def matching(self, terms: Sequence[str]) -> np.ndarray:
        """Documents holding at least one of the terms."""
        docs, _weights = self._postings(self._ids(terms))
        return np.flatnonzero(np.bincount(docs, minlength=self.documents) > 0)

    def search(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Scores of every document, and the documents holding a term when some
        of those score 0 (``None``, the common case: every one scores above 0)."""
        ids = self._ids(terms)
        scores = self._scores(ids)
        if any(term_id in self.zero_weight for term_id in ids):
            docs, _weights = self._postings(ids)
            return scores, np.flatnonzero(np.bincount(docs, minlength=self.documents) > 0)
        return scores, None

    def holds_each(self, docs: Sequence[int], term: str) -> list[bool]:
        """Whether each of ``docs`` holds ``term`` (a binary search of its postings,
        which are sorted by document: a few docs, so no array round trip)."""
        term_id = self.vocab.get(term)
        if term_id is None:
            return [False] * len(docs)
        if term_id in self._dense_views:  # a common term: its weight says it at once
            weights = self._dense_views[term_id]
            return [weights[doc] > 0 for doc in docs]
        start, end = self._ptr_view[term_id], self._ptr_view[term_id + 1]
        postings = self._docs_view
        found = []
        for doc in docs:
            at = bisect_left(postings, doc, start, end)
            found.append(at < end and postings[at] == doc)
        return found


class RankBm25Engine:
    """rank-bm25's BM25Okapi itself: the reference scorer."""

    name = "bm25"

    def __init__(self, matrix: TermMatrix, k1: float, b: float) -> None:
        """Hand every document's tokens to rank-bm25."""
        self.matrix = matrix
        corpus = [matrix.tokens(doc) for doc in range(matrix.documents)]
        self.model = BM25Okapi(corpus, k1=k1, b=b) if corpus else None
        self._sparse_postings = SparseEngine(matrix, k1, b) if corpus else None

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every document, from rank-bm25."""
        present = [t for t in dict.fromkeys(terms) if t in self.matrix.vocab]
        if self.model is None or not present:
            return np.zeros(self.matrix.documents)
        return np.asarray(self.model.get_scores(present), dtype=np.float64)

    def matching(self, terms: Sequence[str]) -> np.ndarray:
        """Documents holding at least one of the terms."""
        if self._sparse_postings is None:
            return np.zeros(0, np.int32)
        return self._sparse_postings.matching(terms)

    def search(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Scores of every document (from rank-bm25) and the documents holding a term."""
        return self.scores(terms), self.matching(terms)

    def holds_each(self, docs: Sequence[int], term: str) -> list[bool]:
        """Whether each of ``docs`` holds ``term``."""
        if self._sparse_postings is None:
            return [False] * len(docs)
        return self._sparse_postings.holds_each(docs, term)


def make_engine(matrix: TermMatrix, k1: float, b: float, choice: str = "auto") -> Engine:
    """The engine for a corpus: rank-bm25 for small ones, the sparse engine for large."""
    if choice == "sparse" or (choice == "auto" and matrix.documents >= SPARSE_FROM_DOCUMENTS):
        return SparseEngine(matrix, k1, b)
    return RankBm25Engine(matrix, k1, b)


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
