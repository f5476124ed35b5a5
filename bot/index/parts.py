"""The analysed corpus: what an index is built from, kept between runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from bot.index.matrix import TermMatrix
from bot.model import Article, Skipped

FileStamp = tuple[int, int, int]  # size, modification time (ns), content digest


@dataclass(frozen=True, slots=True)
class Parts:
    """Everything an index is built from, in article id order."""

    key: str
    stamps: dict[str, FileStamp]
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]
    fields: dict[str, TermMatrix]  # raw term counts of each field in STORED_FIELDS
    words: TermMatrix
    passages: TermMatrix  # one row per passage, every article's in article order
    passage_ptr: np.ndarray  # int64: the first passage of each article, and one past the last

    def passage_rows(self, doc: int) -> range:
        """The rows of ``passages`` that belong to article ``doc``."""
        return range(int(self.passage_ptr[doc]), int(self.passage_ptr[doc + 1]))

    def word_counts(self) -> Counter[str]:
        """How many articles hold each content word (for the speller)."""
        freqs = self.words.doc_freqs()
        return Counter(dict(zip(self.words.terms, freqs.tolist(), strict=True)))
