"""The reranker: the leading BM25F candidates reordered by a small learned model.

BM25F scores an article as a whole. What tells the right article from a close
one is often elsewhere: the question's words standing together in one passage,
every word of the question found, its phrases in a heading. For the
:data:`CANDIDATES` best articles by BM25F, :func:`features` measures such
evidence; a linear model learned offline (``python -m bench.rerank``) and
shipped as plain data in ``bot/data/rerank.json`` weighs it. Nothing is
trained at start-up.

A reranked score stays in BM25F's units and positive: the best BM25F
candidate keeps its score, and every other gets that score times
``exp(d)``, where ``d`` is how far the model puts it ahead (or behind), in
whole best BM25F scores (what the model trades for one). For small leads
that is about its BM25F score plus what its other evidence is worth. Pure
and synchronous.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Protocol

import numpy as np

from bot.index.articles import Catalog
from bot.index.fields import PAIRS
from bot.index.matrix import TermMatrix
from bot.index.passages import PassageScorer
from bot.index.query import Query
from bot.modelfile import numbers

MODEL_FILE = "rerank.json"
FORMAT = 1
# How many of the best articles by BM25F the model may reorder.
CANDIDATES = 10

FEATURES: tuple[str, ...] = (
    "score",  # BM25F score, as a share of the best candidate's
    "rank",  # log(1 + its place by BM25F)
    "passage",  # its best passage's BM25 score, as a share of the best candidate's
    "passage_ideal",  # the same against the best a passage could score for the question
    "text",  # share of the question's weight its passages (excerpt, body, headings) hold
    "coverage",  # share of the question's weight the article holds anywhere
    "complete",  # 1 when it holds every word of the question
    "title",  # share of the question's weight its title holds
    "headings",  # share its headings hold
    "phrase",  # share of the question's adjacent word pairs its title or headings hold
    "date",  # 1 when it was published when the question says
    "length",  # log(1 + its excerpt and body's length in terms)
)


class Candidates(Protocol):
    """What the reranker reads of an index (:class:`bot.index.search.Index`)."""

    catalog: Catalog
    fields: dict[str, TermMatrix]
    passages: PassageScorer
    text_lengths: np.ndarray

    @property
    def vocab(self) -> dict[str, int]:
        """The engine's term ids."""

    def term_weight(self, term: str, query: Query) -> float:
        """How much a question term matters."""

    def coverages(self, docs: Sequence[int], query: Query) -> list[tuple[float, frozenset[str]]]:
        """The share of the question's weight each article holds, and the terms it holds."""


class RerankModelError(ValueError):
    """A reranker model file that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class RerankModel:
    """A linear model over standardised features: ``sum(w * (x - mean) / scale)``."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]

    def values(self, table: np.ndarray) -> np.ndarray:
        """The model's value of each row of a :func:`features` table."""
        columns = [FEATURES.index(name) for name in self.features]
        x = (table[:, columns] - np.asarray(self.mean)) / np.asarray(self.scale)
        values: np.ndarray = x @ np.asarray(self.coef)
        return values

    def as_json(self, **extra: Any) -> dict[str, Any]:
        """The model as stored, with ``extra`` notes (what it was trained on, figures)."""
        return {
            "format": FORMAT,
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            **extra,
        }


def _numbers(data: Mapping[str, Any], key: str, size: int) -> tuple[float, ...]:
    return numbers(data, key, size, RerankModelError, "rerank model")


def parse_model(data: Mapping[str, Any]) -> RerankModel:
    """Check and build a model from its JSON form; it must weigh the BM25F score."""
    if data.get("format") != FORMAT:
        raise RerankModelError(f"rerank model: format {data.get('format')!r}, expected {FORMAT}")
    names = data.get("features")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise RerankModelError("rerank model: features must be a list of names")
    unknown = sorted(set(names) - set(FEATURES))
    if unknown:
        raise RerankModelError(f"rerank model: unknown features {', '.join(unknown)}")
    size = len(names)
    model = RerankModel(
        tuple(names), _numbers(data, "mean", size), _numbers(data, "scale", size),
        _numbers(data, "coef", size),
    )  # fmt: skip
    if any(s <= 0 for s in model.scale):
        raise RerankModelError("rerank model: every scale must be positive")
    if "score" not in model.features or score_unit(model) <= 0:
        raise RerankModelError("rerank model: the BM25F score must count for an article")
    return model


def score_unit(model: RerankModel) -> float:
    """What the model gives for the best candidate's whole BM25F score."""
    at = model.features.index("score")
    return model.coef[at] / model.scale[at]


@cache
def shipped_model() -> RerankModel:
    """The model that ships with the package (read once)."""
    text = resources.files("bot").joinpath("data", MODEL_FILE).read_text(encoding="utf-8")
    return parse_model(json.loads(text))


def features(
    index: Candidates,
    query: Query,
    scores: np.ndarray,
    docs: Sequence[int],
    wanted: Collection[str] = FEATURES,
    shares: dict[int, tuple[float, frozenset[str]]] | None = None,
) -> np.ndarray:
    """The :data:`FEATURES` of each candidate (rows in the order of ``docs``, best BM25F
    first); only those ``wanted`` are measured, the others stay 0. The candidates'
    coverages, when measured, are also put in ``shares`` (search reuses them)."""
    table = np.zeros((len(docs), len(FEATURES)), np.float64)
    if not docs:
        return table
    column = {name: n for n, name in enumerate(FEATURES)}
    weights = {term: index.term_weight(term, query) for term in query.terms}
    total = sum(weights.values()) or 1.0
    bm25 = scores[np.asarray(docs)].astype(np.float64)
    table[:, column["score"]] = bm25 / (bm25[0] or 1.0)
    table[:, column["rank"]] = np.log1p(np.arange(len(docs)))
    table[:, column["length"]] = index.text_lengths[np.asarray(docs)]
    if {"passage", "passage_ideal", "text"} & set(wanted):
        known = [(index.vocab[t], w) for t, w in weights.items() if t in index.vocab]
        ids = [term_id for term_id, _w in known]
        best, text = index.passages.evidence(
            docs, ids, [w for _id, w in known], held_too="text" in wanted
        )
        table[:, column["passage"]] = best / (float(best.max()) or 1.0)
        ideal = index.passages.ideal(ids)
        table[:, column["passage_ideal"]] = best / ideal if ideal > 0 else 0.0
        table[:, column["text"]] = text * sum(w for _id, w in known) / total
    if {"coverage", "complete"} & set(wanted):
        covered = index.coverages(docs, query)
        table[:, column["coverage"]] = [share for share, _held in covered]
        table[:, column["complete"]] = [share > 0.999 for share, _held in covered]
        if shares is not None:
            shares.update(zip(docs, covered, strict=True))
    for name in {"title", "headings"} & set(wanted):
        matrix = index.fields[name]
        table[:, column[name]] = [
            sum(w for w, h in zip(weights.values(), matrix.holding(d, weights), strict=True) if h)
            / total
            for d in docs
        ]
    if query.pairs and "phrase" in wanted:
        pairs = index.fields[PAIRS]
        table[:, column["phrase"]] = [
            sum(pairs.holding(d, query.pairs)) / len(query.pairs) for d in docs
        ]
    if query.dates and "date" in wanted:
        table[:, column["date"]] = [query.dates.matches(index.catalog.published[d]) for d in docs]
    return table


@dataclass(frozen=True, slots=True)
class Reranked:
    """What the reranker found for its candidates: their scores, in BM25F's units (see
    the module docstring), and what it measured that search and the abstain signals
    would otherwise measure again."""

    scores: dict[int, float]
    passage: dict[int, float]  # best passage score against the best a passage could score
    shares: dict[int, tuple[float, frozenset[str]]]  # coverage and question terms held


def rerank(
    index: Candidates, query: Query, scores: np.ndarray, docs: Sequence[int], model: RerankModel
) -> Reranked:
    """Rerank ``docs`` (the leading candidates by BM25F, best first)."""
    if len(docs) < 2:
        return Reranked({}, {}, {})
    shares: dict[int, tuple[float, frozenset[str]]] = {}
    table = features(index, query, scores, docs, model.features, shares)
    values = model.values(table)
    top = float(scores[docs[0]])
    # the model's lead over BM25F's best, in whole best BM25F scores
    lead = np.clip((values - values[0]) / score_unit(model), -50.0, 50.0)
    passage: dict[int, float] = {}
    if {"passage", "passage_ideal", "text"} & set(model.features):
        ratios = table[:, FEATURES.index("passage_ideal")].tolist()
        passage = dict(zip(docs, ratios, strict=True))
    return Reranked(
        {doc: top * math.exp(float(x)) for doc, x in zip(docs, lead, strict=True)},
        passage,
        shares,
    )
