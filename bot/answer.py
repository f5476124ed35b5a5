"""From search hits to an :class:`Answer`: passages, highlights, citations, related links.

Every sentence of an answer is quoted from the corpus. The abstain decision is
made here: the best article must cover enough of the question's weight.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from bot.analysis import surface_words, terms_of_word
from bot.corpus import Article
from bot.excerpt import Excerpt, best_passage
from bot.metadata import RelatedLink
from bot.search import Filters, Hit, Index, Query


@dataclass(frozen=True, slots=True)
class Result:
    """One cited article: its passage and the other sources that carry the same story.

    The passage is quoted when first asked for: Discord and the text reply
    show only the top result's, so the others are often never needed.
    """

    article: Article
    score: float
    coverage: float
    quote: Callable[[], Excerpt]
    also: tuple[Article, ...] = ()
    _cache: list[Excerpt] = field(default_factory=list, compare=False, repr=False)

    @property
    def excerpt(self) -> Excerpt:
        """The one to three sentences of the article that best answer the question."""
        if not self._cache:
            self._cache.append(self.quote())
        return self._cache[0]


@dataclass(frozen=True, slots=True)
class Answer:
    """What the bot says to a question, before rendering."""

    query: str
    answered: bool
    results: tuple[Result, ...]
    related: tuple[RelatedLink, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    searched_for: str | None = None
    notes: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)
    took_ms: float = 0.0
    index_version: str = ""


@dataclass(frozen=True, slots=True)
class AnswerOptions:
    """How answers are made."""

    min_coverage: float = 0.5
    max_excerpt_chars: int = 400
    max_sentences: int = 3
    related_count: int = 3


def is_answered(hits: Sequence[Hit], query: Query, min_coverage: float) -> bool:
    """Whether the best hit answers the question well enough to say so.

    The measure is coverage: the share of the question's idf weight found in
    the best article. Words the corpus has never seen weigh the most, so a
    question about something absent falls below the bar.
    """
    if not hits or not query.terms:
        return False
    return hits[0].coverage >= min_coverage


def _link_key(title: str, url: str | None) -> str:
    return (url or "").rstrip("/").lower() or " ".join(title.lower().split())


def collect_related(
    top: Article | None,
    more: Sequence[Article],
    shown: Sequence[Article],
    count: int,
) -> tuple[RelatedLink, ...]:
    """Related reading: the top article's ``related`` entries, then the next best hits.

    Nothing already cited and nothing twice (same link or same title).
    """
    seen = {_link_key(a.title, a.url) for a in shown} | {
        " ".join(a.title.lower().split()) for a in shown
    }
    links: list[RelatedLink] = []
    candidates: list[RelatedLink] = list(top.related) if top else []
    candidates += [RelatedLink(a.title, a.url, a.source, None, a.published) for a in more]
    for link in candidates:
        keys = {_link_key(link.title, link.url), " ".join(link.title.lower().split())}
        if keys & seen:
            continue
        seen |= keys
        links.append(link)
        if len(links) >= count:
            break
    return tuple(links)


def build_answer(
    index: Index,
    query: Query,
    hits: Sequence[Hit],
    k: int,
    options: AnswerOptions,
    filters: Filters | None = None,
    notes: Sequence[str] = (),
) -> Answer:
    """Assemble the answer for the ``k`` best hits; ``hits`` beyond ``k`` feed related links."""
    answered = is_answered(hits, query, options.min_coverage)
    shown = list(hits[:k])
    results = tuple(
        Result(
            article=index.articles[hit.doc],
            score=round(hit.score, 4),
            coverage=round(hit.coverage, 4),
            quote=partial(
                best_passage,
                index.articles[hit.doc],
                query.terms,
                index.idf,
                options.max_sentences,
                options.max_excerpt_chars,
            ),
            also=tuple(index.articles[d] for d in hit.duplicates),
        )
        for hit in shown
    )
    if results:
        _ = results[0].excerpt  # every surface shows the top passage: quote it now
    top = results[0].article if results else None
    more = [index.articles[hit.doc] for hit in hits[k:]]
    related = collect_related(
        top if answered else None,
        more if answered else [],
        [r.article for r in results] + [a for r in results for a in r.also],
        options.related_count,
    )
    searched = " ".join(dict.fromkeys(_searched_words(query))) if query.corrections else None
    return Answer(
        query=query.text,
        answered=answered,
        results=results,
        related=related,
        corrections=query.corrections,
        searched_for=searched,
        notes=tuple(notes),
        filters=filters or Filters(),
    )


def _searched_words(query: Query) -> list[str]:
    """The question's words with corrections applied, for "showing results for …"."""
    fixes = dict(query.corrections)
    words: list[str] = []
    for word, _s, _e in surface_words(query.text):
        if terms_of_word(word):
            words.append(fixes.get(word, word))
    return words
