"""What a search tells about whether the corpus answers a question: the abstain signals.

Each signal is a number, mostly a share from 0 to 1, measured on the best hit
and the question; :mod:`bot.answer.abstain` turns them into a confidence. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from bot.index.search import Hit, Index, Query
from bot.text import lexicon
from bot.text.analysis import terms_of_word

_MONTHS = (
    *("january", "february", "march", "april", "june", "july", "august", "september"),
    *("october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug"),
    *("sep", "sept", "oct", "nov", "dec"),
)

SIGNALS: tuple[str, ...] = (
    "coverage",  # share of the question's weight the best article holds
    "passage",  # share the quoted passage holds (with its headings)
    "passage_score",  # its best passage's BM25 score against the best a passage could score
    "title",  # share the best article's title holds
    "headings",  # share its headings hold
    "score_ratio",  # its BM25F score against the best a score could be for this question
    "margin",  # how far it leads the next hit, as a share of its score
    "unknown",  # share of the question's weight in words no article holds
    "missing",  # the weightiest question word the best article lacks, against the rarest
    "rare_held",  # share of the weight of the question's two weightiest words it holds
    "domain",  # share of the weight in words it holds that this corpus uses far more than English
    "number_mismatch",  # the question names a number or month its title has another of
    "terms",  # log(1 + the question's distinct terms)
    "corrected",  # share of the question's words read as typos of corpus words
    # the best article's cosine to the question (semantic stage; else 0): measured for
    # the calibration, which has left it out of both shipped models (it does not carry
    # from corpus to corpus)
    "cosine",
)


def question_weights(index: Index, query: Query) -> dict[str, float]:
    """Each question term's weight (its idf; a word no article holds, by its rarity)."""
    return {term: index.term_weight(term, query) for term in query.terms}


def _domain(index: Index, term: str, word: str) -> float:
    """0 to 1: how much more this corpus uses a word than English does (100 times: 1)."""
    corpus = index.collection_share(term)
    if corpus <= 0 or not word.isalpha():
        return 0.0
    return min(1.0, max(0.0, math.log10(corpus / lexicon.share(word)) / 2))


def _dates_and_numbers(terms: Sequence[str]) -> set[str]:
    return {t for t in terms if t[:1].isdigit() or t in _month_terms()}


_MONTH_TERMS: set[str] = set()


def _month_terms() -> set[str]:
    if not _MONTH_TERMS:
        _MONTH_TERMS.update(t for month in _MONTHS for t in terms_of_word(month))
    return _MONTH_TERMS


def _title_terms(index: Index, doc: int) -> list[str]:
    matrix = index.fields["title"]
    return [matrix.terms[term_id] for term_id in matrix.row(doc)]


def _field_share(index: Index, field: str, doc: int, weights: Mapping[str, float]) -> float:
    held = index.fields[field].holding(doc, weights)
    return sum(weight for weight, found in zip(weights.values(), held, strict=True) if found)


def _passage_score(index: Index, weights: Mapping[str, float], hit: Hit) -> float:
    if hit.passage is not None:  # the reranker measured it already
        return min(1.0, hit.passage)
    known = [(index.vocab[t], w) for t, w in weights.items() if t in index.vocab]
    ids = [term_id for term_id, _w in known]
    ideal = index.passages.ideal(ids)
    if ideal <= 0:
        return 0.0
    best, _held = index.passages.evidence([hit.doc], ids, [w for _id, w in known], held_too=False)
    return min(1.0, float(best[0]) / ideal)


def measure(
    index: Index,
    query: Query,
    hits: Sequence[Hit],
    passage_weight: float,
    weights: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """The signals of the best hit for ``query`` (all 0 when nothing was found);
    ``weights`` are the question's (:func:`question_weights`) when already known."""
    found = dict.fromkeys(SIGNALS, 0.0)
    weights = weights if weights is not None else question_weights(index, query)
    total = sum(weights.values())
    found["terms"] = math.log1p(len(query.terms))
    found["corrected"] = min(1.0, len(query.corrections) / max(1, query.words))
    if hits:
        found["cosine"] = max(0.0, hits[0].cosine or 0.0)
    if total <= 0:
        return found
    found["unknown"] = sum(weights[term] for term in query.unknown_terms) / total
    if not hits:
        return found
    top = hits[0]
    found["coverage"] = top.coverage
    found["passage"] = min(1.0, passage_weight / total)
    found["passage_score"] = _passage_score(index, weights, top)
    found["title"] = _field_share(index, "title", top.doc, weights) / total
    found["headings"] = _field_share(index, "headings", top.doc, weights) / total
    k1 = index.weights.k1
    ideal = sum(index.idf(term) for term in query.terms if term in index.doc_freq) * (k1 + 1)
    found["score_ratio"] = min(1.0, top.score / ideal) if ideal > 0 else 0.0
    held = {term: term in top.held for term in weights}
    rarest = math.log1p(len(index))  # the idf of a word in no article
    lacking = [weight for term, weight in weights.items() if not held[term]]
    found["missing"] = min(1.0, max(lacking, default=0.0) / rarest) if rarest > 0 else 0.0
    weightiest = sorted(weights, key=lambda term: -weights[term])[:2]
    found["rare_held"] = sum(weights[t] for t in weightiest if held[t]) / sum(
        weights[t] for t in weightiest
    )
    words = dict(query.sources)
    found["domain"] = (
        sum(weights[t] * _domain(index, t, words.get(t, t)) for t in weights if held[t]) / total
    )
    asked = _dates_and_numbers(query.terms)
    titled = _dates_and_numbers(_title_terms(index, top.doc))
    found["number_mismatch"] = float(bool(asked and titled and not asked & titled))
    if top.score > 0:
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        found["margin"] = max(0.0, (top.score - runner_up) / top.score)
    return found
