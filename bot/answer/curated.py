"""Curated answers (a server's ``/faq`` entries) matched to a question.

An entry matches when the question holds every word of its name (after the
same analysis as the corpus: folding, stemming, stop words left out) and at
least half of the question's words are in its name or text. Among matches the
one covering most of the question wins. Pure: the entries come from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.text.analysis import analyze

# Share of the question's words an entry must hold (in its name or text) to match.
MIN_QUESTION_SHARE = 0.5
QUESTION_CHARS_MAX = 2000


@dataclass(frozen=True, slots=True)
class Curated:
    """One curated answer."""

    name: str
    text: str
    link: str | None = None


@dataclass(frozen=True, slots=True)
class CuratedTerms:
    """A curated answer with its analysed words, made once for every question after."""

    entry: Curated
    name: frozenset[str]
    held: frozenset[str]  # the words of its name and of its text


def terms_of(entry: Curated) -> CuratedTerms:
    """``entry`` analysed for matching."""
    name = frozenset(analyze(entry.name))
    return CuratedTerms(entry, name, name | frozenset(analyze(entry.text[:QUESTION_CHARS_MAX])))


def _share(asked: frozenset[str], terms: CuratedTerms) -> float:
    if not asked or not terms.name or not terms.name <= asked:
        return 0.0
    share = len(asked & terms.held) / len(asked)
    return share if share >= MIN_QUESTION_SHARE else 0.0


def _asked(question: str) -> frozenset[str]:
    return frozenset(analyze(question[:QUESTION_CHARS_MAX]))


def match_share(question: str, entry: Curated) -> float:
    """How well ``entry`` answers ``question``: 0 unless it matches, else the share of
    the question's words it holds."""
    return _share(_asked(question), terms_of(entry))


def best_curated(question: str, entries: Sequence[CuratedTerms]) -> Curated | None:
    """The curated answer that answers ``question`` best, or None when none matches
    (the question is analysed once, the entries were when they were read)."""
    asked = _asked(question)
    best, best_share = None, 0.0
    for terms in entries:
        share = _share(asked, terms)
        if share > best_share:
            best, best_share = terms.entry, share
    return best
