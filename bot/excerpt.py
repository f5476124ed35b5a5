"""Answer excerpts: the sentences of an article that best answer a question.

An :class:`Excerpt` is quoted text cut into segments, each marked as matched
or not, so that every surface can bold the matches with its own escaping.
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.analysis import analyze_folded, fold, stem_keys, tokens_with_offsets
from bot.corpus import Article

ELLIPSIS = "\u2026"
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "ms.", "dr.", "inc.", "st.", "no.")
# A sentence ends at . ! or ?, then maybe closing quotes or brackets, then space
# before a capital or a digit; the cut is the group. The pattern starts with its
# punctuation: a leading look-behind would be tried at every character.
_SENTENCE_END_RE = re.compile(r"[.!?]([\"'\u201d\u2019)\]]*\s+)(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
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


def _cut_at_sentence_ends(text: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for end in _SENTENCE_END_RE.finditer(text):
        pieces.append(text[start : end.start(1)])
        start = end.end(1)
    pieces.append(text[start:])
    return pieces


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping common abbreviations whole."""
    pieces = _cut_at_sentence_ends(paragraph.strip())
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


@lru_cache(maxsize=1024)
def quick_keys(terms: frozenset[str]) -> tuple[str, ...] | None:
    """Short strings one of which the folded text of any word holding one of ``terms``
    contains (see :func:`bot.analysis.stem_keys`).

    Numbers and identifiers are not stems: with one of those, no shortcut.
    """
    if not terms or not all(term.isalpha() for term in terms):
        return None
    return tuple(sorted({key for term in terms for key in stem_keys(term)}))


def _holds_any(folded: str, keys: tuple[str, ...]) -> bool:
    return any(key in folded for key in keys)


def _key_chunks(folded: str, keys: tuple[str, ...]) -> list[tuple[int, int]]:
    """The space-delimited stretches of ``folded`` that contain one of ``keys``.

    No token spans a space, so the tokens of a text are the tokens of its
    stretches: analysing only these finds every term a key can stand for.
    """
    chunks: set[tuple[int, int]] = set()
    for key in keys:
        at = folded.find(key)
        while at >= 0:
            start = folded.rfind(" ", 0, at) + 1
            end = folded.find(" ", at)
            end = len(folded) if end < 0 else end
            chunks.add((start, end))
            at = folded.find(key, end)
    return sorted(chunks)


def _matched(sentence: str, terms: frozenset[str], keys: tuple[str, ...] | None) -> frozenset[str]:
    """The ``terms`` that ``sentence`` holds."""
    folded = fold(sentence)
    if keys is None:
        return terms.intersection(analyze_folded(folded))
    found: set[str] = set()
    for start, end in _key_chunks(folded, keys):
        found.update(terms.intersection(analyze_folded(folded[start:end])))
    return frozenset(found)


def term_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """Where the words of ``text`` whose terms are in ``terms`` lie, in order."""
    keys = quick_keys(terms)
    if keys is None or not text.isascii():  # folding may move offsets: tokenize it all
        return [(t.start, t.end) for t in tokens_with_offsets(text) if t.term in terms]
    spans: list[tuple[int, int]] = []
    for start, end in _key_chunks(fold(text), keys):  # ASCII folds one for one
        spans.extend(
            (start + t.start, start + t.end)
            for t in tokens_with_offsets(text[start:end])
            if t.term in terms
        )
    return spans


def _windows(
    article: Article,
    weights: dict[str, float],
    max_sentences: int,
    max_chars: int,
) -> Iterator[_Window]:
    order = 0
    terms = frozenset(weights)
    keys = quick_keys(terms)
    for paragraph in _paragraphs(article):
        if keys is not None and not _holds_any(fold(paragraph), keys):
            continue  # no sentence of it can match: not worth splitting
        sentences = split_sentences(paragraph)
        matches = [_matched(s, terms, keys) for s in sentences]
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
    spans = term_spans(text, terms)
    first = spans[0][0] if spans else 0
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
    for start, end in term_spans(text, terms):
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        elif spans and not text[spans[-1][1] : start].strip():
            spans[-1][1] = end
        else:
            spans.append([start, end])
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
