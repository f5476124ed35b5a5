"""The analysed corpus: what an index is built from, kept between runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.index.matrix import TermMatrix
from bot.model import Article, Skipped

FileStamp = tuple[int, int]  # size, modification time (ns)


@dataclass(frozen=True, slots=True)
class Parts:
    """Everything an index is built from, in article id order."""

    key: str
    stamps: dict[str, FileStamp]
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]
    fields: dict[str, TermMatrix]  # raw term counts of each field in STORED_FIELDS
    words: TermMatrix

    def word_counts(self) -> Counter[str]:
        """How many articles hold each content word (for the speller)."""
        freqs = self.words.doc_freqs()
        return Counter(dict(zip(self.words.terms, freqs.tolist(), strict=True)))
