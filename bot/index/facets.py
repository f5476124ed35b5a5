"""The topics and sources of an index, most common first (for autocomplete and /help)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.model import Article


@dataclass(frozen=True, slots=True)
class Facets:
    """Distinct topics and sources of an index, most common first (for autocomplete)."""

    topics: tuple[str, ...] = field(default_factory=tuple)
    sources: tuple[str, ...] = field(default_factory=tuple)


def facets(articles: Sequence[Article]) -> Facets:
    """Collect the topics and sources of some articles."""
    topics: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    for article in articles:
        topics.update(article.topics)
        if article.source:
            sources[article.source] += 1
    return Facets(_by_count(topics), _by_count(sources))


def _by_count(counts: Counter[str]) -> tuple[str, ...]:
    return tuple(name for name, _n in sorted(counts.items(), key=lambda x: (-x[1], x[0])))
