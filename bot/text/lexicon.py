"""Background English word frequencies, for words the corpus has never seen.

A question word that no article holds is either a typo of a corpus word, a
common word (``today``, ``find``) that says little, or a rare word
(``sourdough``, ``lidar``) naming something the corpus does not cover. The
frequency list that ships with pyspellchecker tells them apart. It is loaded on
first use (about 0.2 s) and shared, read-only, by every index.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping

log = logging.getLogger(__name__)

# A word seen fewer times than this in the background list may be a typo.
TYPO_MAX_COUNT = 50
# -log10(relative frequency) bounds: at or below COMMON a word says nothing on
# its own; at or above RARE it is as telling as a word seen in one article.
_COMMON = 4.0
_RARE = 6.5

_lock = threading.Lock()
_counts: Mapping[str, int] | None = None
_total = 1


def _load() -> Mapping[str, int]:
    global _counts, _total
    with _lock:
        if _counts is None:
            try:
                from spellchecker import SpellChecker

                counts: Mapping[str, int] = SpellChecker(
                    language="en", distance=1
                ).word_frequency.dictionary
            except (ImportError, OSError, ValueError):
                log.warning(
                    "English word list unavailable; rare-word detection is off", exc_info=True
                )
                counts = {}
            _total = max(1, sum(counts.values()))
            _counts = counts
        return _counts


def count(word: str) -> int:
    """How often a folded word occurs in the background English list (0 if never)."""
    return int(_load().get(word, 0))


def share(word: str) -> float:
    """How often a folded word occurs in English, as a share of all words (a word the
    list lacks counts as half an occurrence)."""
    counts = _load()
    return max(0.5, counts.get(word, 0)) / _total


def is_common_word(word: str) -> bool:
    """Whether a folded word is a real English word, so not to be taken for a typo."""
    return count(word) >= TYPO_MAX_COUNT


def rarity(word: str) -> float:
    """How telling a word is by itself, from 0 (everyday English) to 1 (rare or unknown)."""
    seen = count(word)
    if seen == 0:
        return 1.0
    surprise = math.log10(_total / seen)
    return min(1.0, max(0.0, (surprise - _COMMON) / (_RARE - _COMMON)))


def warm_up() -> None:
    """Load the list now (at start-up, off the event loop) rather than on a first question."""
    _load()
