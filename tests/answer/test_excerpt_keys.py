"""The excerpt's shortcut: only stretches holding a stem key are analysed, with the same result."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import excerpt
from bot.answer.excerpt import _matched, best_passage, quick_keys, term_spans
from bot.corpus.loader import load_corpus
from bot.text import lexicon
from bot.text.analysis import analyze, stem_keys, terms_of_word, tokens_with_offsets, words_of
from tests.conftest import POWERAPPS, RUST_BLOG, SEEDS, body_article

# Words whose stem is not spelled like their start, and other awkward tokens.
TRICKY = [
    "coding",
    "code",
    "codes",
    "coded",
    "using",
    "use",
    "user",
    "making",
    "make",
    "cry",
    "cries",
    "crying",
    "dying",
    "die",
    "lying",
    "tying",
    "skies",
    "sky",
    "city",
    "cities",
    "copy",
    "copied",
    "copying",
    "baby",
    "babies",
    "easy",
    "easily",
    "agreed",
    "hoping",
    "hopped",
    "ability",
    "tesla's",
    "cfg_select",
    "foo_bar",
    "5,760",
    "v1.2.3",
    "1,234abc",
    "don't",
    "it's",
    "naïve",
    "café",
]


def vocabulary() -> set[str]:
    words = {word for word in lexicon._load() if word.isalpha() and word.isascii()}
    for folder in (SEEDS, POWERAPPS, RUST_BLOG):
        for article in load_corpus(folder).articles:
            words.update(words_of(f"{article.title} {article.excerpt or ''} {article.body}"))
    return {word for word in words if word.isalpha()}


def test_every_word_holds_a_key_of_each_of_its_stems() -> None:
    words = vocabulary()
    assert len(words) > 100_000
    missed = [
        (word, term)
        for word in words
        for term in terms_of_word(word)
        if term.isalpha() and not any(key in word for key in stem_keys(term))
    ]
    assert missed == []


def test_a_sentence_is_found_by_a_word_spelled_unlike_its_stem() -> None:
    article = body_article(
        "Nothing here is relevant at all today.\n\nWe were coding the parser all week long."
    )
    excerpt = best_passage(article, dict.fromkeys(analyze("code"), 1.0))
    assert excerpt.markdown() == "We were **coding** the parser all week long."


sentences = st.lists(st.sampled_from([*TRICKY, "the", "and", "Coding.", "(city)"]), max_size=12)


@settings(max_examples=300, deadline=None)
@given(sentences, st.lists(st.sampled_from(TRICKY), min_size=1, max_size=4))
def test_shortcut_finds_what_full_analysis_finds(words: list[str], asked: list[str]) -> None:
    text = " ".join(words)
    terms = frozenset(term for word in asked for term in analyze(word))
    if not terms:
        return
    assert _matched(text, terms, quick_keys(terms)) == terms.intersection(analyze(text))
    expected = [(t.start, t.end) for t in tokens_with_offsets(text) if t.term in terms]
    assert term_spans(text, terms) == expected


@pytest.mark.parametrize("terms", [frozenset({"5760"}), frozenset({"cfg_select", "code"})])
def test_numbers_and_identifiers_take_no_shortcut(terms: frozenset[str]) -> None:
    assert quick_keys(terms) is None


REFERENCE_SENTENCE_RE = re.compile(
    r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])"
)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aZ9 .!?\"')]\u201d\u2019\u201c(\n", max_size=40))
def test_sentences_are_cut_where_the_reference_pattern_cuts(text: str) -> None:
    assert excerpt._cut_at_sentence_ends(text) == REFERENCE_SENTENCE_RE.split(text)
