"""The fields of an article and how much each counts: one weighted document per article."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.analysis import analyze, terms_of_word, words_of
from bot.corpus import Article

FIELDS: tuple[str, ...] = ("title", "excerpt", "body", "meta", "related")


@dataclass(frozen=True, slots=True)
class Weights:
    """Field weights (how many times a field's words count) and BM25 parameters.

    Fields are merged into one weighted document before scoring (the BM25F
    approximation): a word in the title counts ``title`` times, and length
    normalisation sees the weighted length. This ranks better than adding up
    separate per-field scores, which counts a word once per field it is in.
    """

    title: int = 3
    excerpt: int = 2
    body: int = 1
    meta: int = 1
    related: int = 1
    k1: float = 1.5
    b: float = 0.75

    def of(self, name: str) -> int:
        """The weight of field ``name``."""
        return int(getattr(self, name))


def field_texts(article: Article) -> dict[str, str]:
    """The text of each indexed field of an article."""
    meta = " ".join((*article.topics, article.source or "", *article.authors))
    return {
        "title": article.title,
        "excerpt": article.excerpt or "",
        "body": f"{article.body}\n{article.code}" if article.code else article.body,
        "meta": meta,
        "related": " ".join(f"{link.title} {link.excerpt or ''}" for link in article.related),
    }


def analyse_article(article: Article, weights: Weights) -> tuple[Counter[str], set[str]]:
    """An article's term counts (every field's words counting its weight) and content words."""
    words: set[str] = set()
    counts: Counter[str] = Counter()
    for name, text in field_texts(article).items():
        weight = weights.of(name)
        if weight <= 0 or not text:
            continue
        for term in analyze_with_words(text, words):
            counts[term] += weight
    return counts, words


def analyze_with_words(text: str, words: set[str]) -> list[str]:
    """Index terms of ``text``; its alphabetic content words are added to ``words``."""
    terms: list[str] = []
    for word in words_of(text):
        found = terms_of_word(word)
        if found:
            terms.extend(found)
            if word.isalpha():
                words.add(word)
    return terms


def title_terms(article: Article) -> dict[str, int]:
    """The distinct terms of an article's title (each counted once), for grouping duplicates."""
    return dict.fromkeys(analyze(article.title), 1)
