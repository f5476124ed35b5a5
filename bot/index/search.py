"""BM25 search over weighted article fields, with filters and near-duplicate grouping.

An :class:`Index` is an immutable snapshot: built once from the analysed
corpus (off the event loop), then only read. Articles are scored with BM25F
over their fields (see :mod:`bot.index.fields` and :mod:`bot.index.engine`). Pure and
synchronous.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.index.articles import Catalog
from bot.index.engine import SparseEngine, top_positions
from bot.index.fields import FIELDS, Weights, analyze_with_words, field_texts, phrase_pairs
from bot.index.parts import Parts
from bot.index.passages import PassageScorer
from bot.index.prepare import global_ids, prepare
from bot.index.query import Query
from bot.index.rerank import CANDIDATES, Reranked, RerankModel, rerank
from bot.index.vectors import NEAREST, Semantic, fuse
from bot.model import Article, Filters
from bot.text import lexicon
from bot.text.analysis import camel_terms, is_unspaced, surface_words, terms_of_word
from bot.text.dates import asked_dates
from bot.text.typo import Speller, mend_identifier

__all__ = [
    "FIELDS",
    "Filters",
    "Hit",
    "Index",
    "Query",
    "Weights",
    "analyze_with_words",
    "field_texts",
    "group_duplicates",
    "passes",
]


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked article (the best of its group) with near-duplicates from other sources."""

    doc: int
    score: float
    coverage: float
    duplicates: tuple[int, ...] = ()
    held: frozenset[str] = frozenset()  # the question terms the article holds
    # its best passage's score against the best a passage could score, when the
    # reranker measured it
    passage: float | None = None
    cosine: float | None = None  # its best vector's cosine to the question (semantic stage)


class Index:
    """An immutable search snapshot over a list of articles.

    Articles are kept in id order, so a tie on score falls to the smaller id.
    """

    def __init__(
        self,
        parts: Parts,
        weights: Weights,
        unknown_word_weight: float = 3.0,
        reranker: RerankModel | None = None,
        semantic: Semantic | None = None,
    ) -> None:
        """An index over the analysed corpus (see :func:`bot.snapshot.build_index`).

        ``unknown_word_weight`` scales, for the abstain decision, a question
        word no article holds: a rare such word is most often the very thing
        the corpus does not cover. ``reranker`` reorders the leading articles
        (see :mod:`bot.index.rerank`); without one, BM25F's order stands.
        ``semantic`` adds the articles' vectors and the question encoder
        (see :mod:`bot.index.vectors`); without it, search is lexical alone.
        """
        self._setup(parts, weights, unknown_word_weight)
        self.reranker = reranker
        if semantic is not None and len(semantic.vectors) != len(parts.articles):
            raise ValueError("the vectors are not this corpus's")
        self.semantic = semantic

    def _setup(self, parts: Parts, weights: Weights, unknown_word_weight: float) -> None:
        self.weights = weights
        self.parts = parts
        self.articles = parts.articles
        self.catalog = parts.articles.catalog
        self.unknown_word_weight = unknown_word_weight
        self._ids = {article_id: n for n, article_id in enumerate(self.catalog.ids)}
        self.fields = parts.fields
        titles = parts.fields["title"]
        # memoryviews give Python ints without a numpy call per look-up
        self._title_ptr, self._title_ids = titles.indptr.data, titles.term_ids.data
        self.prepared = prepare(parts, weights)
        prepared = self.prepared
        self.engine = SparseEngine.restored(
            prepared.terms, prepared.post_ptr, prepared.post_docs, prepared.post_weights,
            len(self.articles),
        )  # fmt: skip
        self.doc_freq: dict[str, int] = dict(
            zip(self.engine.terms, self.engine.doc_freqs().tolist(), strict=True)
        )
        self.global_ids = global_ids(parts, self.engine.vocab)
        self.collection = prepared.collection
        self.passages = PassageScorer.restored(
            parts.passages.indptr, parts.passage_ptr, prepared.passage_terms,
            prepared.passage_weights, prepared.passage_idf,
        )  # fmt: skip
        self.text_lengths = prepared.text_lengths
        self._speller: Speller | None = None
        self._speller_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.articles)

    @property
    def vocab(self) -> dict[str, int]:
        """Every indexed term's id (the engine's)."""
        return self.engine.vocab

    def position(self, article_id: str) -> int | None:
        """The position of an article id in this index, or ``None``."""
        return self._ids.get(article_id)

    @property
    def speller(self) -> Speller:
        """The vocabulary's speller, built on first use (most questions never need it)."""
        with self._speller_lock:
            if self._speller is None:
                self._speller = Speller(self.parts.word_counts(self.prepared.word_freqs))
            return self._speller

    def idf(self, term: str) -> float:
        """A positive inverse document frequency over whole articles (unknown terms: highest)."""
        n = self.doc_freq.get(term, 0)
        return math.log(1.0 + (len(self.articles) - n + 0.5) / (n + 0.5))

    def parse(self, text: str, typo_tolerance: bool = True) -> Query:
        """Analyse a question; unknown words are matched to their nearest vocabulary words."""
        terms: list[str] = []
        sequence: list[str] = []  # one term a word, in order, for phrases
        sources: dict[str, str] = {}  # the word each term came from
        corrections: list[tuple[str, str]] = []
        unknown: dict[str, float] = {}
        words: list[str] = []
        for word, _start, _end in surface_words(text):
            words.append(word)
            found = terms_of_word(word)
            if found and not all(term in self.doc_freq for term in found):
                suggestions: list[str] = []
                spaced = word.isascii() or not is_unspaced(word)
                typo = spaced and word.isalpha() and not lexicon.is_common_word(word)
                if typo_tolerance and typo:
                    suggestions = self.speller.suggest(word)
                elif typo_tolerance and spaced and "_" in word:
                    suggestions = mend_identifier(word, self.speller, self.known_word)
                if suggestions:
                    corrections.append((word, suggestions[0]))
                    for suggestion in suggestions:
                        for term in terms_of_word(suggestion):
                            terms.append(term)
                            sources.setdefault(term, suggestion)
                    sequence.extend(terms_of_word(suggestions[0])[:1])
                    continue
                for term in found:
                    if term not in self.doc_freq and spaced:  # a missing pair of characters
                        unknown[term] = 1.0 if not word.isalpha() else lexicon.rarity(word)
            terms.extend(found)
            sequence.extend(found[:1])
            for term in found:
                sources.setdefault(term, word)
        for term in camel_terms(text):
            if term in self.doc_freq:
                terms.append(term)
                sources.setdefault(term, term)
        phrases = phrase_pairs(sequence)
        return Query(
            text,
            tuple(dict.fromkeys(terms)),
            tuple(corrections),
            tuple(unknown.items()),
            tuple(dict.fromkeys(phrases)),
            asked_dates(words),
            tuple(sources.items()),
            len(words),
            self.semantic.encode(text) if self.semantic is not None else None,
        )

    def known_word(self, word: str) -> bool:
        """Whether every term of ``word`` is in the corpus."""
        return all(term in self.doc_freq for term in terms_of_word(word))

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """The BM25 score of every article for ``terms`` (terms no article holds add nothing)."""
        return self.engine.scores(terms)

    def term_weight(self, term: str, query: Query) -> float:
        """How much a question term matters: its idf, or for a word no article
        holds, the highest idf scaled by how rare the word is in English."""
        for unknown, rarity in query.unknown:
            if unknown == term:
                return self.idf(term) * rarity * self.unknown_word_weight * self._unknown_scale
        return self.idf(term)

    @property
    def _unknown_scale(self) -> float:
        """How much a word missing from the corpus says, by vocabulary size.

        A small corpus has a small vocabulary, so ordinary words of a fair
        question are often missing from it: there, a missing word is weaker
        evidence that the question is off-topic. Full weight from 5,000 terms.
        """
        return min(1.0, math.sqrt(len(self.doc_freq) / 5000))

    def coverage(self, doc: int, query: Query) -> float:
        """Share of the question's weight that article ``doc`` contains (0 to 1)."""
        return self.coverages([doc], query)[0][0]

    def coverages(self, docs: Sequence[int], query: Query) -> list[tuple[float, frozenset[str]]]:
        """:meth:`coverage` of several articles, with the question terms each holds."""
        weights = [self.term_weight(term, query) for term in query.terms]
        total = sum(weights)
        found = [0.0] * len(docs)
        held: list[set[str]] = [set() for _doc in docs]
        for term, weight in zip(query.terms, weights, strict=True):
            for n, holds in enumerate(self.engine.holds_each(docs, term)):
                if holds:
                    found[n] += weight
                    held[n].add(term)
        return [
            (share / total if total > 0 else 0.0, frozenset(terms))
            for share, terms in zip(found, held, strict=True)
        ]

    def collection_share(self, term: str) -> float:
        """The term's share of all the words of the corpus's prose (0 when absent)."""
        term_id = self.engine.vocab.get(term)
        return float(self.collection[term_id]) if term_id is not None else 0.0

    def title_terms(self, doc: int) -> frozenset[int]:
        """The terms of an article's title, as ids (worked out when the index was built)."""
        return frozenset(self._title_ids[self._title_ptr[doc] : self._title_ptr[doc + 1]].tolist())

    def allowed(self, filters: Filters) -> np.ndarray | None:
        """A mask of the articles that pass ``filters``, or ``None`` when none is set."""
        if not filters.active():
            return None
        catalog = self.catalog
        return np.fromiter(
            (catalog.passes(n, filters) for n in range(len(catalog))), bool, len(catalog)
        )

    def search(
        self,
        query: Query,
        k: int,
        filters: Filters | None = None,
        duplicate_similarity: float = 0.6,
        extra: int = 0,
        allowed: np.ndarray | None = None,
    ) -> list[Hit]:
        """The ``k + extra`` best groups of articles for ``query``, best first.

        ``allowed``, a mask over the articles, leaves out the others as
        ``filters`` do (the calibration asks questions with their answers left
        out). Ties are broken by article id, so equal input gives equal output.
        """
        semantic = self.semantic if query.vector is not None else None
        if not self.articles or not (query.terms or semantic):
            return []
        scores = self.engine.scores(query.terms) if query.terms else np.zeros(len(self.articles))
        mask = self.allowed(filters or Filters())
        if allowed is not None:
            mask = allowed if mask is None else mask & allowed
        if mask is not None:
            scores = np.where(mask, scores, 0.0)  # every positive score is a candidate
        ranked = top_positions(scores, None, max(CANDIDATES, (k + extra) * 4 + 10))
        found = (
            rerank(self, query, scores, ranked[:CANDIDATES], self.reranker)
            if self.reranker
            else Reranked({}, {}, {})
        )
        boosted = found.scores
        cosines: dict[int, float] | None = None
        if semantic is not None and query.vector is not None:
            boosted, ranked, cosines = self._fused(
                scores, boosted, ranked, semantic, query.vector, mask
            )
        if boosted:  # the articles the model did not see stay below those it placed
            floor = min(boosted.values())
            for doc in ranked:
                if doc not in boosted:
                    boosted[doc] = min(float(scores[doc]), floor)
        ranked.sort(key=lambda doc: (-boosted.get(doc, float(scores[doc])), doc))
        groups = group_duplicates(ranked, self, duplicate_similarity, k + extra)
        kept = [lead for lead, _rest in groups[: k + extra]]
        if cosines is not None and semantic is not None and query.vector is not None:
            unseen = [lead for lead in kept if lead not in cosines]
            cosines.update(semantic.vectors.cosines_of(unseen, query.vector))
        shares = found.shares
        missing = [lead for lead in kept if lead not in shares]
        shares.update(zip(missing, self.coverages(missing, query), strict=True))
        return [
            Hit(
                lead,
                boosted.get(lead, float(scores[lead])),
                shares[lead][0],
                tuple(rest),
                shares[lead][1],
                found.passage.get(lead),
                cosines[lead] if cosines is not None else None,
            )
            for lead, rest in groups[: k + extra]
        ]

    def _fused(
        self,
        scores: np.ndarray,
        boosted: dict[int, float],
        ranked: list[int],
        semantic: Semantic,
        vector: np.ndarray,
        mask: np.ndarray | None,
    ) -> tuple[dict[int, float], list[int], dict[int, float]]:
        """BM25F's leading candidates and the nearest articles by cosine (among
        ``mask``'s), scored by :func:`bot.index.vectors.fuse`; the pool, then the rest
        of ``ranked``; and the pool's cosines."""
        leading = ranked[:CANDIDATES]
        closest = semantic.vectors.nearest_articles(vector, NEAREST, mask)
        pool = list(dict.fromkeys([*leading, *closest]))
        cosines = semantic.vectors.cosines_of(pool, vector)
        lexical = {doc: boosted.get(doc, float(scores[doc])) for doc in pool}
        fused = fuse(lexical, cosines, pool, semantic.weight)
        rest = [doc for doc in ranked if doc not in fused]
        return fused, pool + rest, cosines


def passes(article: Article, filters: Filters) -> bool:
    """Whether an article passes the filters (case-insensitive topic and source)."""
    return Catalog.of((article,)).passes(0, filters)


def _titles_alike(a: frozenset[int], b: frozenset[int], share: float) -> bool:
    """Titles sharing ``share`` of their words (Jaccard), at least three words each."""
    small, large = (len(a), len(b)) if len(a) <= len(b) else (len(b), len(a))
    if small < 3 or small < share * large:
        return False
    return len(a & b) >= share * len(a | b)


def group_duplicates(
    ranked: Sequence[int], index: Index, threshold: float, wanted: int | None = None
) -> list[tuple[int, list[int]]]:
    """Group near-duplicate stories (same link, or titles alike) under their best-ranked one.

    With ``wanted``, scanning stops once that many groups exist and twice as
    many articles were looked at (later ones could only add "also covered by").
    """
    groups: list[tuple[int, list[int]]] = []
    leads: list[tuple[str, frozenset[int]]] = []
    for seen, doc in enumerate(ranked):
        if wanted is not None and len(groups) >= wanted and seen >= 2 * wanted:
            break
        url, terms = index.catalog.urls[doc] or "", index.title_terms(doc)
        for (_lead, rest), (lead_url, lead_terms) in zip(groups, leads, strict=True):
            if (url and url == lead_url) or _titles_alike(terms, lead_terms, threshold):
                rest.append(doc)
                break
        else:
            groups.append((doc, []))
            leads.append((url, terms))
    return groups
