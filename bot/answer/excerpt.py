"""Answer excerpts: the sentences of an article that best answer a question.

An :class:`Excerpt` is quoted text cut into segments (plain, matched or inline
code), so that every surface can bold the matches with its own escaping and
show code verbatim. For a page with headings the quote comes from the section
whose heading and text match best, and the excerpt names that section so a
citation can link to its anchor. Pure: no I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.model import Article, Section
from bot.text.analysis import (
    analyze,
    analyze_folded,
    camel_terms,
    fold,
    stem_keys,
    tokens_with_offsets,
)

ELLIPSIS = "\u2026"
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "ms.", "dr.", "inc.", "st.", "no.")
# A sentence ends at . ! or ?, then maybe closing quotes or brackets, then space
# before a capital or a digit; the cut is the group. The pattern starts with its
# punctuation: a leading look-behind would be tried at every character.
_SENTENCE_END_RE = re.compile(r"[.!?]([\"'\u201d\u2019)\]]*\s+)(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
_MIN_SENTENCE_CHARS = 25
# A question word found in a passage's heading (or its parents') counts this share of its weight.
HEADING_SHARE = 0.5
# A quote is looked for in the first this many characters of an article's body.
SCAN_CHARS = 200_000

PLAIN, MATCH, CODE = "plain", "match", "code"


@dataclass(frozen=True, slots=True)
class Excerpt:
    """Quoted text as ``(text, kind)`` segments: plain, a match, or inline code (with
    its backticks). ``weight`` is the question weight the passage holds; ``section``
    the heading it stands under, if any."""

    segments: tuple[tuple[str, str], ...] = ()
    weight: float = 0.0
    section: Section | None = None

    @property
    def plain(self) -> str:
        """The text without any marking (inline code keeps its backticks)."""
        return "".join(text for text, _kind in self.segments)

    def markdown(
        self,
        escape: Callable[[str], str] = lambda s: s,
        code: Callable[[str], str] = lambda s: s,
    ) -> str:
        """Matches in ``**bold**``, code verbatim; ``escape`` applies to the text and
        ``code`` to inline code (with its backticks), for a surface's own safety."""
        parts = []
        for text, kind in self.segments:
            if kind == CODE:
                parts.append(code(text))
            elif kind == MATCH:
                parts.append(f"**{escape(text)}**")
            else:
                parts.append(escape(text))
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


def _paragraphs(article: Article) -> Iterator[tuple[str, int | None]]:
    """The excerpt first (no place in the body), then the body's paragraphs and offsets,
    up to :data:`SCAN_CHARS` of the body: the work of a quote is bounded whatever an
    article's size (a huge page is quoted from its opening stretch)."""
    if article.excerpt:
        yield article.excerpt[:SCAN_CHARS], None
    body = article.body
    position = 0
    while position < min(len(body), SCAN_CHARS):
        end = body.find("\n\n", position, SCAN_CHARS)
        end = min(len(body), SCAN_CHARS) if end < 0 else end
        paragraph = body[position:end]
        if paragraph.strip():
            yield paragraph, position
        position = end + 2


@dataclass(frozen=True, slots=True)
class _Window:
    score: float
    weight: float
    text: str
    order: int
    section: Section | None


@lru_cache(maxsize=1024)
def quick_keys(terms: frozenset[str]) -> tuple[str, ...] | None:
    """Short strings one of which the folded text of any word holding one of ``terms``
    contains (see :func:`bot.text.analysis.stem_keys`).

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
    """The ``terms`` that ``sentence`` holds (camelCase parts included)."""
    folded = fold(sentence)
    camel = not sentence.islower() and not sentence.isupper()  # else no camelCase word
    if keys is None:
        return terms.intersection(analyze_folded(folded) + (camel_terms(sentence) if camel else []))
    found: set[str] = set()
    camel = camel and sentence.isascii()  # offsets then match the folded text's
    for start, end in _key_chunks(folded, keys):
        found.update(terms.intersection(analyze_folded(folded[start:end])))
        if camel:
            found.update(terms.intersection(camel_terms(sentence[start:end])))
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


class _Sections:
    """Which section a body offset falls in, and the question weight its headings hold."""

    def __init__(self, article: Article, weights: Mapping[str, float]) -> None:
        self.sections = article.sections
        self.starts = [section.start for section in self.sections]
        self.weights = weights
        self._held: dict[int, frozenset[str]] = {}

    def at(self, offset: int | None) -> int | None:
        """The deepest section holding ``offset`` (its index), or None."""
        if offset is None:
            return None
        n = bisect_right(self.starts, offset) - 1
        while n >= 0 and self.sections[n].end < offset:
            n = self._parent(n)
        return n if n >= 0 else None

    def _parent(self, n: int) -> int:
        level = self.sections[n].level
        for m in range(n - 1, -1, -1):
            if self.sections[m].level < level:
                return m
        return -1

    def heading_terms(self, n: int | None) -> frozenset[str]:
        """The question terms in the headings of section ``n`` and its parents."""
        if n is None:
            return frozenset()
        if n not in self._held:
            found: set[str] = set()
            m = n
            while m >= 0:
                found.update(analyze(self.sections[m].heading))
                m = self._parent(m)
            self._held[n] = frozenset(found).intersection(self.weights)
        return self._held[n]


def _windows(
    article: Article,
    weights: Mapping[str, float],
    max_sentences: int,
    max_chars: int,
) -> Iterator[_Window]:
    order = 0
    terms = frozenset(weights)
    keys = quick_keys(terms)
    sections = _Sections(article, weights)
    for paragraph, offset in _paragraphs(article):
        if keys is not None and not _holds_any(fold(paragraph), keys):
            continue  # no sentence of it can match: not worth splitting
        sentences = split_sentences(paragraph)
        matches = [_matched(s, terms, keys) for s in sentences]
        where = sections.at(offset)
        in_heading = sections.heading_terms(where)
        section = article.sections[where] if where is not None else None
        for start in range(len(sentences)):
            if not matches[start] or _prose_length(sentences[start]) < _MIN_SENTENCE_CHARS:
                continue
            found: set[str] = set()
            for end in range(start, min(start + max_sentences, len(sentences))):
                found |= matches[end]
                text = " ".join(sentences[start : end + 1])
                if end > start and len(text) > max_chars:
                    break
                held = sum(weights[term] for term in found)
                if in_heading:
                    held += HEADING_SHARE * sum(weights[t] for t in in_heading - found)
                # a longer window must earn its length with new matched words
                yield _Window(held - 0.01 * (end - start), held, text, order, section)
                order += 1


def _prose_length(sentence: str) -> int:
    """How long a sentence is without its inline code (a list of API names is no answer)."""
    if "`" not in sentence:
        return len(sentence)
    return len(sentence) - sum(end - start for start, end in code_spans(sentence))


def _fallback(article: Article, max_chars: int) -> str:
    """Text to show when no sentence matches: the excerpt or the opening sentences."""
    if article.excerpt:
        return article.excerpt
    sentences: list[str] = []
    for paragraph, _offset in _paragraphs(article):
        for sentence in split_sentences(paragraph):
            if len(" ".join([*sentences, sentence])) > max_chars and sentences:
                return " ".join(sentences)
            sentences.append(sentence)
            if len(sentences) >= 2:
                return " ".join(sentences)
    return " ".join(sentences) or article.title


def best_passage(
    article: Article,
    weights: Mapping[str, float],
    max_sentences: int = 3,
    max_chars: int = 400,
) -> Excerpt:
    """The one to ``max_sentences`` consecutive sentences that best match the question.

    ``weights`` gives each question term its weight. A window scores the
    weight of the distinct terms it holds, plus a share of those only its
    section's headings hold; among equal windows the earliest and shortest
    wins. The text is cut to ``max_chars`` around its first match and the
    matched words are marked (never inside inline code).
    """
    best: _Window | None = None
    for window in _windows(article, weights, max_sentences, max_chars):
        if best is None or (window.score, -window.order) > (best.score, -best.order):
            best = window
    wanted = frozenset(weights)
    text = best.text if best else _fallback(article, max_chars)
    excerpt = highlight(trim(text, wanted, max_chars), wanted)
    if best is None:
        return excerpt
    return Excerpt(excerpt.segments, best.weight, best.section)


def code_spans(text: str) -> list[tuple[int, int]]:
    """Where inline code (a run of backticks to the next run of the same length) lies.

    One scan: each backtick run is looked at once. An opening run without a
    match is not code.
    """
    runs: list[tuple[int, int]] = []
    at = text.find("`")
    while at >= 0:
        end = at
        while end < len(text) and text[end] == "`":
            end += 1
        runs.append((at, end))
        at = text.find("`", end)
    spans: list[tuple[int, int]] = []
    opened: tuple[int, int] | None = None
    for start, end in runs:
        if opened is None:
            opened = (start, end)
        elif end - start == opened[1] - opened[0]:
            spans.append((opened[0], end))
            opened = None
    return spans


def _outside_code(position: int, spans: list[tuple[int, int]], forward: bool) -> int:
    """``position`` moved out of any code span: to its end (``forward``) or its start."""
    for start, end in spans:
        if start < position < end:
            return end if forward else start
    return position


def trim(text: str, terms: frozenset[str], max_chars: int) -> str:
    """Cut ``text`` at word boundaries to ``max_chars``, keeping its first match in view
    and inline code whole where it fits."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    codes = code_spans(text)
    spans = term_spans(text, terms)
    first = spans[0][0] if spans else 0
    start = 0
    if first > max_chars // 3:
        start = text.rfind(" ", 0, first - max_chars // 4) + 1
        start = _outside_code(start, codes, forward=False)
    end = start + max_chars - 2
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
        moved = _outside_code(end, codes, forward=False)
        end = moved if moved > start else end
    piece = text[start:end].strip().rstrip(",;:-\u2013\u2014")
    prefix = ELLIPSIS + " " if start > 0 else ""
    suffix = " " + ELLIPSIS if end < len(text) else ""
    return f"{prefix}{piece}{suffix}"


def _marked(text: str, terms: frozenset[str]) -> list[tuple[str, str]]:
    """Plain text as segments with the words of ``terms`` marked; adjacent matches merge."""
    spans: list[list[int]] = []
    for start, end in term_spans(text, terms):
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        elif spans and not text[spans[-1][1] : start].strip():
            spans[-1][1] = end
        else:
            spans.append([start, end])
    segments: list[tuple[str, str]] = []
    position = 0
    for start, end in spans:
        if start > position:
            segments.append((text[position:start], PLAIN))
        segments.append((text[start:end], MATCH))
        position = end
    if position < len(text):
        segments.append((text[position:], PLAIN))
    return segments


def highlight(text: str, terms: frozenset[str]) -> Excerpt:
    """Segments of ``text``: inline code verbatim, the words of ``terms`` marked elsewhere.

    A backtick left unmatched (code cut by an ellipsis) is closed, so that
    no surface shows half a code span.
    """
    segments: list[tuple[str, str]] = []
    position = 0
    codes = code_spans(text)
    for start, end in codes:
        segments += _marked(text[position:start], terms)
        segments.append((text[start:end], CODE))
        position = end
    rest = text[position:]
    stray = rest.find("`")
    if stray >= 0:
        segments += _marked(rest[:stray], terms)
        fence = "`" * (len(rest[stray:]) - len(rest[stray:].lstrip("`")))
        code = rest[stray:].rstrip(" " + ELLIPSIS)
        tail = rest[stray + len(code) :]
        segments.append((code + fence, CODE))
        if tail:
            segments.append((tail, PLAIN))
    else:
        segments += _marked(rest, terms)
    return Excerpt(tuple((text, kind) for text, kind in segments if text))
