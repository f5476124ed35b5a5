"""Articles and the other records of :class:`~bot.index.parts.Parts` as plain JSON values.

The saved index keeps them as JSON (never pickled): :func:`encode_article`
writes one, :func:`decode_article` reads one back and checks every field's
type, raising :class:`CodecError` on anything that does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, pairwise
from typing import Any

from bot.index.articles import Catalog
from bot.model import Article, RelatedLink, Section, Skipped


class CodecError(ValueError):
    """A saved record that does not have the shape it must have."""


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise CodecError(f"{what} is not text")
    return value


def _maybe_text(value: Any, what: str) -> str | None:
    return None if value is None else _text(value, what)


def _integer(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise CodecError(f"{what} is not a count")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise CodecError(f"{what} is not a list")
    return value


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CodecError(f"{what} is not an object")
    return value


def encode_article(article: Article) -> dict[str, Any]:
    """One article as JSON values."""
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "published": article.published,
        "topics": list(article.topics),
        "excerpt": article.excerpt,
        "body": article.body,
        "code": article.code,
        "related": [
            [link.title, link.url, link.source, link.excerpt, link.published]
            for link in article.related
        ],
        "images": list(article.images),
        "authors": list(article.authors),
        "sections": [[s.heading, s.anchor, s.level, s.start, s.end] for s in article.sections],
    }


def _related(value: Any) -> RelatedLink:
    entry = _list(value, "a related entry")
    if len(entry) != 5:
        raise CodecError("a related entry has the wrong size")
    title, url, source, excerpt, published = entry
    return RelatedLink(
        _text(title, "a related title"),
        _maybe_text(url, "a related link"),
        _maybe_text(source, "a related source"),
        _maybe_text(excerpt, "a related excerpt"),
        _maybe_text(published, "a related date"),
    )


def _section(value: Any, body: int) -> Section:
    entry = _list(value, "a section")
    if len(entry) != 5:
        raise CodecError("a section has the wrong size")
    heading, anchor, level, start, end = entry
    section = Section(
        _text(heading, "a heading"),
        _text(anchor, "an anchor"),
        _integer(level, "a heading level"),
        _integer(start, "a section start"),
        _integer(end, "a section end"),
    )
    if not section.start <= section.end <= body:
        raise CodecError("a section lies outside its article")
    return section


def decode_article(value: Any) -> Article:
    """An article from its JSON values; raises :class:`CodecError` when one is amiss."""
    data = _object(value, "an article")
    try:
        body = _text(data["body"], "a body")
        return Article(
            id=_text(data["id"], "an id"),
            title=_text(data["title"], "a title"),
            url=_maybe_text(data["url"], "a link"),
            source=_maybe_text(data["source"], "a source"),
            published=_maybe_text(data["published"], "a date"),
            topics=tuple(_text(t, "a topic") for t in _list(data["topics"], "topics")),
            excerpt=_maybe_text(data["excerpt"], "an excerpt"),
            body=body,
            code=_text(data["code"], "code"),
            related=tuple(_related(r) for r in _list(data["related"], "related")),
            images=tuple(_text(i, "an image") for i in _list(data["images"], "images")),
            authors=tuple(_text(a, "an author") for a in _list(data["authors"], "authors")),
            sections=tuple(_section(s, len(body)) for s in _list(data["sections"], "sections")),
        )
    except KeyError as exc:
        raise CodecError(f"an article lacks {exc}") from None


def decode_skipped(value: Any) -> tuple[Skipped, ...]:
    """Skipped files and why."""
    found = []
    for entry in _list(value, "skipped files"):
        pair = _list(entry, "a skipped file")
        if len(pair) != 2:
            raise CodecError("a skipped file has the wrong size")
        found.append(Skipped(_text(pair[0], "a path"), _text(pair[1], "a reason")))
    return tuple(found)


def decode_terms(value: Any, what: str) -> tuple[str, ...]:
    """A matrix's terms, each once."""
    terms = tuple(_all(_list(value, what), (str,), what))
    if len(set(terms)) != len(terms):
        raise CodecError(f"{what} repeat a term")
    return terms


def _all(values: list[Any], kinds: tuple[type, ...], what: str) -> list[Any]:
    """``values`` when every one is of ``kinds`` (checked at C speed: 100,000 at start-up)."""
    if not set(map(type, values)) <= set(kinds):
        raise CodecError(f"{what} is not what it must be")
    return values


def decode_catalog(value: Any) -> Catalog:
    """The articles' catalog: ids (ascending, each once), links, sources, dates, topics."""
    data = _object(value, "the catalog")
    try:
        ids, urls, sources, published, topics = (
            _list(data[name], name) for name in ("ids", "urls", "sources", "published", "topics")
        )
    except KeyError as exc:
        raise CodecError(f"the catalog lacks {exc}") from None
    if any(len(column) != len(ids) for column in (urls, sources, published, topics)):
        raise CodecError("the catalog's columns differ in length")
    _all(ids, (str,), "an id")
    if any(a >= b for a, b in pairwise(ids)):
        raise CodecError("the articles are out of order")
    maybe = (str, type(None))
    _all(topics, (list,), "topics")
    _all(list(chain.from_iterable(topics)), (str,), "a topic")
    return Catalog(
        tuple(ids),
        tuple(_all(urls, maybe, "a link")),
        tuple(_all(sources, maybe, "a source")),
        tuple(_all(published, maybe, "a date")),
        tuple(map(tuple, topics)),
    )


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """The JSON part of a saved :class:`~bot.index.parts.Prepared`."""

    key: str
    terms: tuple[str, ...]


def decode_prepared(value: Any) -> PreparedRecord:
    """The key and the vocabulary of what an index prepared."""
    data = _object(value, "the prepared record")
    return PreparedRecord(
        _text(data.get("key"), "the prepared key"),
        decode_terms(data.get("terms"), "the engine's terms"),
    )
