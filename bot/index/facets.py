"""The topics and sources of an index, most common first (for autocomplete and /help)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain

from bot.index.articles import Catalog


@dataclass(frozen=True, slots=True)
class Facets:
    """Distinct topics and sources of an index, most common first (for autocomplete)."""

    topics: tuple[str, ...] = field(default_factory=tuple)
    sources: tuple[str, ...] = field(default_factory=tuple)


def facets(catalog: Catalog) -> Facets:
    """Collect the topics and sources of a catalog's articles."""
    topics = Counter(chain.from_iterable(catalog.topics))
    sources = Counter(source for source in catalog.sources if source)
    return Facets(_by_count(topics), _by_count(sources))


def _by_count(counts: Counter[str]) -> tuple[str, ...]:
    return tuple(name for name, _n in sorted(counts.items(), key=lambda x: (-x[1], x[0])))
