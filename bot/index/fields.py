"""The fields of an article, and how much each counts in BM25F."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from bot.model import Article
from bot.text.analysis import analyze, camel_terms, terms_of_word, words_of

FIELDS: tuple[str, ...] = ("title", "headings", "excerpt", "body", "code", "meta", "related")
# Adjacent word pairs of the title and headings: not scored by BM25F, looked up to
# reward a question whose words stand together there (a phrase).
PAIRS = "pairs"
STORED_FIELDS: tuple[str, ...] = (*FIELDS, PAIRS)
# Short fields: a title is as long as it needs to be, so its length says little.
SHORT_FIELDS = frozenset({"title", "headings", "meta"})


@dataclass(frozen=True, slots=True)
class Weights:
    """BM25F parameters: how much a word counts in each field, and length normalisation.

    Each field's term frequency is normalised by that field's own length
    against the field's average (``b`` for long fields, ``b_short`` for the
    title, headings and metadata), weighted, and summed into one frequency
    that saturates once with ``k1`` (Robertson and Zaragoza's BM25F).
    """

    title: float = 3.0
    headings: float = 2.0
    excerpt: float = 1.0
    body: float = 1.0
    code: float = 0.25
    meta: float = 0.5
    related: float = 1.0
    k1: float = 2.0
    b: float = 0.65
    b_short: float = 0.2

    def of(self, name: str) -> float:
        """The weight of field ``name``."""
        return float(getattr(self, name))

    def b_of(self, name: str) -> float:
        """The length normalisation of field ``name``."""
        return self.b_short if name in SHORT_FIELDS else self.b


def field_texts(article: Article) -> dict[str, str]:
    """The text of each indexed field of an article."""
    meta = " ".join((*article.topics, article.source or "", *article.authors))
    return {
        "title": article.title,
        "headings": article.headings,
        "excerpt": article.excerpt or "",
        "body": article.body,
        "code": article.code,
        "meta": meta,
        "related": " ".join(f"{link.title} {link.excerpt or ''}" for link in article.related),
    }


def analyse_fields(article: Article) -> tuple[dict[str, Counter[str]], set[str]]:
    """Each stored field's term counts, and the article's alphabetic content words
    (for the speller)."""
    words: set[str] = set()
    counts: dict[str, Counter[str]] = {}
    for name, text in field_texts(article).items():
        counts[name] = Counter(analyze_with_words(text, words)) if text else Counter()
    counts[PAIRS] = Counter(
        pair for line in (article.title, *article.headings.splitlines()) for pair in pairs(line)
    )
    return counts, words


def pairs(text: str) -> list[str]:
    """Adjacent words of ``text`` as pairs of their (first) terms, stop words left out:
    "Let chains in if and while" gives "let chain", "chain while"."""
    terms = [found[0] for word in words_of(text) if (found := terms_of_word(word))]
    return phrase_pairs(terms)


def phrase_pairs(terms: list[str]) -> list[str]:
    """Each two neighbouring terms as one pair term ("let chain")."""
    return [f"{a} {b}" for a, b in itertools.pairwise(terms) if a != b]


def analyze_with_words(text: str, words: set[str]) -> list[str]:
    """Index terms of ``text`` (camelCase parts too); its alphabetic content words are
    added to ``words``."""
    terms: list[str] = []
    for word in words_of(text):
        found = terms_of_word(word)
        if found:
            terms.extend(found)
            if word.isalpha():
                words.add(word)
    terms.extend(camel_terms(text))
    return terms


def title_terms(article: Article) -> dict[str, int]:
    """The distinct terms of an article's title (each counted once)."""
    return dict.fromkeys(analyze(article.title), 1)
