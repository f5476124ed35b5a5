"""Related reading: articles close to the answer's article itself, not the next hits.

An article's most telling words are its rarest ones that it uses most (its
title and headings counting more). The articles sharing enough of that weight
are related; when none does, there is no related reading rather than filler.
Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np

from bot.index.search import Index

# Fields that say what an article is about, and how much their words count here.
_ABOUT = {"title": 3.0, "headings": 2.0, "excerpt": 2.0, "body": 1.0}
# How many of an article's words stand for it,
_KEY_TERMS = 8
# each used at least this much (twice in the body, or once in the title, headings or excerpt).
_MIN_USES = 2.0
# A word in more than this share of the articles (or this many) says little about any one.
_MAX_SHARE = 0.05
_MAX_ARTICLES = 100
# A related article holds at least this share of the score the article gets against itself,
MIN_SIMILARITY = 0.3
# and at least this many of its key terms (one word in common is happenstance).
MIN_SHARED = 2


def key_terms(index: Index, doc: int) -> dict[int, float]:
    """The article's rarest, most used words (engine term ids), each with its weight:
    log(1 + weighted count) times idf, the count of its best field."""
    ids, counts = [], []
    for name, weight in _ABOUT.items():
        matrix = index.fields[name]
        start, end = int(matrix.indptr[doc]), int(matrix.indptr[doc + 1])
        if start == end:
            continue
        ids.append(index.global_ids[name][matrix.term_ids[start:end]])
        counts.append(matrix.tfs[start:end] * np.float32(weight))
    if not ids:
        return {}
    found, totals = np.concatenate(ids), np.concatenate(counts)
    engine = index.engine
    freqs = engine.df[found]
    ceiling = max(2, min(_MAX_ARTICLES, math.ceil(_MAX_SHARE * len(index))))
    telling = (freqs > 1) & (freqs <= ceiling) & (totals >= _MIN_USES)
    found, totals = found[telling], totals[telling]
    scores = np.log1p(totals) * engine.idf[found]
    chosen: dict[int, float] = {}
    for at in np.lexsort((found, -scores)).tolist():  # a term met again is in a lesser field
        chosen.setdefault(int(found[at]), float(scores[at]))
        if len(chosen) >= _KEY_TERMS:
            break
    return chosen


def similar(
    index: Index,
    doc: int,
    count: int,
    exclude: Collection[int] = (),
    min_similarity: float = MIN_SIMILARITY,
) -> list[int]:
    """Up to ``count`` articles closest to article ``doc``, closest first (ties by id).

    Only the postings of the article's key terms are read: rare terms have
    short lists, so this costs little whatever the corpus's size.
    """
    terms = key_terms(index, doc)
    if not terms or count <= 0:
        return []
    docs_parts, weight_parts = [], []
    for term_id, weight in terms.items():
        docs, weights = index.engine.postings_of(term_id)
        docs_parts.append(docs)
        weight_parts.append(weights * np.float32(weight))
    docs = np.concatenate(docs_parts)
    order = np.argsort(docs, kind="stable")
    docs, weights = docs[order], np.concatenate(weight_parts)[order]
    starts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
    found = docs[starts]
    totals = np.add.reduceat(weights.astype(np.float64), starts)
    shared = np.diff(np.append(starts, len(docs)))  # how many key terms each holds
    at = int(np.searchsorted(found, doc))
    own = float(totals[at]) if at < len(found) and found[at] == doc else 0.0
    if own <= 0:
        return []
    keep = (totals >= min_similarity * own) & (shared >= min(MIN_SHARED, len(terms)))
    for other in (*exclude, doc):
        at = int(np.searchsorted(found, other))
        if at < len(found) and found[at] == other:
            keep[at] = False
    found, totals = found[keep], totals[keep]
    order = np.lexsort((found, -totals))[:count]  # closest first, ties by id
    closest: list[int] = found[order].tolist()
    return closest
