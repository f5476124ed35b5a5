"""Retrieval quality floors on real corpora: these only go up."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluate import Metrics, Outcome, read_questions, score
from bot.service import Service
from bot.settings import load_settings
from tests.conftest import EVAL_DIR, POWERAPPS, RUST_BLOG, SEEDS, SHARED

# (corpus, question file, recall@1, recall@3, abstain F1) floors
FLOORS = [
    pytest.param(
        SEEDS, SHARED / "eval" / "seed-questions.jsonl", 0.85, 0.95, 0.99, id="seeds-public"
    ),
    pytest.param(SEEDS, EVAL_DIR / "seeds-questions.jsonl", 0.94, 0.97, 0.6, id="seeds"),
    pytest.param(
        POWERAPPS, EVAL_DIR / "powerapps-news-questions.jsonl", 0.69, 0.75, 0.61, id="powerapps"
    ),
    pytest.param(
        RUST_BLOG, EVAL_DIR / "rust-blog-questions.jsonl", 0.88, 0.93, 0.73, id="rust-blog"
    ),
]


async def evaluate(corpus: Path, questions: Path, tmp_path: Path) -> Metrics:
    settings = load_settings(
        env={},
        overrides={
            "corpus.dir": str(corpus),
            "db.path": str(tmp_path / "q.sqlite3"),
            "corpus.index_cache": "",
        },
    )
    service = Service(settings)
    await service.start()
    outcomes = []
    for question in read_questions(questions):
        answer = await service.ask(question.q)
        ranked = tuple((r.article.id, *(a.id for a in r.also)) for r in answer.results)
        outcomes.append(Outcome(question, answer.answered, ranked))
    return score(outcomes)


@pytest.mark.parametrize(("corpus", "questions", "r1", "r3", "f1"), FLOORS)
async def test_quality_floors(
    corpus: Path, questions: Path, r1: float, r3: float, f1: float, tmp_path: Path
) -> None:
    if not corpus.is_dir() or not questions.is_file():
        pytest.skip(f"{corpus} or {questions} not present")
    metrics = await evaluate(corpus, questions, tmp_path)
    summary = metrics.as_dict()
    summary.pop("misses")
    assert metrics.recall_at_1 >= r1, summary
    assert metrics.recall_at_3 >= r3, summary
    assert metrics.abstain_f1 >= f1, summary


def test_question_sets_are_well_formed() -> None:
    for path in EVAL_DIR.glob("*.jsonl"):
        questions = read_questions(path)
        assert len(questions) >= 40 or path.name.startswith("seeds"), path
        assert len({q.id for q in questions}) == len(questions)
        assert any(not q.relevant for q in questions), f"{path} has no unanswerable questions"
