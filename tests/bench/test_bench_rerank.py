"""The reranker's training: cases from real questions, the listwise fit, recall."""

from __future__ import annotations

import numpy as np

from bench.calibrate import Corpus
from bench.rerank import Case, cases_of, fit, recall
from bot.index.rerank import CANDIDATES, FEATURES
from tests.conftest import EVAL_DIR, SEEDS


def _case(passage_of_relevant: float, score_of_relevant: float) -> Case:
    """Two candidates: BM25F prefers the first, the relevant second has the better passage."""
    table = np.zeros((2, len(FEATURES)))
    score, passage = FEATURES.index("score"), FEATURES.index("passage")
    table[:, score] = [1.0, score_of_relevant]
    table[:, passage] = [0.2, passage_of_relevant]
    return Case("c", "q", table, np.array([0.0, 1.0]), True)


def test_the_fit_learns_what_tells_the_relevant_candidate() -> None:
    cases = [_case(1.0, 0.9) for _ in range(20)] + [_case(0.1, 0.5) for _ in range(5)]
    model = fit(cases, ["score", "passage"])
    assert model.coef[1] > 0  # a better passage counts
    assert recall(cases, None) == (0.0, 1.0)  # BM25F alone puts every relevant second
    at1, at3 = recall(cases, model)
    assert at1 >= 0.8 and at3 == 1.0


def test_cases_of_the_seeds_hold_their_candidates_and_labels() -> None:
    corpus = Corpus("seeds", SEEDS, "", (EVAL_DIR / "seeds-questions.jsonl",))
    cases = cases_of(corpus)
    assert cases and all(len(c.relevant) <= CANDIDATES for c in cases)
    assert all(c.table.shape == (len(c.relevant), len(FEATURES)) for c in cases)
    assert sum(c.found for c in cases) >= 0.9 * len(cases)
    assert recall(cases, fit(cases, ["score", "passage", "phrase"]))[1] >= 0.9
