"""Answer excerpts: the sentences of an article that best answer a question.

An :class:`Excerpt` is quoted text cut into segments, each marked as matched
or not, so that every surface can bold the matches with its own escaping.
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from bot.analysis import analyze_folded, fold, tokens_with_offsets
from bot.corpus import Article

ELLIPSIS = "\u2026"
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "ms.", "dr.", "inc.", "st.", "no.")
_SENTENCE_RE = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
_MIN_SENTENCE_CHARS = 25


@dataclass(frozen=True, slots=True)
class Excerpt:
    """Quoted text as ``(text, matched)`` segments."""

    segments: tuple[tuple[str, bool], ...] = ()

    @property
    def plain(self) -> str:
        """The text without any marking."""
        return "".join(text for text, _bold in self.segments)

    def markdown(self, escape: Callable[[str], str] = lambda s: s) -> str:
        """The text with matched words in ``**bold**``; ``escape`` applies to corpus text."""
        parts = []
        for text, bold in self.segments:
            parts.append(f"**{escape(text)}**" if bold else escape(text))
        return "".join(parts)


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping common abbreviations whole."""
    pieces = _SENTENCE_RE.split(paragraph.strip())
    sentences: list[str] = []
    for piece in pieces:
        if sentences and sentences[-1].lower().endswith(_ABBREVIATIONS):
            sentences[-1] = f"{sentences[-1]} {piece}"
        elif piece.strip():
            sentences.append(piece.strip())
    return sentences


def _paragraphs(article: Article) -> Iterator[str]:
    """The excerpt first, then the body's paragraphs."""
    if article.excerpt:
        yield article.excerpt
    for paragraph in article.body.split("\n\n"):
        if paragraph.strip():
            yield paragraph


def _units(article: Article) -> Iterator[list[str]]:
    """Paragraphs as lists of sentences: the excerpt first, then the body."""
    for paragraph in _paragraphs(article):
        yield split_sentences(paragraph)


@dataclass(frozen=True, slots=True)
class _Window:
    score: float
    text: str
    order: int


def _might_hold(folded: str, prefixes: tuple[str, ...] | None) -> bool:
    return prefixes is None or any(prefix in folded for prefix in prefixes)


def _matched(
    sentence: str, terms: frozenset[str], prefixes: tuple[str, ...] | None
) -> frozenset[str]:
    folded = fold(sentence)
    if not _might_hold(folded, prefixes):
        return frozenset()
    return terms.intersection(analyze_folded(folded))


def quick_prefixes(terms: frozenset[str]) -> tuple[str, ...] | None:
    """Short strings one of which a sentence must contain to hold any of ``terms``.

    Snowball stems keep the start of the word, so a sentence whose folded text
    lacks a stem's first four letters cannot hold that stem. Numbers and
    identifiers are not stems: with one of those, no shortcut.
    """
    if not terms or not all(term.isalpha() for term in terms):
        return None
    return tuple(sorted({term[:4] for term in terms}))


def _windows(
    article: Article,
    weights: dict[str, float],
    max_sentences: int,
    max_chars: int,
) -> Iterator[_Window]:
    order = 0
    terms = frozenset(weights)
    quick = quick_prefixes(terms)
    for paragraph in _paragraphs(article):
        if not _might_hold(fold(paragraph), quick):
            continue  # no sentence of it can match: not worth splitting
        sentences = split_sentences(paragraph)
        matches = [_matched(s, terms, quick) for s in sentences]
        for start in range(len(sentences)):
            if len(sentences[start]) < _MIN_SENTENCE_CHARS or not matches[start]:
                continue
            found: set[str] = set()
            for end in range(start, min(start + max_sentences, len(sentences))):
                found |= matches[end]
                text = " ".join(sentences[start : end + 1])
                if end > start and len(text) > max_chars:
                    break
                score = sum(weights[term] for term in found)
                # a longer window must earn its length with new matched words
                yield _Window(score - 0.01 * (end - start), text, order)
                order += 1


def _fallback(article: Article, max_chars: int) -> str:
    """Text to show when no sentence matches: the excerpt or the opening sentences."""
    if article.excerpt:
        return article.excerpt
    sentences: list[str] = []
    for unit in _units(article):
        for sentence in unit:
            if len(" ".join([*sentences, sentence])) > max_chars and sentences:
                return " ".join(sentences)
            sentences.append(sentence)
            if len(sentences) >= 2:
                return " ".join(sentences)
    return " ".join(sentences) or article.title


def best_passage(
    article: Article,
    terms: Sequence[str],
    idf: Callable[[str], float],
    max_sentences: int = 3,
    max_chars: int = 400,
) -> Excerpt:
    """The one to ``max_sentences`` consecutive sentences that best match ``terms``.

    Sentences are scored by the idf of the distinct question terms they hold;
    among equal windows the earliest and shortest wins. The text is cut to
    ``max_chars`` around its first match and the matched words are marked.
    """
    wanted = frozenset(terms)
    weights = {term: idf(term) for term in wanted}
    best: _Window | None = None
    for window in _windows(article, weights, max_sentences, max_chars):
        if best is None or (window.score, -window.order) > (best.score, -best.order):
            best = window
    text = best.text if best else _fallback(article, max_chars)
    return highlight(trim(text, wanted, max_chars), wanted)


def trim(text: str, terms: frozenset[str], max_chars: int) -> str:
    """Cut ``text`` at word boundaries to ``max_chars``, keeping its first match in view."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    first = next((t.start for t in tokens_with_offsets(text) if t.term in terms), 0)
    start = 0
    if first > max_chars // 3:
        start = text.rfind(" ", 0, first - max_chars // 4) + 1
    end = start + max_chars - 2
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    piece = text[start:end].strip().rstrip(",;:-\u2013\u2014")
    prefix = ELLIPSIS + " " if start > 0 else ""
    suffix = " " + ELLIPSIS if end < len(text) else ""
    return f"{prefix}{piece}{suffix}"


def highlight(text: str, terms: frozenset[str]) -> Excerpt:
    """Mark the words of ``text`` whose terms are in ``terms``; adjacent matches merge."""
    spans: list[list[int]] = []
    for token in tokens_with_offsets(text):
        if token.term not in terms:
            continue
        if spans and token.start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], token.end)
        elif spans and not text[spans[-1][1] : token.start].strip():
            spans[-1][1] = token.end
        else:
            spans.append([token.start, token.end])
    segments: list[tuple[str, bool]] = []
    position = 0
    for start, end in spans:
        if start > position:
            segments.append((text[position:start], False))
        segments.append((text[start:end], True))
        position = end
    if position < len(text):
        segments.append((text[position:], False))
    return Excerpt(tuple(segments))
