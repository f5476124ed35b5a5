"""Typo tolerance (edit distance, Speller) and the background English word list."""

from __future__ import annotations

import pytest

from bot.text import lexicon
from bot.text.typo import Speller, edit_distance, max_edits

VOCABULARY = {
    "supercomputer": 5,
    "investment": 3,
    "tesla": 9,
    "training": 4,
    "dojo": 5,
    "the": 100,
    "gpu": 6,
}


@pytest.fixture
def speller() -> Speller:
    return Speller(VOCABULARY)


# --- edit_distance --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("tesla", "tesla", 0),
        ("", "", 0),
        ("tesla", "tesle", 1),  # substitution
        ("tesla", "tesl", 1),  # deletion
        ("tesla", "teslas", 1),  # insertion
        ("ab", "ba", 1),  # transposition counts one edit
        ("investmnet", "investment", 1),
        ("suprcomputer", "supercomputer", 1),
        ("teslsa", "tesla", 1),
        ("dojo", "ojod", 2),
        ("abcd", "badc", 2),  # two transpositions
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


def test_edit_distance_is_capped_at_limit() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("kitten", "sitting", limit=10) == 3
    assert edit_distance("kitten", "sitting", limit=2) == 2
    assert edit_distance("a", "abcdefgh") == 3  # length gap alone reaches the cap
    assert edit_distance("a", "abcdefgh", limit=20) == 7
    assert edit_distance("completely", "different", limit=3) == 3
    assert edit_distance("ab", "ba", limit=1) == 1


def test_edit_distance_is_restricted_damerau() -> None:
    # Optimal string alignment: no edit of a transposed pair, so "ca" -> "abc" is 3, not 2.
    assert edit_distance("ca", "abc", limit=5) == 3


# --- Speller --------------------------------------------------------------------------


def test_max_edits_grows_with_length() -> None:
    assert [max_edits("x" * n) for n in (1, 3, 4, 7, 8, 13)] == [0, 0, 1, 1, 2, 2]


def test_suggest_fixes_typos(speller: Speller) -> None:
    assert speller.suggest("suprcomputer") == ["supercomputer"]
    assert speller.suggest("investmnet") == ["investment"]
    assert speller.suggest("tesal") == ["tesla"]
    assert speller.suggest("trainnig") == ["training"]
    assert speller.suggest("supercomputrs") == ["supercomputer"]  # two edits for long words


def test_suggest_nothing_for_known_words(speller: Speller) -> None:
    assert "supercomputer" in speller
    assert speller.suggest("supercomputer") == []
    assert speller.suggest("tesla") == []


@pytest.mark.parametrize("word", ["teh", "gpx", "doj", "th", "a", ""])
def test_suggest_never_corrects_short_words(speller: Speller, word: str) -> None:
    assert speller.suggest(word) == []


def test_suggest_nothing_when_too_far_or_not_alphabetic(speller: Speller) -> None:
    assert speller.suggest("quantum") == []
    assert speller.suggest("tezzz") == []  # two edits: too far for a five-letter word
    assert speller.suggest("tesla2") == []
    assert speller.suggest("te-sla") == []


def test_suggest_short_word_keeps_first_letter() -> None:
    speller = Speller({"cart": 3})
    assert speller.suggest("xart") == []
    assert speller.suggest("cxrt") == ["cart"]


def test_suggest_ties_broken_by_frequency_then_alphabetically() -> None:
    speller = Speller({"cart": 5, "card": 5, "care": 9, "core": 50})
    assert speller.suggest("carx") == ["care", "card"]
    assert speller.suggest("carx", limit=3) == ["care", "card", "cart"]
    assert speller.suggest("carx", limit=1) == ["care"]


def test_suggest_prefers_nearer_over_more_frequent() -> None:
    speller = Speller({"investment": 1, "investments": 1000, "invest": 5000})
    assert speller.suggest("investmnet") == ["investment"]


def test_speller_ignores_short_and_non_alpha_vocabulary() -> None:
    speller = Speller({"ab": 10, "rust2": 10, "rusty": 1})
    assert "rust2" in speller
    assert speller.suggest("rustx") == ["rusty"]
    assert list(speller.candidates("abx")) == []


def test_speller_is_deterministic() -> None:
    counts = {"cart": 5, "card": 5, "care": 5, "carb": 5}
    first = Speller(counts).suggest("carx", limit=4)
    assert first == ["carb", "card", "care", "cart"]
    assert Speller(dict(reversed(counts.items()))).suggest("carx", limit=4) == first


# --- lexicon --------------------------------------------------------------------------


def test_is_common_word() -> None:
    assert lexicon.is_common_word("date") is True
    assert lexicon.is_common_word("today") is True
    assert lexicon.is_common_word("investmnet") is False
    assert lexicon.count("investmnet") == 0
    assert lexicon.count("date") >= lexicon.TYPO_MAX_COUNT


def test_rarity_bounds() -> None:
    assert lexicon.rarity("the") == 0
    assert lexicon.rarity("zzqxj") == 1.0
    assert 0.0 <= lexicon.rarity("supercomputer") <= 1.0
    assert lexicon.rarity("the") <= lexicon.rarity("sourdough") <= lexicon.rarity("zzqxj")
