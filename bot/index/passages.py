"""Passages: an article cut into short stretches, so that a question's words found close
together count for more than the same words scattered over a long page.

An article's passages are its excerpt (with the title's words in the first
passage, whichever it is), then its body's paragraphs grouped to
about :data:`PASSAGE_WORDS` words without crossing a heading (each also holds
the words of the heading it stands under), then each of its ``related`` entries
(the same story told elsewhere: its title and excerpt). :class:`PassageScorer`
scores the passages of a few candidate articles with BM25 and gives each
article its best passage's score (the "max-passage" evidence of the reranker,
see :mod:`bot.index.rerank`). Pure and synchronous.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from bot.index.matrix import TermMatrix
from bot.index.parts import Stretches
from bot.model import Article, Section

# About this many words a passage: a paragraph or a few short ones.
PASSAGE_WORDS = 80
# At most this many passages an article: a longer one gets longer passages, so that
# the work per question stays bounded whatever an article's size.
MAX_PASSAGES = 200
# BM25 over passages: the usual saturation and length normalisation.
K1 = 1.2
B = 0.75


@dataclass(frozen=True, slots=True)
class Piece:
    """One passage of an article: the heading it stands under, and its text."""

    heading: str
    text: str


def _paragraphs(body: str) -> Iterator[tuple[int, str]]:
    position = 0
    for paragraph in body.split("\n\n"):
        if paragraph.strip():
            yield position, paragraph
        position += len(paragraph) + 2


def _section_at(sections: Sequence[Section], starts: Sequence[int], offset: int) -> int | None:
    """The deepest section holding ``offset`` (sections nest: a later start is deeper)."""
    n = bisect_right(starts, offset) - 1
    while n >= 0 and sections[n].end < offset:
        n -= 1
    return n if n >= 0 else None


def has_excerpt(article: Article) -> bool:
    """Whether the article's excerpt is a passage of its own (it holds more than spaces)."""
    return bool(article.excerpt and article.excerpt.strip())


def body_passages(article: Article) -> list[Piece]:
    """The body's paragraphs grouped into passages, each under its heading."""
    pieces: list[Piece] = []
    paragraphs = list(_paragraphs(article.body))
    if not paragraphs:
        return pieces
    total = sum(len(text.split()) for _at, text in paragraphs)
    target = max(PASSAGE_WORDS, -(-total // MAX_PASSAGES))
    sections = article.sections
    starts = [section.start for section in sections]
    current: list[str] = []
    words = 0
    heading: int | None = None
    for offset, text in paragraphs:
        where = _section_at(sections, starts, offset) if sections else None
        size = len(text.split())
        if current and (where != heading or words + size > target):
            pieces.append(Piece(_heading(sections, heading), "\n\n".join(current)))
            current, words = [], 0
        heading = where
        current.append(text)
        words += size
    if current:
        pieces.append(Piece(_heading(sections, heading), "\n\n".join(current)))
    return pieces


def _heading(sections: Sequence[Section], n: int | None) -> str:
    return sections[n].heading if n is not None else ""


class PassageScorer:
    """BM25 over every passage, computed for the passages of a few articles at a time.

    ``matrix`` holds one row per passage (every article's, in article order) and
    ``pointer`` the first passage of each article (one more than articles).
    Term ids are mapped to ``vocab`` (the engine's), so a question's term ids
    serve both. Each (term, passage) weight is computed once, here.
    """

    def __init__(self, matrix: TermMatrix, pointer: np.ndarray, vocab: dict[str, int]) -> None:
        """Precompute the BM25 weight of every (term, passage) entry."""
        ids = np.fromiter((vocab.get(t, -1) for t in matrix.terms), np.int64, len(matrix.terms))
        passages = matrix.documents
        lengths = matrix.doc_lengths()
        average = float(lengths.mean()) if passages and lengths.mean() > 0 else 1.0
        df = np.bincount(matrix.term_ids, minlength=len(matrix.terms)).astype(np.float64)
        idf = np.log1p((passages - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = (K1 * (1.0 - B + B * lengths / average)).astype(np.float32)
        tfs = matrix.tfs
        weights = idf[matrix.term_ids] * tfs * np.float32(K1 + 1) / (tfs + norm[matrix.doc_ids()])
        passage_idf = np.zeros(len(vocab), np.float32)
        known = ids >= 0
        passage_idf[ids[known]] = idf[known]
        terms = ids[matrix.term_ids].astype(np.int32)
        self._adopt(matrix.indptr, pointer, terms, weights, passage_idf)

    @classmethod
    def restored(
        cls,
        indptr: np.ndarray,
        pointer: np.ndarray,
        terms: Stretches,
        weights: Stretches,
        passage_idf: np.ndarray,
    ) -> PassageScorer:
        """A scorer from weights computed before (:attr:`terms`, :attr:`weights` and
        :attr:`passage_idf` of a scorer over the same passages and vocabulary)."""
        scorer = cls.__new__(cls)
        scorer._adopt(indptr, pointer, terms, weights, passage_idf)
        return scorer

    def _adopt(
        self,
        indptr: np.ndarray,
        pointer: np.ndarray,
        terms: Stretches,
        weights: Stretches,
        passage_idf: np.ndarray,
    ) -> None:
        self.indptr, self.pointer = indptr, pointer
        self.terms, self.weights, self.passage_idf = terms, weights, passage_idf

    def evidence(
        self,
        docs: Sequence[int],
        term_ids: Sequence[int],
        term_weights: Sequence[float],
        held_too: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``docs``: the score of its best passage for the question's terms,
        and (with ``held_too``) the share of the question's weight its passages hold
        (0 for an article without passages). A few numpy passes over the candidates'
        entries alone: the corpus's size does not matter."""
        best = np.zeros(len(docs), np.float32)
        held = np.zeros(len(docs), np.float64)
        total = float(sum(term_weights))
        if not len(docs) or not len(term_ids) or total <= 0:
            return best, held
        # each article's passages are consecutive rows, so its entries are one stretch
        at = np.asarray(docs, np.int64)
        first = self.indptr[self.pointer[at]]
        sizes = self.indptr[self.pointer[at + 1]] - first
        if not sizes.sum():
            return best, held
        lookup = np.zeros(len(self.passage_idf) + 1, bool)  # the last stands for -1
        lookup[np.asarray(term_ids, np.int64)] = True
        stretches = [slice(a, a + n) for a, n in zip(first.tolist(), sizes.tolist(), strict=True)]
        terms = np.concatenate([self.terms[piece] for piece in stretches])
        found = np.flatnonzero(lookup[terms])
        if not len(found):
            return best, held
        weights = np.concatenate([self.weights[piece] for piece in stretches])
        # back from a place in the stretches to its article, entry and passage
        starts = np.cumsum(sizes) - sizes
        doc = np.searchsorted(starts, found, side="right") - 1
        entry = found - starts[doc] + first[doc]
        passage = np.searchsorted(self.indptr, entry, side="right") - 1
        cuts = np.flatnonzero(np.concatenate(([True], passage[1:] != passage[:-1])))
        sums = np.add.reduceat(weights[found], cuts)
        np.maximum.at(best, doc[cuts], sums)
        if not held_too:
            return best, held
        # which question terms each article holds: (article, term) pairs, each once
        weight_of = dict(zip(term_ids, term_weights, strict=True))
        pairs = set(zip(doc.tolist(), terms[found].tolist(), strict=True))
        for n, term in pairs:
            held[n] += weight_of[term]
        return best, held / total

    def ideal(self, term_ids: Sequence[int]) -> float:
        """The best score a passage could reach for these terms (each once, at saturation)."""
        return float(self.passage_idf[np.asarray(term_ids, np.int64)].sum()) * (K1 + 1)
