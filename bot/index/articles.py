"""The articles of an index: the few fields every search reads at hand, the rest on demand.

Searching reads an article's id, link, source, date and topics for many
articles (filters, duplicate stories, dates asked for); only the few it
answers with need their text. :class:`Articles` keeps those fields as columns
(a :class:`Catalog`) and fetches a whole article when asked, from memory or,
for a saved index, from its memory-mapped file (see :mod:`bot.index.store`),
so 100,000 articles do not have to be decoded, or held, to start answering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import overload

from bot.model import Article, Filters

# Whole articles kept decoded, most recently used first: a question reads a few.
DECODED = 512


@dataclass(frozen=True, slots=True)
class Catalog:
    """The fields of every article that searching reads, one column each, in id order."""

    ids: tuple[str, ...]
    urls: tuple[str | None, ...]
    sources: tuple[str | None, ...]
    published: tuple[str | None, ...]
    topics: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, articles: Sequence[Article]) -> Catalog:
        """The catalog of articles at hand."""
        return cls(
            tuple(a.id for a in articles),
            tuple(a.url for a in articles),
            tuple(a.source for a in articles),
            tuple(a.published for a in articles),
            tuple(a.topics for a in articles),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def passes(self, n: int, filters: Filters) -> bool:
        """Whether article ``n`` passes the filters (case-insensitive topic and source)."""
        if filters.topic:
            wanted = filters.topic.casefold()
            if not any(topic.casefold() == wanted for topic in self.topics[n]):
                return False
        source = self.sources[n]
        if filters.source and (not source or filters.source.casefold() not in source.casefold()):
            return False
        if filters.since or filters.until:
            published = self.published[n]
            if not published:
                return False
            day = published[:10]
            if filters.since and day < filters.since[:10]:
                return False
            if filters.until and day > filters.until[:10]:
                return False
        return True


class Articles(Sequence[Article]):
    """Articles in id order: a :class:`Catalog` at hand, whole articles fetched on demand."""

    def __init__(self, catalog: Catalog, fetch: Callable[[int], Article]) -> None:
        """Articles whose ``n``-th one is ``fetch(n)`` (kept once fetched, a few hundred)."""
        self.catalog = catalog
        self._fetch = lru_cache(maxsize=DECODED)(fetch)

    @classmethod
    def of(cls, articles: Sequence[Article]) -> Articles:
        """Articles held in memory."""
        held = tuple(articles)
        return cls(Catalog.of(held), held.__getitem__)

    def __len__(self) -> int:
        return len(self.catalog)

    @overload
    def __getitem__(self, n: int) -> Article: ...

    @overload
    def __getitem__(self, n: slice) -> list[Article]: ...

    def __getitem__(self, n: int | slice) -> Article | list[Article]:
        if isinstance(n, slice):
            return [self._fetch(i) for i in range(*n.indices(len(self)))]
        if not -len(self) <= n < len(self):
            raise IndexError("article position out of range")
        return self._fetch(n % len(self))

    def __iter__(self) -> Iterator[Article]:
        return (self._fetch(n) for n in range(len(self)))

    def __repr__(self) -> str:
        return f"Articles({len(self)})"
