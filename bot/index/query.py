"""An analysed question: what search, the reranker and the answer read of it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.text.dates import AskedDates


@dataclass(frozen=True, slots=True)
class Query:
    """An analysed question: its distinct terms and the typo corrections made."""

    text: str
    terms: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...] = ()
    unknown: tuple[tuple[str, float], ...] = ()  # terms no article holds, with their rarity
    pairs: tuple[str, ...] = ()  # adjacent terms, as phrases to find in titles and headings
    dates: AskedDates = field(default_factory=AskedDates)
    sources: tuple[tuple[str, str], ...] = ()  # each term and the word it came from
    words: int = 0  # how many words the question has
    # the question's unit vector, when the index has the semantic stage
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def unknown_terms(self) -> frozenset[str]:
        """The terms of the question that no article holds."""
        return frozenset(term for term, _rarity in self.unknown)
