"""Typo tolerance: match a word that is not in the vocabulary to its nearest words.

A symmetric-delete index (every vocabulary word under itself and each of its
one-letter deletions) finds, for a query word, all words within one edit and
many within two; the true Damerau-Levenshtein distance then decides. Pure and
deterministic: among equally near words the more frequent wins, then the
alphabetically first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, capped at ``limit``."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) >= limit:
            return limit
        previous2, previous = previous, current
    return min(previous[-1], limit)


def max_edits(word: str) -> int:
    """How many edits a word of this length may be away: none for short words."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


class Speller:
    """Nearest-word look-ups over a fixed vocabulary of folded words and their counts."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        """Index ``counts`` (word to how many documents hold it)."""
        self._counts = dict(counts)
        index: defaultdict[str, list[str]] = defaultdict(list)
        for word in sorted(self._counts):
            if len(word) < 3 or not word.isalpha():
                continue
            index[word].append(word)
            for variant in _deletes(word):
                index[variant].append(word)
        self._index = dict(index)

    def __contains__(self, word: object) -> bool:
        return word in self._counts

    def candidates(self, word: str) -> Iterable[str]:
        """Vocabulary words that share the word or one of its one-letter deletions."""
        seen: set[str] = set()
        for variant in {word} | _deletes(word):
            for found in self._index.get(variant, ()):
                if found not in seen:
                    seen.add(found)
                    yield found

    def suggest(self, word: str, limit: int = 2) -> list[str]:
        """Up to ``limit`` nearest vocabulary words for ``word``, nearest and commonest first.

        Returns an empty list for known words, short words and words with no
        vocabulary word near enough.
        """
        allowed = max_edits(word)
        if allowed == 0 or word in self._counts or not word.isalpha():
            return []
        scored: list[tuple[int, int, str]] = []
        for candidate in self.candidates(word):
            if candidate[0] != word[0] and allowed < 2:
                continue  # a first letter is rarely mistyped in short words
            distance = edit_distance(word, candidate, allowed + 1)
            if distance <= allowed:
                scored.append((distance, -self._counts[candidate], candidate))
        if not scored:
            return []
        scored.sort()
        best = scored[0][0]
        return [word for distance, _count, word in scored if distance == best][:limit]


# A longer identifier is left as it is (each part is looked up in the vocabulary).
IDENTIFIER_PARTS_MAX = 6


def mend_identifier(word: str, speller: Speller, known: Callable[[str], bool]) -> list[str]:
    """A code identifier with a mistyped part (``model_validaor``) spelled as the
    corpus spells it (``model_validator``), as a one-item list; empty when no part
    needs a fix or none is found. ``known`` tells a part the corpus holds."""
    parts = word.split("_")
    if len(parts) > IDENTIFIER_PARTS_MAX:
        return []
    fixed, changed = [], False
    for part in parts:
        suggestion = speller.suggest(part) if part.isalpha() and not known(part) else []
        fixed.append(suggestion[0] if suggestion else part)
        changed = changed or bool(suggestion)
    return ["_".join(fixed)] if changed else []
