"""Term statistics of a corpus field as compact arrays (document-major, CSR-style)."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np


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

    def native(self) -> TermMatrix:
        """The same matrix with arrays of numpy's own dtype objects (views, no copy).

        Unpickled arrays carry equal but distinct dtype objects, and numpy
        takes slow paths for those (``np.add.at`` twenty times slower).
        """
        arrays = (self.indptr, self.term_ids, self.tfs)
        return TermMatrix(self.terms, self.vocab, *map(_native, arrays))

    def holds(self, doc: int, term: str) -> bool:
        """Whether document ``doc`` contains ``term``."""
        return self.holding(doc, (term,))[0]

    def row(self, doc: int) -> list[int]:
        """The term ids of document ``doc`` (memoryviews: no numpy call per look-up)."""
        pointers = self.indptr.data
        return self.term_ids.data[pointers[doc] : pointers[doc + 1]].tolist()

    def holding(self, doc: int, terms: Iterable[str]) -> list[bool]:
        """Whether document ``doc`` contains each of ``terms``."""
        held = set(self.row(doc))
        vocab = self.vocab
        return [vocab.get(term, -1) in held for term in terms]


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
