"""Shared records: what the stages hand each other, on the ground floor.

Every package may import from here; this module imports no other part of the bot.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """An entry of an article's ``related`` list: another article elsewhere."""

    title: str
    url: str | None
    source: str | None
    excerpt: str | None = None
    published: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A heading of a page and the stretch of the body under it (``body[start:end]``)."""

    heading: str
    anchor: str
    level: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Article:
    """One corpus document, cleaned and ready to index."""

    id: str
    title: str
    url: str | None
    source: str | None
    published: str | None
    topics: tuple[str, ...] = ()
    excerpt: str | None = None
    body: str = ""
    code: str = ""
    related: tuple[RelatedLink, ...] = ()
    images: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()

    @property
    def headings(self) -> str:
        """The text of every heading of the article, one per line."""
        return "\n".join(section.heading for section in self.sections)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions on which articles may answer: topic, source, date range (ISO dates)."""

    topic: str | None = None
    source: str | None = None
    since: str | None = None
    until: str | None = None

    def active(self) -> bool:
        """Whether any filter is set."""
        return any((self.topic, self.source, self.since, self.until))


@dataclass(frozen=True, slots=True)
class AskContext:
    """Who asked, and where: what the query log records besides the answer."""

    surface: str = "cli"
    user_id: int | None = None
    guild_id: int | None = None
    channel_id: int | None = None
    # the key an answer's buttons carry, to find the question again after a restart
    reply_key: str | None = None


@dataclass(frozen=True, slots=True)
class BuildProgress:
    """How far an index build is: ``done`` of ``total`` in one of its stages."""

    stage: str  # "reading" (files read and analysed), "encoding" (semantic passages), "indexing"
    done: int
    total: int

    def describe(self) -> str:
        """One line for people: "Reading and analysing files: 1,200 of 5,000"."""
        if self.stage == "reading":
            return f"Reading and analysing files: {self.done:,} of {self.total:,}"
        if self.stage == "encoding":
            return f"Encoding passages for the semantic stage: {self.done:,} of {self.total:,}"
        return "Building the index\N{HORIZONTAL ELLIPSIS}"
