"""The analyzer: one path from text to index terms, for articles and questions alike."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text import analysis
from bot.text.analysis import (
    STOP_WORDS,
    analyze,
    fold,
    is_stop_word,
    stem,
    surface_words,
    tokens_with_offsets,
    words_of,
)


def spans(text: str) -> list[tuple[str, str]]:
    return [(t.term, text[t.start : t.end]) for t in tokens_with_offsets(text)]


# --- folding and case -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("café", "cafe"),
        ("CAFÉ", "cafe"),
        ("cafe\u0301", "cafe"),  # decomposed accent
        ("naïve résumé", "naive resume"),
        ("ＴＥＳＬＡ ＧＰＵ", "tesla gpu"),  # full-width letters
        ("Tesla’s supercomputer", "Tesla's supercomputer"),  # curly apostrophe
        ("Tesla‘s", "Tesla's"),
        ("DOJO Supercomputer", "dojo supercomputer"),
        ("super\u200bcomputer", "supercomputer"),  # zero-width space
        ("super\u200c\u200dcomput\u2060er", "supercomputer"),
        ("\ufeffTesla", "Tesla"),
        ("no\u00a0break", "no break"),
        ("ﬁnal ﬁle", "final file"),  # ligature
        ("Straße", "strasse"),
    ],
)
def test_folding_gives_the_same_terms(a: str, b: str) -> None:
    assert analyze(a) == analyze(b)
    assert analyze(a)  # and the terms are not empty


def test_specific_folded_terms() -> None:
    assert analyze("Café") == ["cafe"]
    assert analyze("ＴＥＳＬＡ") == ["tesla"]
    assert analyze("Tesla’s") == ["tesla"]
    assert analyze("Tesla's") == ["tesla"]
    assert analyze("super\u200bcomputer") == ["supercomput"]
    assert fold("Ｃａｆé’s") == "cafe's"


# --- numbers --------------------------------------------------------------------------


def test_thousands_separator_is_dropped() -> None:
    assert analyze("5,760") == ["5760"]
    assert analyze("5,760") == analyze("5760")
    assert analyze("a total of 5,760 GPUs") == analyze("a total of 5760 GPUs")
    assert analyze("1,234,567") == ["1234567"]
    assert analyze("1,234.5") == ["1234.5"]


def test_version_numbers_also_give_major_minor() -> None:
    assert analyze("1.88.0") == ["1.88.0", "1.88"]
    assert analyze("Rust 1.88.0 changelog") == ["rust", "1.88.0", "1.88", "changelog"]
    assert "1.88" in analyze("1.88.0")
    assert analyze("1.88") == ["1.88"]
    assert analyze("3.14") == ["3.14"]
    assert analyze("version 1.2.3.4") == ["version", "1.2.3.4", "1.2"]


def test_plain_numbers_are_kept_and_not_stemmed() -> None:
    assert analyze("2021") == ["2021"]
    assert analyze("in 2021 and 2022") == ["2021", "2022"]
    assert stem("2021") == "2021"


# --- stop words and chat noise ----------------------------------------------------------


def test_question_words_and_chat_noise_are_removed() -> None:
    assert analyze("hey pls anyone know what the GPU count is?") == ["gpu", "count"]
    assert analyze("Hi folks, can someone tell me how many GPUs does Tesla use?") == [
        "gpus",
        "tesla",
    ]
    assert analyze("thx lol btw idk") == []
    assert analyze("why when where who which how") == []
    assert analyze("Anyone know about Dojo") == ["dojo"]


@pytest.mark.parametrize("word", ["hey", "pls", "anyone", "know", "what", "how", "the", "thanks"])
def test_is_stop_word(word: str) -> None:
    assert word in STOP_WORDS
    assert is_stop_word(word)
    assert analyze(word) == []
    assert analyze(word.upper()) == []


def test_topic_words_are_not_stop_words() -> None:
    for word in ("tesla", "dojo", "gpu", "rust", "release", "supercomputer"):
        assert not is_stop_word(word)


def test_single_ascii_letters_are_dropped() -> None:
    assert analyze("x y z") == []
    assert analyze("don't") == []


# --- stemming -------------------------------------------------------------------------


def test_stemming_joins_word_forms() -> None:
    assert analyze("training trains trained train") == ["train"] * 4
    assert analyze("supercomputers") == analyze("supercomputer")
    assert analyze("driving") == analyze("drives") == ["drive"]
    assert stem("running") == "run"


def test_questions_and_documents_share_terms() -> None:
    doc = "How Tesla is using a supercomputer to train its self-driving tech"
    question = "hey anyone know how tesla’s supercomputers are trained??"
    assert set(analyze(question)) <= set(analyze(doc))
    assert set(analyze(question)) == {"tesla", "supercomput", "train"}


# --- offsets --------------------------------------------------------------------------


def test_offsets_point_at_words() -> None:
    text = "How Tesla trains its supercomputer: 5,760 GPUs!"
    assert spans(text) == [
        ("tesla", "Tesla"),
        ("train", "trains"),
        ("supercomput", "supercomputer"),
        ("5760", "5,760"),
        ("gpus", "GPUs"),
    ]


def test_offsets_with_accents_and_full_width() -> None:
    text = "Le Café’s ＧＰＵ"
    assert spans(text) == [("le", "Le"), ("cafe", "Café"), ("gpu", "ＧＰＵ")]


def test_offsets_version_gives_two_terms_on_one_span() -> None:
    assert spans("Rust 1.88.0") == [("rust", "Rust"), ("1.88.0", "1.88.0"), ("1.88", "1.88.0")]


def test_offsets_when_folding_changes_length() -> None:
    text = "The ﬁnal ﬁle system"
    assert len(fold(text)) != len(text)
    assert spans(text) == [("final", "ﬁnal"), ("file", "ﬁle"), ("system", "system")]
    token = tokens_with_offsets(text)[1]
    assert (token.start, token.end) == (9, 12)


def test_offsets_with_zero_width_characters() -> None:
    text = "super\u200bcomputer racks"
    assert spans(text) == [("supercomput", "super\u200bcomputer"), ("rack", "racks")]


def test_offsets_when_length_changes_cancel_out() -> None:
    text = "cafe\u0301 ﬁle systems"  # -1 char (combining accent), +1 char (ligature)
    assert len(fold(text)) == len(text)
    assert spans(text) == [("cafe", "cafe\u0301"), ("file", "ﬁle"), ("system", "systems")]


def test_offsets_after_length_change_are_word_exact() -> None:
    text = "The ﬁnal count, self-driving"
    assert spans(text) == [
        ("final", "ﬁnal"),
        ("count", "count"),
        ("self", "self"),
        ("drive", "driving"),
    ]


# --- properties -----------------------------------------------------------------------


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_analyze_never_raises_and_gives_non_empty_strings(text: str) -> None:
    terms = analyze(text)
    assert isinstance(terms, list)
    assert all(isinstance(term, str) and term for term in terms)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_offsets_are_within_the_text(text: str) -> None:
    for token in tokens_with_offsets(text):
        assert 0 <= token.start < token.end <= len(text)
        assert token.term


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.lists(
        st.sampled_from(
            ["Tesla’s", "café", "ＧＰＵ", "5,760", "1.88.0", "ﬁle", "the", "trains", "a", "-", ","]
        ),
        max_size=12,
    ).map(" ".join)
)
def test_offsets_give_the_same_terms_as_analyze(text: str) -> None:
    assert [token.term for token in tokens_with_offsets(text)] == analyze(text)


# The token pattern as first written: a plain alternation, slow on long words.
REFERENCE_TOKEN_RE = re.compile(
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)+|[^\W_]+(?:_[^\W_]+)+|[^\W_]+"
)


REFERENCE_APOSTROPHE_S_RE = re.compile(r"(?<=[^\W_])'s\b")
REFERENCE_APOSTROPHE_RE = re.compile(r"(?<=[^\W_])'(?=[^\W_])")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="abcsXYZ019,._' -\né٣ß", max_size=60))
def test_fast_token_patterns_find_the_reference_tokens(text: str) -> None:
    folded = fold(text)
    folded = REFERENCE_APOSTROPHE_RE.sub(" ", REFERENCE_APOSTROPHE_S_RE.sub("  ", folded))
    expected = [(m.group(0), m.start(), m.end()) for m in REFERENCE_TOKEN_RE.finditer(folded)]
    assert list(surface_words(text)) == expected
    assert words_of(text) == [word for word, _start, _end in expected]


def reference_fold_char(ch: str) -> str:
    """Folding as first written: the character map, NFKD, marks dropped, case folded."""
    decomposed = unicodedata.normalize("NFKD", ch.translate(analysis._CHAR_MAP))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


MIXED_TEXT = st.text(alphabet="abZ09 ,.'`\u2019\u2014é\u0301ﬁßİＡ\u200b\u00a0\n", max_size=50)


@settings(max_examples=400, deadline=None)
@given(MIXED_TEXT)
def test_folding_by_ascii_runs_matches_folding_each_character(text: str) -> None:
    pieces = [reference_fold_char(ch) for ch in text]
    assert fold(text) == "".join(pieces)
    folded, origins = analysis._fold_with_origins(text)
    assert folded == "".join(pieces)
    assert origins == [n for n, piece in enumerate(pieces) for _ in piece] + [len(text)]


def test_camel_case_words_are_also_their_parts() -> None:
    from bot.text.analysis import camel_terms, split_camel

    assert split_camel("ConfigDict") == ["Config", "Dict"]
    assert split_camel("HTTPServer") == ["HTTP", "Server"]
    assert split_camel("getUserName2") == ["get", "User", "Name2"]
    assert camel_terms("use TypeAdapter or BaseModel, not lowercase") == [
        "type",
        "adapt",
        "base",
        "model",
    ]
    assert "typeadapt" in analyze("TypeAdapter") and "adapt" in analyze("TypeAdapter")


def test_camel_terms_take_linear_time_on_hostile_text() -> None:
    import time

    from bot.text.analysis import camel_terms

    for shape in ("aB" * 50_000, "a" * 100_000 + "B", ("x" * 70 + "Y ") * 1_000):
        started = time.perf_counter()
        camel_terms(shape)
        assert time.perf_counter() - started < 2.0
