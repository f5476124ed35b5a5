"""Retrieval quality on a question file: recall@1, recall@3, MRR@10, abstain precision/recall.

Question files hold one JSON object a line: ``{"id", "q", "relevant": [ids], "kind"}``;
an empty ``relevant`` list means the corpus cannot answer. A question counts as
found at rank r when one of its relevant ids, or a near-duplicate grouped under
a result, stands at rank r *and* the answer says ``answered``. Pure: the caller
supplies the answers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class QuestionFileError(ValueError):
    """A question file that cannot be read; the message names the line."""


@dataclass(frozen=True, slots=True)
class Question:
    """One evaluation question."""

    id: str
    q: str
    relevant: tuple[str, ...]
    kind: str = "other"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the bot did with one question."""

    question: Question
    answered: bool
    ranked: tuple[tuple[str, ...], ...]  # per rank: the result id and its grouped duplicates
    confidence: float = 0.0

    @property
    def top_right(self) -> bool:
        """Whether the best result is a relevant article (answered or not)."""
        wanted = set(self.question.relevant)
        return bool(self.ranked) and bool(wanted & set(self.ranked[0]))

    @property
    def rank(self) -> int | None:
        """1-based rank of the first relevant result when answered, else ``None``."""
        if not self.answered or not self.question.relevant:
            return None
        wanted = set(self.question.relevant)
        for position, ids in enumerate(self.ranked[:10], 1):
            if wanted & set(ids):
                return position
        return None


@dataclass(slots=True)
class Metrics:
    """Aggregated figures over a set of outcomes."""

    questions: int = 0
    answerable: int = 0
    recall_at_1: float = 0.0
    recall_at_3: float = 0.0
    mrr_at_10: float = 0.0
    abstain_precision: float = 0.0
    abstain_recall: float = 0.0
    abstain_f1: float = 0.0
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)
    curve: list[dict[str, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "questions": self.questions,
            "answerable": self.answerable,
            "recall@1": round(self.recall_at_1, 4),
            "recall@3": round(self.recall_at_3, 4),
            "mrr@10": round(self.mrr_at_10, 4),
            "abstain_precision": round(self.abstain_precision, 4),
            "abstain_recall": round(self.abstain_recall, 4),
            "abstain_f1": round(self.abstain_f1, 4),
            "by_kind": self.by_kind,
            "precision_by_share_answered": self.curve,
            "misses": self.misses,
        }


def read_questions(path: Path) -> list[Question]:
    """Read a question file; raises :class:`QuestionFileError` naming the bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"cannot read question file {path}: {exc}") from None
    questions: list[Question] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            questions.append(
                Question(
                    id=str(data.get("id", f"line-{number}")),
                    q=str(data["q"]),
                    relevant=tuple(str(r) for r in data.get("relevant") or ()),
                    kind=str(data.get("kind") or "other"),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise QuestionFileError(f"{path}:{number}: not a question object ({exc})") from None
    if not questions:
        raise QuestionFileError(f"question file {path} holds no questions")
    return questions


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _retrieval(outcomes: Sequence[Outcome]) -> dict[str, float]:
    answerable = [o for o in outcomes if o.question.relevant]
    ranks = [o.rank for o in answerable]
    n = len(answerable)
    return {
        "n": n,
        "recall@1": round(_ratio(sum(1 for r in ranks if r == 1), n), 4),
        "recall@3": round(_ratio(sum(1 for r in ranks if r is not None and r <= 3), n), 4),
        "mrr@10": round(_ratio(sum(1.0 / r for r in ranks if r is not None), n), 4),
    }


SHARES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def precision_curve(outcomes: Sequence[Outcome]) -> list[dict[str, float]]:
    """How precise the answers are when the bot answers only its most confident share.

    Questions are ordered by confidence; for each share, the precision is the
    part of those answered whose best result is relevant (an answer to a
    question the corpus cannot answer is wrong), and the confidence it takes.
    """
    ordered = sorted(outcomes, key=lambda o: -o.confidence)
    curve: list[dict[str, float]] = []
    for share in SHARES:
        count = max(1, round(share * len(ordered))) if ordered else 0
        chosen = ordered[:count]
        right = sum(1 for o in chosen if o.question.relevant and o.top_right)
        curve.append(
            {
                "answered": share,
                "precision": round(_ratio(right, len(chosen)), 4),
                "confidence": round(chosen[-1].confidence, 4) if chosen else 0.0,
            }
        )
    return curve


def score(outcomes: Iterable[Outcome]) -> Metrics:
    """Compute every metric, the per-kind breakdown and the list of misses."""
    items = list(outcomes)
    overall = _retrieval(items)
    abstained = [o for o in items if not o.answered]
    unanswerable = [o for o in items if not o.question.relevant]
    correct = sum(1 for o in abstained if not o.question.relevant)
    precision = _ratio(correct, len(abstained))
    recall = _ratio(correct, len(unanswerable))
    kinds: defaultdict[str, list[Outcome]] = defaultdict(list)
    for outcome in items:
        kinds[outcome.question.kind].append(outcome)
    by_kind: dict[str, dict[str, float]] = {}
    for kind, group in sorted(kinds.items()):
        figures: dict[str, float] = (
            _retrieval(group) if any(o.question.relevant for o in group) else {"n": 0}
        )
        figures["questions"] = len(group)
        figures["abstained"] = sum(1 for o in group if not o.answered)
        by_kind[kind] = figures
    misses = [
        {
            "id": o.question.id,
            "kind": o.question.kind,
            "q": o.question.q,
            "answered": o.answered,
            "expected": list(o.question.relevant[:3]),
            "got": [ids[0] for ids in o.ranked[:3]],
        }
        for o in items
        if (o.question.relevant and o.rank != 1) or (not o.question.relevant and o.answered)
    ]
    return Metrics(
        questions=len(items),
        answerable=int(overall["n"]),
        recall_at_1=overall["recall@1"],
        recall_at_3=overall["recall@3"],
        mrr_at_10=overall["mrr@10"],
        abstain_precision=precision,
        abstain_recall=recall,
        abstain_f1=_ratio(2 * precision * recall, precision + recall),
        by_kind=by_kind,
        misses=misses,
        curve=precision_curve(items),
    )
