"""Answer quality floors on real corpora and the project's question sets: these only go up.

The sets of ``tests/eval/*-tune.jsonl`` were used to tune the ranking and to
learn the abstain model; ``*-test.jsonl`` never were (the README reports them).
A hit counts only when the bot says it answered. Figures come from
``python -m bench.quality``; each floor is the measured figure rounded down.
On 2026-12-06 the tuning and test halves grew by 130 questions a corpus and the
reranker and a retrained abstain model came in: the floors were set anew from
that measurement. Three figures of unchanged sets went down by one or two
questions (the seeds' abstain F1, the older Power Apps set's abstain F1, the
older Rust set's recall@1) while the rest rose; see CHANGELOG.md. On 2026-12-07 the
bar to answer moved from the 90% to the 87.5% point of the off-topic questions
(chosen on the tuning halves, where recall@1 rose on all three corpora): the Rust
blog's abstain F1 fell (tuning 0.70 to 0.69, test 0.77 to 0.73) and the Pydantic
tuning half's with the semantic stage (0.77 to 0.76); every other figure held or rose.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.quality import QuestionSet, project_outcomes
from bot.answer.evaluate import score
from tests.conftest import EVAL_DIR, MINILM, POWERAPPS, RUST_BLOG, RUST_URLS, SEEDS, SHARED

PYDANTIC = SHARED / "corpora" / "pydantic-docs"
DOC_URLS = "https://docs.pydantic.dev/latest/{stem_path}/"

# (corpus, url template, question file, recall@1, recall@3, abstain F1) floors
FLOORS = [
    (SEEDS, "", SHARED / "eval" / "seed-questions.jsonl", 1.0, 1.0, 1.0),
    (SEEDS, "", EVAL_DIR / "seeds-questions.jsonl", 0.97, 0.97, 0.60),
    (POWERAPPS, "", EVAL_DIR / "powerapps-news-tune.jsonl", 0.81, 0.86, 0.72),
    (POWERAPPS, "", EVAL_DIR / "powerapps-news-test.jsonl", 0.76, 0.87, 0.81),
    (POWERAPPS, "", EVAL_DIR / "powerapps-news-questions.jsonl", 0.73, 0.80, 0.66),
    (RUST_BLOG, RUST_URLS, EVAL_DIR / "rust-blog-tune.jsonl", 0.86, 0.95, 0.68),
    (RUST_BLOG, RUST_URLS, EVAL_DIR / "rust-blog-test.jsonl", 0.77, 0.88, 0.73),
    (RUST_BLOG, RUST_URLS, EVAL_DIR / "rust-blog-questions.jsonl", 0.87, 0.98, 0.73),
    (PYDANTIC, DOC_URLS, EVAL_DIR / "pydantic-docs-tune.jsonl", 0.81, 0.91, 0.83),
    (PYDANTIC, DOC_URLS, EVAL_DIR / "pydantic-docs-test.jsonl", 0.78, 0.86, 0.81),
]


@pytest.mark.parametrize(
    ("corpus", "template", "questions", "r1", "r3", "f1"),
    FLOORS,
    ids=[f"{c.name}:{q.stem}" for c, _t, q, *_rest in FLOORS],
)
def test_quality_floors(
    corpus: Path,
    template: str,
    questions: Path,
    r1: float,
    r3: float,
    f1: float,
    tmp_path: Path,
) -> None:
    if not corpus.is_dir() or not questions.is_file():
        pytest.skip(f"{corpus} or {questions} not present")
    qset = QuestionSet(questions.stem, corpus, questions, template)
    metrics = score(asyncio.run(project_outcomes(qset, tmp_path)))
    summary = metrics.as_dict()
    summary.pop("misses")
    assert metrics.recall_at_1 >= r1, summary
    assert metrics.recall_at_3 >= r3, summary
    assert metrics.abstain_f1 >= f1, summary


# With the semantic stage on (``bench.quality --semantic``, 2026-12-07): (recall@1,
# recall@3, abstain F1) floors for the two corpora whose vectors take seconds to encode
# (the Rust blog's take minutes: measured by hand, see README "The semantic stage").
SEMANTIC_FLOORS = [
    (POWERAPPS, "", EVAL_DIR / "powerapps-news-tune.jsonl", (0.88, 0.89, 0.71)),
    (POWERAPPS, "", EVAL_DIR / "powerapps-news-test.jsonl", (0.84, 0.92, 0.73)),
    (PYDANTIC, DOC_URLS, EVAL_DIR / "pydantic-docs-tune.jsonl", (0.84, 0.94, 0.76)),
    (PYDANTIC, DOC_URLS, EVAL_DIR / "pydantic-docs-test.jsonl", (0.78, 0.87, 0.79)),
]


@pytest.fixture(scope="module")
def vectors_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the module's saved indexes and vectors (each corpus encoded once)."""
    return tmp_path_factory.mktemp("semantic-cache")


@pytest.mark.parametrize(
    ("corpus", "template", "questions", "floors"),
    SEMANTIC_FLOORS,
    ids=[f"{c.name}:{q.stem}" for c, _t, q, _f in SEMANTIC_FLOORS],
)
def test_quality_floors_with_the_semantic_stage(
    corpus: Path,
    template: str,
    questions: Path,
    floors: tuple[float, float, float],
    tmp_path: Path,
    vectors_cache: Path,
) -> None:
    pytest.importorskip("fastembed", reason="the semantic extra is not installed")
    if not (MINILM / "model.onnx").is_file() or not corpus.is_dir():
        pytest.skip(f"{MINILM} or {corpus} not present")
    qset = QuestionSet(questions.stem, corpus, questions, template)
    stage = {"semantic.enabled": True, "semantic.model": str(MINILM),
             "corpus.index_cache": str(vectors_cache)}  # fmt: skip
    metrics = score(asyncio.run(project_outcomes(qset, tmp_path, stage)))
    summary = metrics.as_dict()
    summary.pop("misses")
    r1, r3, f1 = floors
    assert metrics.recall_at_1 >= r1, summary
    assert metrics.recall_at_3 >= r3, summary
    assert metrics.abstain_f1 >= f1, summary


def test_question_sets_are_big_enough_and_split() -> None:
    """At least 120 questions a corpus, a fifth of them unanswerable, tuning and test
    halves sharing no question."""
    for name in ("powerapps-news", "rust-blog", "pydantic-docs"):
        tune = (EVAL_DIR / f"{name}-tune.jsonl").read_text().splitlines()
        test = (EVAL_DIR / f"{name}-test.jsonl").read_text().splitlines()
        assert len(tune) + len(test) >= 120
        assert not set(tune) & set(test)
        unanswerable = sum('"relevant": []' in line for line in tune + test)
        assert unanswerable >= 0.2 * (len(tune) + len(test))
