"""The abstain decision: signals, the shipped model, the per-corpus bar, the calibration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.calibrate import Data, Row, choose_signals, choose_threshold, figures, fit
from bot.answer.abstain import (
    SEMANTIC_MODEL_FILE,
    AbstainModel,
    ModelError,
    offtopic_bar,
    offtopic_questions,
    parse_model,
    read_model,
    shipped_model,
)
from bot.answer.build import AnswerOptions, bar_for, confidence_of
from bot.answer.signals import SIGNALS, measure
from bot.index.search import Index
from bot.settings import load_settings


def model_json(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "format": 1,
        "signals": ["coverage", "passage"],
        "mean": [0.5, 0.5],
        "scale": [0.2, 0.2],
        "coef": [2.0, 1.0],
        "intercept": 0.0,
        "threshold": 0.3,
    }
    data.update(changes)
    return data


def test_confidence_is_a_logistic_of_the_standardised_signals() -> None:
    model = parse_model(model_json(), SIGNALS)
    assert model.confidence({"coverage": 0.5, "passage": 0.5}) == pytest.approx(0.5)
    low = model.confidence({"coverage": 0.1, "passage": 0.2})
    high = model.confidence({"coverage": 0.9, "passage": 0.6})
    assert 0.0 < low < 0.5 < high < 1.0
    assert model.confidence({"coverage": 1e308, "passage": 0.0}) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": 2}, "format"),
        ({"signals": ["coverage", "shoe size"]}, "unknown signals"),
        ({"mean": [0.5]}, "mean must be a list of 2"),
        ({"scale": [0.0, 1.0]}, "scale must be positive"),
        ({"coef": [1.0, float("nan")]}, "not finite"),
        ({"mean": ["0.5", 0.5]}, "numbers only"),
        ({"coef": [True, 1.0]}, "numbers only"),
        ({"intercept": "high"}, "intercept and threshold"),
    ],
)
def test_a_bad_model_file_is_one_clear_error(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        parse_model(model_json(**changes), SIGNALS)


def test_read_model_reports_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("{not json")
    with pytest.raises(ModelError, match="cannot read"):
        read_model(path, SIGNALS)
    path.write_text(json.dumps(model_json()))
    assert read_model(path, SIGNALS).threshold == 0.3


def test_the_shipped_model_uses_every_signal_and_the_default_is_its_threshold() -> None:
    model = shipped_model()
    assert model.signals == tuple(name for name in SIGNALS if name != "cosine")  # lexical
    assert load_settings(env={}).search.min_confidence == model.threshold
    assert model.coef[SIGNALS.index("coverage")] > 0  # more of the question found: answer
    assert model.coef[SIGNALS.index("unknown")] < 0  # words the corpus lacks: do not


def test_the_semantic_stages_model_answers_at_the_same_setting() -> None:
    model = shipped_model(SEMANTIC_MODEL_FILE)
    assert model.threshold == load_settings(env={}).search.min_confidence
    assert set(model.signals) <= set(SIGNALS) and "coverage" in model.signals
    assert model.coef[model.signals.index("unknown")] < 0


def test_signals_are_shares_and_tell_on_topic_from_off_topic(seeds_index: Index) -> None:
    options = AnswerOptions(0.0)
    good_confidence, good, hits = confidence_of(seeds_index, "Tesla D1 chip training tile", options)
    bad_confidence, bad, _hits = confidence_of(seeds_index, "sourdough starter recipe", options)
    assert hits and set(good) == set(bad) == set(SIGNALS)
    for signals in (good, bad):
        assert all(0.0 <= signals[name] <= 1.0 for name in SIGNALS if name != "terms")
    assert good["coverage"] > bad["coverage"] and good["unknown"] < bad["unknown"]
    assert good_confidence > bad_confidence
    assert measure(seeds_index, seeds_index.parse("zzzz qqqq"), [], 0.0)["coverage"] == 0.0


def test_the_bar_rises_where_off_topic_questions_look_answerable() -> None:
    assert offtopic_bar([]) == 0.0
    assert offtopic_bar([0.1] * 8 + [0.9] * 2) == 0.6  # the 87.5% point, capped
    assert offtopic_bar([0.1] * 9 + [0.9]) == 0.1  # one in ten looking answerable: not it
    assert offtopic_bar([n / 100 for n in range(100)]) == pytest.approx(0.6)
    assert offtopic_bar([n / 1000 for n in range(100)]) == pytest.approx(0.087)
    assert len(offtopic_questions()) >= 50


def test_bar_for_a_corpus_is_at_least_the_setting(seeds_index: Index) -> None:
    assert bar_for(seeds_index, AnswerOptions(0.16)) >= 0.16
    assert bar_for(seeds_index, AnswerOptions(0.95)) == 0.95


def row(label: int, coverage: float, right: bool = False, kind: str = "own") -> Row:
    signals = [0.0] * len(SIGNALS)
    signals[SIGNALS.index("coverage")] = coverage
    return Row("c", kind, label, signals, right)


def test_fit_and_figures_on_labelled_rows() -> None:
    rows = [row(1, 0.6 + n / 100, right=n % 4 != 0) for n in range(30)]
    rows += [row(0, 0.1 + n / 100) for n in range(20)]
    rows += [row(0, 0.5, kind="masked") for _n in range(5)]
    model = fit(rows)
    assert isinstance(model, AbstainModel) and model.coef[SIGNALS.index("coverage")] > 0
    own = [r for r in rows if r.kind == "own"]
    found = figures(model, own, 0.5)
    assert found["f1"] == pytest.approx(1.0)
    assert found["recall@1"] == pytest.approx(sum(r.top_right for r in own) / 30)
    assert figures(model, own, 1.0)["recall@1"] == 0.0  # never answers
    loco = {"c": {t: figures(model, own, t) for t in (0.3, 0.5, 0.99)}}
    assert choose_threshold(loco, ["c"]) in (0.3, 0.5)


def test_choose_signals_keeps_the_set_that_carries_across_corpora() -> None:
    # "coverage" tells answerable from not in both corpora; "terms" only in one, and
    # the other way round in the other: it must not be chosen.
    data = Data()
    terms = SIGNALS.index("terms")
    for corpus, sign in (("a", 1.0), ("b", -1.0)):
        for n in range(30):
            for label in (0, 1):
                found = row(label, 0.3 + 0.4 * label + n / 200, right=True)
                found.signals[terms] = sign * (label - 0.5) + n / 100
                data.rows.append(Row(corpus, "own", label, found.signals, True))
        data.offtopic[corpus] = []
    coverage_only = ("coverage",)
    signals, loco, threshold = choose_signals(
        data, ["a", "b"], ["a", "b"], ["a", "b"], [("coverage", "terms"), coverage_only]
    )
    assert signals == coverage_only
    assert loco["a"][threshold]["f1"] == pytest.approx(1.0)
    fixed = choose_signals(data, ["a", "b"], ["a", "b"], ["a", "b"], [coverage_only], 0.9)
    assert fixed[2] == 0.9  # a given threshold is kept, not chosen
