"""What an index computes from its parts for one set of weights (a :class:`Prepared`):
the engine's postings, the passages' weights, each term's share of the corpus, the
articles' text lengths and how many articles hold each word. Computed once and saved
with the parts (see :mod:`bot.index.store`), so a start-up need not compute it again.
Pure and synchronous.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np

from bot.index.engine import FieldStats, SparseEngine
from bot.index.fields import FIELDS, Weights
from bot.index.parts import Parts, Prepared
from bot.index.passages import PassageScorer

# Bump when what an index prepares from its parts (see Prepared) is computed otherwise.
PREPARED_VERSION = 1


def prepared_key(weights: Weights) -> str:
    """What an index's prepared arrays depend on besides its parts: the weights."""
    text = f"{PREPARED_VERSION}|{weights!r}|{FIELDS!r}"
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def prepare(parts: Parts, weights: Weights) -> Prepared:
    """The parts' saved :class:`Prepared` when made for these weights, else computed."""
    key = prepared_key(weights)
    if parts.prepared is not None and parts.prepared.key == key:
        return parts.prepared
    stats = [FieldStats(parts.fields[n], weights.of(n), weights.b_of(n)) for n in FIELDS]
    engine = SparseEngine(stats, len(parts.articles), weights.k1)
    passages = PassageScorer(parts.passages, parts.passage_ptr, engine.vocab)
    lengths = parts.fields["excerpt"].doc_lengths() + parts.fields["body"].doc_lengths()
    collection = _collection_shares(parts, global_ids(parts, engine.vocab), len(engine.vocab))
    return Prepared(
        key, engine.terms, engine.post_ptr, engine.post_docs, engine.post_weights,
        passages.terms, passages.weights, passages.passage_idf, collection, np.log1p(lengths),
        parts.words.doc_freqs(),
    )  # fmt: skip


def global_ids(parts: Parts, vocab: Mapping[str, int]) -> dict[str, np.ndarray]:
    """Each field's term ids as the engine's (0 for a term the engine lacks)."""
    return {
        name: np.fromiter(
            (vocab.get(t, 0) for t in parts.fields[name].terms),
            np.int64,
            len(parts.fields[name].terms),
        )
        for name in FIELDS
    }


# Fields of prose, whose words say what a corpus is about (code would count `self` and `fn`).
PROSE_FIELDS = ("title", "headings", "excerpt", "body", "related")


def _collection_shares(parts: Parts, global_ids: Mapping[str, np.ndarray], size: int) -> np.ndarray:
    """Each term's share of all the words of the corpus's prose, by term id."""
    counts = np.zeros(size, np.float64)
    for name in PROSE_FIELDS:
        matrix = parts.fields[name]
        if not len(matrix.tfs):
            continue
        ids = global_ids[name][matrix.term_ids]
        counts += np.bincount(ids, weights=matrix.tfs, minlength=size)
    total = counts.sum()
    return counts / total if total > 0 else counts
