"""From search hits to an :class:`Answer`: passages, highlights, citations, related links.

Every sentence of an answer is quoted from the corpus. The abstain decision is
made here: the signals of the search (:mod:`bot.answer.signals`) give a confidence
(:mod:`bot.answer.abstain`), and the bot answers only when it is high enough.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from bot.answer.abstain import AbstainModel, offtopic_bar, offtopic_questions, shipped_model
from bot.answer.excerpt import Excerpt, best_passage
from bot.answer.related import similar
from bot.answer.signals import measure, question_weights
from bot.index.search import Hit, Index, Query
from bot.model import Article, Filters, RelatedLink, Section
from bot.text.analysis import surface_words, terms_of_word


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

    @property
    def section(self) -> Section | None:
        """The heading the quoted passage stands under (once it is quoted), if any."""
        return self._cache[0].section if self._cache else None

    @property
    def link(self) -> str | None:
        """The article's link, at the quoted section's anchor when the quote has one."""
        url, section = self.article.url, self.section
        if not url or section is None or not section.anchor or "#" in url:
            return url
        return f"{url}#{section.anchor}"

    @property
    def cited_title(self) -> str:
        """The article's title, with the quoted section's heading after a "›"."""
        section = self.section
        return f"{self.article.title} › {section.heading}" if section else self.article.title


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
    confidence: float = 0.0
    signals: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AnswerOptions:
    """How answers are made."""

    min_confidence: float = 0.5
    max_excerpt_chars: int = 400
    max_sentences: int = 3
    related_count: int = 3
    model: AbstainModel = field(default_factory=shipped_model)


def _link_key(title: str, url: str | None) -> str:
    return (url or "").rstrip("/").lower() or " ".join(title.lower().split())


def collect_related(
    top: Article | None,
    more: Sequence[Article],
    shown: Sequence[Article],
    count: int,
) -> tuple[RelatedLink, ...]:
    """Related reading: the top article's ``related`` entries, then ``more`` (the
    articles closest to it, see :mod:`bot.answer.related`).

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
    """Assemble the answer for the ``k`` best hits (one more, when there is one, tells
    how far the best leads)."""
    weights = question_weights(index, query)
    shown = list(hits[:k])
    results = tuple(
        Result(
            article=index.articles[hit.doc],
            score=round(hit.score, 4),
            coverage=round(hit.coverage, 4),
            quote=partial(
                best_passage,
                index.articles[hit.doc],
                weights,
                options.max_sentences,
                options.max_excerpt_chars,
            ),
            also=tuple(index.articles[d] for d in hit.duplicates),
        )
        for hit in shown
    )
    # every surface shows the top passage: quote it now (its weight is a signal too)
    passage = results[0].excerpt.weight if results else 0.0
    signals = measure(index, query, hits, passage, weights)
    confidence = options.model.confidence(signals) if hits and query.terms else 0.0
    answered = bool(hits) and confidence >= options.min_confidence
    top = results[0].article if results else None
    cited = {hit.doc for hit in shown} | {d for hit in shown for d in hit.duplicates}
    more = (
        [index.articles[d] for d in similar(index, shown[0].doc, 2 * options.related_count, cited)]
        if answered
        else []
    )
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
        confidence=round(confidence, 4),
        signals=signals,
    )


def confidence_of(
    index: Index, text: str, options: AnswerOptions, allowed: np.ndarray | None = None
) -> tuple[float, dict[str, float], list[Hit]]:
    """How confident the bot is that the corpus answers ``text``: the confidence, its
    signals and the hits (``allowed`` leaves articles out, as for calibration)."""
    query = index.parse(text)
    hits = index.search(query, 3, None, extra=1, allowed=allowed)
    if not hits:
        return 0.0, measure(index, query, hits, 0.0), hits
    weights = question_weights(index, query)
    passage = best_passage(index.articles[hits[0].doc], weights, options.max_sentences,
                           options.max_excerpt_chars)  # fmt: skip
    signals = measure(index, query, hits, passage.weight, weights)
    return options.model.confidence(signals), signals, hits


def bar_for(index: Index, options: AnswerOptions) -> float:
    """The confidence to answer in this corpus: the setting, or what off-topic questions
    reach here when that is higher (see :data:`bot.answer.abstain.OFFTOPIC_QUANTILE`)."""
    reached = [confidence_of(index, q, options)[0] for q in offtopic_questions()]
    return max(options.min_confidence, offtopic_bar(reached))


def _searched_words(query: Query) -> list[str]:
    """The question's words with corrections applied, for "showing results for …"."""
    fixes = dict(query.corrections)
    words: list[str] = []
    for word, _s, _e in surface_words(query.text):
        if terms_of_word(word):
            words.append(fixes.get(word, word))
    return words
