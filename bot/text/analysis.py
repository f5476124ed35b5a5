"""One analyzer for articles and questions alike.

Text goes through the same steps whichever side it comes from: Unicode folding
(accents, curly quotes, full-width forms), lower case, tokens, numbers written
with separators joined (``5,760`` is ``5760``), version numbers kept whole and
as ``major.minor``, stop words dropped (question words and chat noise too) and
Snowball stemming. Pure and deterministic: no I/O, no global state but caches.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer

# Words that carry no topic: English function words, question words and the
# noise people type in a chat ("hey", "pls", "anyone know").
_STOP_WORDS_TEXT = """
a about above across after again against all almost along already also although always am
among an and another any anybody anyone anything anyway anywhere are aren around as at be
became because become been before being below between both but by can cannot could couldn
did didn do does doesn doing don done down during each either else enough etc even ever
every few for from further get gets getting give given goes going got had hadn has hasn
have haven having he her here hers herself him himself his how however i if in into is isn
it its itself just least less like ll made make many may me might mine more most much must
my myself neither no nor not now of off often on once one only onto or other others our
ours ourselves out over own per perhaps please quite rather re really s said same say says
see seem seems shall she should shouldn since so some somebody someone something somewhere
such t than that the their theirs them themselves then there these they this those though
through thus to too toward towards under until up upon us use used using ve very via was
wasn way we were weren what whatever when whenever where whether which while who whom
whose why will with within without won would wouldn yet you your yours yourself yourselves
hey hi hello hiya yo folks guys guy everyone anybody pls plz please thx thanks thank ty
cheers lol ok okay hmm um uh btw fyi imo tbh idk know knows tell explain wondering wonder
curious question quick help someone somebody happened happen anything stuff thing things
article articles post posts blog piece link links story stories saw seen remember
mentioned actually basically literally guess somewhere
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())

_STEMMER = snowballstemmer.stemmer("english")

# A token: a number with thousands separators or decimals/version dots, or a
# run of letters and digits. Apostrophes are handled before this runs.
_TOKEN_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)+|[^\W_]+(?:_[^\W_]+)*")
# The same tokens in folded ASCII text (lower case), twice as fast: most words
# start with a letter, so that alternative comes first.
_ASCII_TOKEN_RE = re.compile(
    r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)+|[a-z0-9]+(?:_[a-z0-9]+)*",
    re.ASCII,
)
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")
# A possessive 's, and an apostrophe inside a word. Each starts with its literal,
# so the engine jumps from apostrophe to apostrophe (a leading look-behind would
# be tried at every character: fifty times slower).
_APOSTROPHE_S_RE = re.compile(r"'s\b(?<=[^\W_]'s)")
_APOSTROPHE_RE = re.compile(r"'(?<=[^\W_]')(?=[^\W_])")
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "`": " ",
        "\u00a0": " ",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\u2060": "",
        "\ufeff": "",
    }
)


class Token(NamedTuple):
    """A token of a text: its stemmed term and where its surface word lies."""

    term: str
    start: int
    end: int


def fold(text: str) -> str:
    """Return ``text`` case-folded, with accents and compatibility forms removed."""
    if text.isascii():  # the common case
        return _fold_ascii(text)
    pieces: list[str] = []
    position = 0
    for run in _NON_ASCII_RE.finditer(text):
        pieces.append(_fold_ascii(text[position : run.start()]))
        pieces.extend(map(_fold_char, run.group()))
        position = run.end()
    pieces.append(_fold_ascii(text[position:]))
    return "".join(pieces)


def _fold_ascii(text: str) -> str:
    """:func:`fold` of ASCII text: of the character map, only the backtick applies."""
    return text.replace("`", " ").lower()


@lru_cache(maxsize=65_536)
def _fold_char(ch: str) -> str:
    """The folded form of one character (empty for accents and zero-width characters).

    Folding never looks at a character's neighbours once combining marks are
    dropped, so folding character by character gives the same text as folding
    it whole: :func:`fold` works on runs of ASCII and on single characters.
    """
    translated = ch.translate(_CHAR_MAP)
    decomposed = unicodedata.normalize("NFKD", translated)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the Snowball stem of a folded word (numbers are kept as they are)."""
    if not word.isalpha():
        return word
    return str(_STEMMER.stemWord(word))


def is_stop_word(word: str) -> bool:
    """Tell whether a folded word is a stop word (function word or chat noise)."""
    return word in STOP_WORDS


def _normalise_number(word: str) -> list[str]:
    """Terms for a numeric token: separators dropped, versions also as major.minor."""
    if "," in word:
        return [word.replace(",", "")]
    parts = word.split(".")
    if len(parts) >= 3:
        return [word, ".".join(parts[:2])]
    return [word]


def surface_words(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(folded word, start, end)`` for every word of ``text``.

    Offsets refer to the folded text, which is the original text's as long as
    folding keeps every character's length; callers that need offsets into the
    original use :func:`tokens_with_offsets`.
    """
    return _folded_words(fold(text))


def _tokens_re(folded: str) -> re.Pattern[str]:
    return _ASCII_TOKEN_RE if folded.isascii() else _TOKEN_RE


def _without_apostrophes(folded: str) -> str:
    """Folded text with possessive 's and in-word apostrophes blanked (same length)."""
    if "'" not in folded:
        return folded
    return _APOSTROPHE_RE.sub(" ", _APOSTROPHE_S_RE.sub("  ", folded))


def _folded_words(folded: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(word, start, end)`` for every word of already folded text."""
    folded = _without_apostrophes(folded)
    for match in _tokens_re(folded).finditer(folded):
        yield match.group(0), match.start(), match.end()


@lru_cache(maxsize=500_000)
def terms_of_word(word: str) -> tuple[str, ...]:
    """The index terms of one folded word: empty for stop words.

    A snake_case identifier gives itself and the terms of its parts, so
    ``cfg_select`` finds the identifier first and its words too.
    """
    if not word.isascii() and is_unspaced(word):
        return _cjk_terms(word)
    if "_" in word:
        parts = tuple(term for part in word.split("_") if part for term in terms_of_word(part))
        return (word, *parts) if len(word) <= 60 else parts
    if word[0].isdigit():
        return tuple(_normalise_number(word))
    if is_stop_word(word) or len(word) > 40:
        return ()
    if word.isascii() and len(word) == 1 and not word.isdigit():
        return ()
    return (stem(word),)


# Scripts written without spaces between words: Han (Chinese, kanji), kana, and Hangul.
_CJK_RANGES = (
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3400, 0x4DBF),  # Han extension A
    (0x4E00, 0x9FFF),  # Han
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # Han compatibility
    (0x20000, 0x2FA1F),  # Han extensions B onwards
)


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def is_unspaced(word: str) -> bool:
    """Whether a word holds text of a script written without spaces (CJK)."""
    return any(_is_cjk(ch) for ch in word)


def _cjk_terms(word: str) -> tuple[str, ...]:
    """A word holding Chinese, Japanese or Korean text: each such run as its overlapping
    character pairs (a lone character as itself), the rest as usual. With no spaces
    between words, pairs find the words of a question inside an article's sentences."""
    terms: list[str] = []
    run: list[str] = []
    other: list[str] = []

    def flush_run() -> None:
        if len(run) == 1:
            terms.append(run[0])
        terms.extend(a + b for a, b in itertools.pairwise(run))
        run.clear()

    def flush_other() -> None:
        if other:
            terms.extend(terms_of_word("".join(other)))
            other.clear()

    for ch in word:
        if _is_cjk(ch):
            flush_other()
            run.append(ch)
        else:
            flush_run()
            other.append(ch)
    flush_run()
    flush_other()
    return tuple(terms)


# Snowball's exceptional forms whose stem is not spelled like the word's start.
_STEM_EXCEPTIONS = {"sky": ("skie",)}


@lru_cache(maxsize=65_536)
def stem_keys(term: str) -> tuple[str, ...]:
    """Strings one of which every word stemming to ``term`` contains (``term`` alphabetic).

    A stem keeps the start of its word, except that Snowball turns a final
    y into i (cry: cri; dying: die) and adds an e after cutting -ing or -ed
    (coding: code). So: the stem's first four letters, and their shorter
    forms cut before an i or e that may not be in the word, with y for that
    i. Checked against 130,000 English and corpus words (tests/test_excerpt_keys.py).
    """
    head = term[:4]
    keys = {head, *_STEM_EXCEPTIONS.get(term, ())}
    for at in range(2, len(head)):
        if head[at] == "i":
            keys.add(head[:at] + "y")
        if head[at] == "e":
            keys.add(head[:at])
    if len(term) == 3 and term.endswith("ie"):  # dying, lying, tying, vying
        keys.add(term[0] + "y")
    return tuple(sorted(keys))


def words_of(text: str) -> list[str]:
    """The folded words of ``text`` (what :func:`surface_words` yields, without offsets)."""
    folded = _without_apostrophes(fold(text))
    return _tokens_re(folded).findall(folded)


def analyze(text: str) -> list[str]:
    """Return the index terms of ``text``: the one path for documents and questions."""
    return analyze_folded(fold(text)) + camel_terms(text)


# A lower-case letter or digit before a capital: where a camelCase word splits.
# Two fixed characters: the engine never backtracks.
_CAMEL_RE = re.compile(r"[a-z0-9][A-Z]")
_MAX_IDENTIFIER = 60


def split_camel(word: str) -> list[str]:
    """The parts of a camelCase or PascalCase word: ``ConfigDict`` is Config, Dict;
    ``HTTPServer`` is HTTP, Server; ``OAuth2Bearer`` is O, Auth2, Bearer."""
    parts: list[str] = []
    start = 0
    for at in range(1, len(word)):
        before, here = word[at - 1], word[at]
        after = word[at + 1] if at + 1 < len(word) else ""
        if here.isupper() and (
            before.islower() or before.isdigit() or (before.isupper() and after.islower())
        ):
            parts.append(word[start:at])
            start = at
    parts.append(word[start:])
    return parts


def camel_terms(text: str) -> list[str]:
    """The terms of the parts of every camelCase word of ``text`` (the whole word is
    already a term of its own), so ``TypeAdapter`` is found by "type adapter".

    Each word is looked at once, from the first split found in it: linear in the text.
    """
    terms: list[str] = []
    done = 0
    for match in _CAMEL_RE.finditer(text):
        if match.start() < done:
            continue
        start = match.start()
        while start > done and text[start - 1].isalnum():
            start -= 1
        end = match.end()
        while end < len(text) and text[end].isalnum():
            end += 1
        done = end
        if end - start <= _MAX_IDENTIFIER and text[start:end].isascii():
            for part in split_camel(text[start:end]):
                terms.extend(terms_of_word(part.lower()))
    return terms


def analyze_folded(folded: str) -> list[str]:
    """:func:`analyze` for text already passed through :func:`fold`."""
    folded = _without_apostrophes(folded)
    terms: list[str] = []
    for word in _tokens_re(folded).findall(folded):
        terms.extend(terms_of_word(word))
    return terms


def _fold_with_origins(text: str) -> tuple[str, list[int]]:
    """Return ``fold(text)`` and, for each folded character, its index in ``text``.

    An ASCII character folds to one character, others to none, one or several.
    The list ends with ``len(text)`` so that an end offset can be looked up too.
    """
    pieces: list[str] = []
    origins: list[int] = []
    position = 0
    for run in _NON_ASCII_RE.finditer(text):
        pieces.append(_fold_ascii(text[position : run.start()]))
        origins.extend(range(position, run.start()))
        for index in range(run.start(), run.end()):
            piece = _fold_char(text[index])
            pieces.append(piece)
            origins.extend([index] * len(piece))
        position = run.end()
    pieces.append(_fold_ascii(text[position:]))
    origins.extend(range(position, len(text)))
    origins.append(len(text))
    return "".join(pieces), origins


def tokens_with_offsets(text: str) -> list[Token]:
    """Tokens of ``text`` with offsets into ``text`` itself, for highlighting.

    Folding can change a string's length (ligatures, decomposed accents, some
    scripts), so folded offsets are mapped back to the original characters. A
    word's span ends after its last character and any accents or zero-width
    characters folded away right after it.
    """
    if text.isascii():  # folding is one character for one: offsets already match
        return [
            Token(term, start, end)
            for word, start, end in surface_words(text)
            for term in terms_of_word(word)
        ]
    folded, origins = _fold_with_origins(text)
    return [
        Token(term, origins[start], max(origins[end - 1] + 1, origins[end]))
        for word, start, end in _folded_words(folded)
        for term in terms_of_word(word)
    ]
