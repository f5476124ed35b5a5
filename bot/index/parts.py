"""The analysed corpus: what an index is built from, kept between runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bot.index.articles import Articles
from bot.index.matrix import TermMatrix
from bot.model import Skipped

# size, modification time (ns), status-change time (ns; 0 when too recent to trust), digest
FileStamp = tuple[int, int, int, int]


class Stretches(Protocol):
    """A 1-D array read a stretch at a time: a numpy array, or one left on disk
    (:class:`bot.index.checked.OnDisk`)."""

    def __getitem__(self, at: slice, /) -> np.ndarray:
        """The values of a stretch (``[start:end]``), as a numpy array."""

    def __len__(self) -> int:
        """How many values."""


# The arrays of a Prepared, as saved, and their types.
PREPARED_ARRAYS = (
    ("post_ptr", np.int64),
    ("post_docs", np.int32),
    ("post_weights", np.float32),
    ("passage_terms", np.int32),
    ("passage_weights", np.float32),
    ("passage_idf", np.float32),
    ("collection", np.float64),
    ("text_lengths", np.float64),
    ("word_freqs", np.int64),
)


@dataclass(frozen=True, slots=True)
class Prepared:
    """What an index computes from its parts for one set of weights (see
    :class:`~bot.index.search.Index`), saved with them so that a start-up need not
    compute it again: the engine's postings, the passages' weights, the corpus's term
    shares and the articles' text lengths. ``key`` names the weights."""

    key: str
    terms: tuple[str, ...]  # the engine's vocabulary, by id
    post_ptr: np.ndarray  # int64: each term's first posting, and one past the last
    post_docs: Stretches  # int32: documents ascending within a term
    post_weights: Stretches  # float32: each posting's BM25F weight
    passage_terms: Stretches  # int32: each passage entry's engine term id (-1: none)
    passage_weights: Stretches  # float32: each passage entry's BM25 weight
    passage_idf: np.ndarray  # float32: each engine term's idf over passages
    collection: np.ndarray  # float64: each engine term's share of the corpus's prose
    text_lengths: np.ndarray  # float64: log(1 + words of excerpt and body) of each article
    word_freqs: np.ndarray  # int64: how many articles hold each content word (``words``)


@dataclass(frozen=True, slots=True)
class Parts:
    """Everything an index is built from, in article id order."""

    key: str
    stamps: dict[str, FileStamp]
    articles: Articles
    skipped: tuple[Skipped, ...]
    fields: dict[str, TermMatrix]  # raw term counts of each field in STORED_FIELDS
    words: TermMatrix
    passages: TermMatrix  # one row per passage, every article's in article order
    passage_ptr: np.ndarray  # int64: the first passage of each article, and one past the last
    prepared: Prepared | None = None  # saved with the parts, for the weights it names

    def passage_rows(self, doc: int) -> range:
        """The rows of ``passages`` that belong to article ``doc``."""
        return range(int(self.passage_ptr[doc]), int(self.passage_ptr[doc + 1]))

    def word_counts(self, freqs: np.ndarray | None = None) -> Counter[str]:
        """How many articles hold each content word (for the speller); ``freqs``: those
        numbers worked out before, in the order of ``words.terms``."""
        found = self.words.doc_freqs() if freqs is None else freqs
        return Counter(dict(zip(self.words.terms, found.tolist(), strict=True)))
