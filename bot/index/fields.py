"""The fields of an article, and how much each counts in BM25F."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from bot.index.passages import body_passages, has_excerpt
from bot.model import Article, RelatedLink
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
        "related": " ".join(related_text(link) for link in article.related),
    }


def related_text(link: RelatedLink) -> str:
    """The indexed text of one ``related`` entry: its title and excerpt."""
    return f"{link.title} {link.excerpt or ''}"


@dataclass(frozen=True, slots=True)
class Analysed:
    """One article's analysis: each stored field's term counts, the term counts of each
    of its passages (see :mod:`bot.index.passages`), and its alphabetic content words
    (for the speller)."""

    fields: dict[str, Counter[str]]
    passages: list[Counter[str]]
    words: set[str]


def analyse_fields(article: Article) -> Analysed:
    """Analyse an article's fields and passages, each piece of text once: the body's
    counts are the sum of its passages' (no token crosses a blank line), and so are
    the ``related`` entries'. The first passage also holds the title's words."""
    words: set[str] = set()
    counts: dict[str, Counter[str]] = {}
    texts = field_texts(article)
    body: Counter[str] = Counter()
    passages: list[Counter[str]] = []
    # the title joins the first passage: the excerpt, or else the body's first
    counts["title"] = Counter(analyze_with_words(texts["title"], words))
    title: Counter[str] | None = counts["title"]
    if has_excerpt(article):
        counts["excerpt"] = Counter(analyze_with_words(texts["excerpt"], words))
        passages.append(counts["excerpt"] + counts["title"])
        title = None
    heading_terms: dict[str, Counter[str]] = {}
    for piece in body_passages(article):
        found = Counter(analyze_with_words(piece.text, words))
        body.update(found)
        if piece.heading:
            if piece.heading not in heading_terms:
                heading_terms[piece.heading] = Counter(analyze(piece.heading))
            found.update(heading_terms[piece.heading])
        if title is not None:
            found.update(title)
            title = None
        passages.append(found)
    counts["body"] = body
    # the same story from elsewhere: each entry is a passage of evidence too
    related: Counter[str] = Counter()
    for link in article.related:
        found = Counter(analyze_with_words(related_text(link), words))
        related.update(found)
        passages.append(found)
    counts["related"] = related
    for name, text in texts.items():
        if name not in counts:
            counts[name] = Counter(analyze_with_words(text, words)) if text else Counter()
    counts[PAIRS] = Counter(
        pair for line in (article.title, *article.headings.splitlines()) for pair in pairs(line)
    )
    return Analysed({name: counts[name] for name in STORED_FIELDS}, passages, words)


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
