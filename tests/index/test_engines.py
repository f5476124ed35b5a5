"""The BM25F engine scores exactly as the formula says, fast paths included."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from bot.answer.evaluate import read_questions
from bot.index.engine import FieldStats, SparseEngine, top_positions
from bot.index.fields import FIELDS
from bot.index.matrix import TermMatrix
from bot.index.search import Index
from tests.conftest import EVAL_DIR


def reference_scores(
    fields: list[tuple[list[Counter[str]], float, float]], k1: float, terms: list[str]
) -> list[float]:
    """BM25F written out term by term: the per-field normalised frequencies, weighted and
    summed, saturated once; idf over whole documents."""
    documents = len(fields[0][0])
    averages = []
    for docs, _weight, _b in fields:
        lengths = [sum(doc.values()) for doc in docs if doc]
        averages.append(sum(lengths) / len(lengths) if lengths else 1.0)
    scores = []
    for d in range(documents):
        total = 0.0
        for term in dict.fromkeys(terms):
            held = sum(1 for n in range(documents) if any(f[0][n].get(term) for f in fields))
            if not held:
                continue
            idf = math.log(1 + (documents - held + 0.5) / (held + 0.5))
            freq = 0.0
            for (docs, weight, b), average in zip(fields, averages, strict=True):
                tf = docs[d].get(term, 0)
                if tf:
                    freq += weight * tf / (1 - b + b * sum(docs[d].values()) / average)
            total += idf * freq * (k1 + 1) / (freq + k1)
        scores.append(total)
    return scores


def test_bm25f_is_the_formula() -> None:
    title = [Counter({"dojo": 1}), Counter({"chip": 1, "tesla": 1}), Counter(), Counter({"x": 2})]
    body = [
        Counter({"dojo": 3, "gpu": 2, "tesla": 1}),
        Counter({"chip": 1}),
        Counter({"dojo": 1, "tesla": 5, "filler": 30}),
        Counter({"gpu": 1}),
    ]
    fields = [(title, 3.0, 0.3), (body, 1.0, 0.75)]
    engine = SparseEngine(
        [FieldStats(TermMatrix.build(docs), w, b) for docs, w, b in fields], 4, 1.2
    )
    for terms in (["dojo"], ["tesla", "chip"], ["gpu", "dojo", "absent"], ["x"], []):
        expected = reference_scores(fields, 1.2, terms)
        assert np.allclose(engine.scores(terms), expected, rtol=1e-5, atol=1e-6), terms


def test_engine_on_a_real_corpus_is_the_formula(seeds_index: Index) -> None:
    parts = seeds_index.parts
    fields = [
        (
            [Counter(_row(parts.fields[name], doc)) for doc in range(len(seeds_index))],
            seeds_index.weights.of(name),
            seeds_index.weights.b_of(name),
        )
        for name in FIELDS
    ]
    for question in read_questions(EVAL_DIR / "seeds-questions.jsonl")[:15]:
        terms = list(seeds_index.parse(question.q).terms)
        expected = reference_scores(fields, seeds_index.weights.k1, terms)
        assert np.allclose(seeds_index.scores(terms), expected, rtol=1e-4, atol=1e-5)


def _row(matrix: TermMatrix, doc: int) -> dict[str, int]:
    start, end = int(matrix.indptr[doc]), int(matrix.indptr[doc + 1])
    return {
        matrix.terms[int(t)]: int(c)
        for t, c in zip(matrix.term_ids[start:end], matrix.tfs[start:end], strict=True)
    }


def test_weighted_terms_scale_their_share() -> None:
    matrix = TermMatrix.build([Counter({"a": 1, "b": 1}), Counter({"b": 2}), Counter({"c": 1})])
    engine = SparseEngine.plain(matrix, 1.2, 0.75)
    a, b = engine.scores(["a"]), engine.scores(["b"])
    assert np.allclose(engine.weighted_scores({"a": 1.0, "b": 0.5}), a + 0.5 * b)
    assert np.allclose(engine.weighted_scores({"a": 0.0}), 0.0)


def test_top_positions_keeps_ties_in_id_order() -> None:
    scores = np.array([1.0, 3.0, 3.0, 2.0, 3.0])
    candidates = np.array([0, 1, 2, 3, 4])
    assert top_positions(scores, candidates, 2) == [1, 2]
    assert top_positions(scores, candidates, 10) == [1, 2, 4, 3, 0]
    assert top_positions(scores, np.array([], dtype=np.int64), 3) == []
    assert top_positions(scores, None, 10) == [1, 2, 4, 3, 0]  # None: every positive score
    assert top_positions(np.zeros(4), None, 3) == []


def test_term_matrix_lengths_and_holds() -> None:
    matrix = TermMatrix.build([Counter({"x": 2, "y": 1}), Counter(), Counter({"y": 3})])
    assert matrix.documents == 3
    assert list(matrix.doc_lengths()) == [3.0, 0.0, 3.0]
    assert matrix.holds(2, "y") and not matrix.holds(2, "x") and not matrix.holds(0, "zzz")


def test_engine_knows_which_documents_hold_a_term(seeds_index: Index) -> None:
    docs = list(range(len(seeds_index)))
    fields = seeds_index.parts.fields
    for term in ("dojo", "gpus", "5760", "nvidia", "absent-term"):
        expected = [any(fields[name].holds(doc, term) for name in FIELDS) for doc in docs]
        assert seeds_index.engine.holds_each(docs, term) == expected
        assert seeds_index.engine.holds_each([docs[-1], docs[0]], term) == [
            expected[-1],
            expected[0],
        ]


def test_dense_vectors_for_common_terms_give_the_same_scores(
    monkeypatch: pytest.MonkeyPatch, rust_index: Index
) -> None:
    import bot.index.engine as engine_module

    parts, weights = rust_index.parts, rust_index.weights
    stats = [FieldStats(parts.fields[n], weights.of(n), weights.b_of(n)) for n in FIELDS]
    plain = SparseEngine(stats, len(rust_index), weights.k1)
    monkeypatch.setattr(engine_module, "DENSE_FROM_DOCUMENTS", 1)
    monkeypatch.setattr(engine_module, "DENSE_SHARE", 0.05)
    dense = SparseEngine(stats, len(rust_index), weights.k1)
    assert plain.dense == {} and len(dense.dense) > 10
    docs = list(range(0, len(rust_index), 7))
    for term_id in list(dense.dense)[:20]:
        term = dense.terms[term_id]
        assert dense.holds_each(docs, term) == plain.holds_each(docs, term)
        assert any(plain.holds_each(docs, term))
    for question in read_questions(EVAL_DIR / "rust-blog-questions.jsonl"):
        terms = list(rust_index.parse(question.q).terms)
        got, want = dense.scores(terms), plain.scores(terms)
        assert np.allclose(got, want, rtol=1e-5, atol=1e-6)
        assert top_positions(got, None, 10) == top_positions(want, None, 10)


def test_narrowing_by_sample_keeps_the_exact_top(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.index.engine as engine_module

    rng = np.random.default_rng(7)
    scores = np.round(rng.random(50_000) * 20, 1)  # many ties
    scores[rng.choice(50_000, 5_000, replace=False)] = 0.0
    candidates = np.flatnonzero(scores > 0)
    narrowed = top_positions(scores, candidates, 34)
    positives = top_positions(scores, None, 34)
    monkeypatch.setattr(engine_module, "SAMPLE_FROM", 10**9)
    assert narrowed == positives == top_positions(scores, candidates, 34)
    assert len(narrowed) == 34
    allowed = candidates[candidates % 3 == 0]  # as a filter leaves them
    scores = np.where(np.arange(len(scores)) % 3 == 0, scores, 0.0)
    monkeypatch.setattr(engine_module, "SAMPLE_FROM", 1)
    filtered = top_positions(scores, allowed, 34)
    assert all(doc % 3 == 0 for doc in filtered) and len(filtered) == 34
    monkeypatch.setattr(engine_module, "SAMPLE_FROM", 10**9)
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
