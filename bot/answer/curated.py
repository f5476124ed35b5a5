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


def match_share(question: str, entry: Curated) -> float:
    """How well ``entry`` answers ``question``: 0 unless it matches, else the share of
    the question's words it holds."""
    asked = set(analyze(question[:QUESTION_CHARS_MAX]))
    name = set(analyze(entry.name))
    if not asked or not name or not name <= asked:
        return 0.0
    held = name | set(analyze(entry.text[:QUESTION_CHARS_MAX]))
    share = len(asked & held) / len(asked)
    return share if share >= MIN_QUESTION_SHARE else 0.0


def best_curated(question: str, entries: Sequence[Curated]) -> Curated | None:
    """The curated answer that answers ``question`` best, or None when none matches."""
    best, best_share = None, 0.0
    for entry in entries:
        share = match_share(question, entry)
        if share > best_share:
            best, best_share = entry, share
    return best
