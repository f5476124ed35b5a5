"""The sparse engine answers exactly as rank-bm25, the reference."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from bot.evaluate import read_questions
from bot.search import Index
from bot.termindex import RankBm25Engine, SparseEngine, TermMatrix, make_engine, top_positions
from tests.conftest import EVAL_DIR, SEEDS

CASES = [
    ("powerapps_index", "powerapps-news-questions.jsonl"),
    ("rust_index", "rust-blog-questions.jsonl"),
    ("seeds_index", "seeds-questions.jsonl"),
]


def top10(engine: RankBm25Engine | SparseEngine, terms: list[str]) -> list[int]:
    return top_positions(engine.scores(terms), engine.matching(terms), 10)


@pytest.mark.parametrize(("fixture", "questions"), CASES)
def test_same_top10_as_rank_bm25(
    fixture: str, questions: str, request: pytest.FixtureRequest
) -> None:
    index: Index = request.getfixturevalue(fixture)
    k1, b = index.weights.k1, index.weights.b
    reference = RankBm25Engine(index.matrix, k1, b)
    sparse = SparseEngine(index.matrix, k1, b)
    checked = 0
    for question in read_questions(EVAL_DIR / questions):
        terms = list(index.parse(question.q).terms)
        expected = reference.scores(terms)
        assert np.allclose(sparse.scores(terms), expected, rtol=1e-5, atol=1e-6)
        assert top10(sparse, terms) == top10(reference, terms), question.q
        checked += 1
    assert checked >= 40


def test_engine_choice_by_size_and_setting() -> None:
    small = TermMatrix.build([Counter({"a": 1}), Counter({"b": 2})])
    assert isinstance(make_engine(small, 1.5, 0.75), RankBm25Engine)
    assert isinstance(make_engine(small, 1.5, 0.75, "sparse"), SparseEngine)
    big = TermMatrix.build(Counter({f"t{n % 50}": 1}) for n in range(2_000))
    assert isinstance(make_engine(big, 1.5, 0.75), SparseEngine)
    assert isinstance(make_engine(big, 1.5, 0.75, "bm25"), RankBm25Engine)


def test_index_answers_the_same_with_either_engine() -> None:
    from bot.corpus import load_corpus

    articles = load_corpus(SEEDS).articles
    reference = Index(articles, engine="bm25")
    sparse = Index(articles, engine="sparse")
    for question in ("what is dojo", "5,760 GPUs", "tesla dojo suprcomputer investmnet"):
        got = [h.doc for h in sparse.search(sparse.parse(question), 5)]
        want = [h.doc for h in reference.search(reference.parse(question), 5)]
        assert got == want


def test_top_positions_keeps_ties_in_id_order() -> None:
    scores = np.array([1.0, 3.0, 3.0, 2.0, 3.0])
    candidates = np.array([0, 1, 2, 3, 4])
    assert top_positions(scores, candidates, 2) == [1, 2]
    assert top_positions(scores, candidates, 10) == [1, 2, 4, 3, 0]
    assert top_positions(scores, np.array([], dtype=np.int64), 3) == []
    assert top_positions(scores, None, 10) == [1, 2, 4, 3, 0]  # None: every positive score
    assert top_positions(np.zeros(4), None, 3) == []


def test_term_matrix_round_trips_tokens() -> None:
    matrix = TermMatrix.build([Counter({"x": 2, "y": 1}), Counter(), Counter({"y": 3})])
    assert matrix.documents == 3
    assert sorted(matrix.tokens(0)) == ["x", "x", "y"]
    assert matrix.tokens(1) == []
    assert list(matrix.doc_lengths()) == [3.0, 0.0, 3.0]
    assert matrix.holds(2, "y") and not matrix.holds(2, "x") and not matrix.holds(0, "zzz")


def test_both_engines_agree_on_which_documents_hold_a_term(seeds_index: Index) -> None:
    k1, b = seeds_index.weights.k1, seeds_index.weights.b
    engines = (RankBm25Engine(seeds_index.matrix, k1, b), SparseEngine(seeds_index.matrix, k1, b))
    docs = list(range(len(seeds_index)))
    for term in ("dojo", "gpus", "5760", "nvidia", "absent-term"):
        expected = [seeds_index.matrix.holds(doc, term) for doc in docs]
        for engine in engines:
            assert engine.holds_each(docs, term) == expected
            assert engine.holds_each([docs[-1], docs[0]], term) == [
                expected[-1],
                expected[0],
            ]


def test_dense_vectors_for_common_terms_give_the_same_scores(
    monkeypatch: pytest.MonkeyPatch, rust_index: Index
) -> None:
    import bot.termindex as termindex

    k1, b = rust_index.weights.k1, rust_index.weights.b
    plain = SparseEngine(rust_index.matrix, k1, b)
    monkeypatch.setattr(termindex, "DENSE_FROM_DOCUMENTS", 1)
    monkeypatch.setattr(termindex, "DENSE_SHARE", 0.05)
    dense = SparseEngine(rust_index.matrix, k1, b)
    assert plain.dense == {} and len(dense.dense) > 10
    docs = list(range(0, rust_index.matrix.documents, 7))
    for term_id in list(dense.dense)[:20]:
        term = rust_index.matrix.terms[term_id]
        expected = [rust_index.matrix.holds(doc, term) for doc in docs]
        assert dense.holds_each(docs, term) == plain.holds_each(docs, term) == expected
    for question in read_questions(EVAL_DIR / "rust-blog-questions.jsonl"):
        terms = list(rust_index.parse(question.q).terms)
        assert np.allclose(dense.scores(terms), plain.scores(terms), rtol=1e-5, atol=1e-6)
        assert top10(dense, terms) == top10(plain, terms)
        (got_scores, got_held), (want_scores, want_held) = dense.search(terms), plain.search(terms)
        assert top_positions(got_scores, got_held, 10) == top_positions(want_scores, want_held, 10)
        assert (got_held is None) == (want_held is None)


def test_narrowing_by_sample_keeps_the_exact_top(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.termindex as termindex

    rng = np.random.default_rng(7)
    scores = np.round(rng.random(50_000) * 20, 1)  # many ties
    scores[rng.choice(50_000, 5_000, replace=False)] = 0.0
    candidates = np.flatnonzero(scores > 0)
    narrowed = top_positions(scores, candidates, 34)
    positives = top_positions(scores, None, 34)
    monkeypatch.setattr(termindex, "SAMPLE_FROM", 10**9)
    assert narrowed == positives == top_positions(scores, candidates, 34)
    assert len(narrowed) == 34
    allowed = candidates[candidates % 3 == 0]  # as a filter leaves them
    scores = np.where(np.arange(len(scores)) % 3 == 0, scores, 0.0)
    monkeypatch.setattr(termindex, "SAMPLE_FROM", 1)
    filtered = top_positions(scores, allowed, 34)
    assert all(doc % 3 == 0 for doc in filtered) and len(filtered) == 34
    monkeypatch.setattr(termindex, "SAMPLE_FROM", 10**9)
    assert filtered == top_positions(scores, allowed, 34)


def test_native_matrix_keeps_values_whatever_the_byte_order() -> None:
    built = TermMatrix.build([Counter({"x": 2, "y": 1}), Counter({"y": 3})])
    foreign = TermMatrix(
        built.terms,
        built.vocab,
        built.indptr.astype(">i8"),
        built.term_ids.astype(">i4"),
        built.tfs.astype(">f4"),
    )
    for matrix in (built, foreign):
        native = matrix.native()
        for got, want in zip(
            (native.indptr, native.term_ids, native.tfs),
            (built.indptr, built.term_ids, built.tfs),
            strict=True,
        ):
            assert got.dtype is np.dtype(want.dtype.type) and got.tolist() == want.tolist()
