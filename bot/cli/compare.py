"""``bot eval FILE --compare``: one question file with the semantic stage off and on,
side by side, with the questions whose answer changed."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any, TextIO

from bot.answer.evaluate import Metrics, Outcome, Question, score
from bot.app import running
from bot.errors import CorpusError
from bot.model import AskContext
from bot.service import Service
from bot.settings import Settings

_ROWS = (
    ("recall@1", "recall_at_1"),
    ("recall@3", "recall_at_3"),
    ("MRR@10", "mrr_at_10"),
    ("abstain precision", "abstain_precision"),
    ("abstain recall", "abstain_recall"),
    ("abstain F1", "abstain_f1"),
)


async def ask_all(service: Service, questions: Sequence[Question]) -> list[Outcome]:
    """What the service answers to each question (kept out of the query log by the caller)."""
    outcomes = []
    context = AskContext(surface="eval")
    for question in questions:
        answer = await service.ask(question.q, context=context)
        ranked = tuple((r.article.id, *(a.id for a in r.also)) for r in answer.results)
        outcomes.append(Outcome(question, answer.answered, ranked, answer.confidence))
    return outcomes


async def outcomes_with_stage(
    settings: Settings, questions: Sequence[Question], enabled: bool
) -> list[Outcome]:
    """The answers with the semantic stage ``enabled`` or not; raises :class:`CorpusError`
    when it is wanted but cannot run (the warning logged says why)."""
    semantic = dataclasses.replace(settings.semantic, enabled=enabled)
    chosen = dataclasses.replace(settings, semantic=semantic)
    async with running(chosen, log_questions=False) as app:
        if enabled and app.service.snapshot.semantic is None:
            raise CorpusError(
                f"the semantic stage cannot run with semantic.model = {settings.semantic.model!r}"
                " (the warning above says why)"
            )
        return await ask_all(app.service, questions)


def _said(outcome: Outcome) -> str:
    top = outcome.ranked[0][0] if outcome.ranked else "nothing"
    return top if outcome.answered else f"no answer (nearest {top})"


def _right(outcome: Outcome) -> bool:
    return outcome.rank == 1 if outcome.question.relevant else not outcome.answered


def changes(off: Sequence[Outcome], on: Sequence[Outcome]) -> list[dict[str, Any]]:
    """The questions answered differently: what each said, and whether it got better."""
    found = []
    for before, after in zip(off, on, strict=True):
        if (before.answered, before.ranked[:1]) == (after.answered, after.ranked[:1]):
            continue
        was, now = _right(before), _right(after)
        found.append(
            {
                "id": before.question.id,
                "kind": before.question.kind,
                "q": before.question.q,
                "off": _said(before),
                "on": _said(after),
                "change": "better" if now and not was else "worse" if was and not now else "other",
            }
        )
    return found


def compare_text(off: Metrics, on: Metrics, changed: Sequence[dict[str, Any]]) -> str:
    """Both evaluations side by side, then the changed questions (+ better, - worse)."""
    lines = [f"questions {off.questions} (answerable {off.answerable})", ""]
    lines.append(f"{'':<20}{'stage off':>10}{'stage on':>10}")
    for label, name in _ROWS:
        lines.append(f"{label:<20}{getattr(off, name):>10.3f}{getattr(on, name):>10.3f}")
    better = sum(1 for c in changed if c["change"] == "better")
    worse = sum(1 for c in changed if c["change"] == "worse")
    lines += ["", f"answers changed: {len(changed)} ({better} better, {worse} worse)"]
    marks = {"better": "+", "worse": "-", "other": "~"}
    for change in changed:
        lines.append(
            f"  {marks[change['change']]} {change['id']} [{change['kind']}] {change['q']!r}: "
            f"off {change['off']}; on {change['on']}"
        )
    return "\n".join(lines)


async def cmd_compare(
    settings: Settings, questions: Sequence[Question], as_json: bool, out: TextIO
) -> int:
    """Run ``questions`` with the stage off, then on, and print the comparison."""
    off = await outcomes_with_stage(settings, questions, enabled=False)
    on = await outcomes_with_stage(settings, questions, enabled=True)
    changed = changes(off, on)
    before, after = score(off), score(on)
    if as_json:
        data = {"off": before.as_dict(), "on": after.as_dict(), "changed": changed}
        out.write(json.dumps(data, indent=2) + "\n")
    else:
        out.write(compare_text(before, after, changed) + "\n")
    return 0
