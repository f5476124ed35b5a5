"""Learn the abstain model from labelled questions, and choose its default threshold.

    python -m bench.calibrate            # leave-one-corpus-out figures, nothing written
    python -m bench.calibrate --write    # also write bot/data/abstain.json
    python -m bench.calibrate --corpus typer=/path/to/docs:/path/q.jsonl   # validate on more
    python -m bench.calibrate --semantic ../shared/models/all-MiniLM-L6-v2-onnx --write
        # the model for the semantic stage (bot/data/abstain-semantic.json), cosine included

Labelled data, from the tuning halves and the older question sets only (the
test halves are never seen here):

* every question asked of its own corpus: answerable (1) or not (0);
* every answerable question asked again with its relevant articles left out
  of the index: the corpus then truly lacks the answer (0, the hardest kind);
* questions of the other corpora (0), a sample of each.

Leave-one-corpus-out: for each corpus, a model trained on the others is
measured on that corpus's own questions (abstain precision, recall and F1,
and recall@1 when answering). The default threshold is the one with the best
mean of F1 and recall@1 over those held-out corpora; the shipped model is
then trained on every corpus. Extra corpora given with ``--corpus`` are only
held out, never trained on, so the shipped model depends on the shared
corpora alone.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.answer.abstain import (
    MODEL_FILE,
    AbstainModel,
    offtopic_bar,
    offtopic_questions,
    shipped_model,
)
from bot.answer.build import AnswerOptions, confidence_of
from bot.answer.evaluate import Question, read_questions
from bot.answer.signals import SIGNALS
from bot.corpus.loader import LoadOptions
from bot.index.assemble import assemble
from bot.index.search import Index
from bot.index.store import settings_key
from bot.settings import load_settings
from bot.snapshot import build_index, semantic_stage

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"
EVAL = ROOT / "tests" / "eval"
MODEL_PATH = ROOT / "bot" / "data" / "abstain.json"
SEMANTIC_MODEL_PATH = ROOT / "bot" / "data" / "abstain-semantic.json"
# The lexical model does without the semantic stage's signal.
LEXICAL_SIGNALS = tuple(name for name in SIGNALS if name != "cosine")
CROSS_SAMPLE = 40  # questions taken from each other corpus as negatives
# How much each kind of row counts in training. Questions asked with their answers left
# out look more answerable than real unanswerable questions do, and a full weight made
# the held-out corpora's own questions harder to tell apart (measured: AUC 0.83-0.92
# against 0.84-0.94 at these weights).
KIND_WEIGHTS = {"own": 1.0, "masked": 0.25, "cross": 1.0}
THRESHOLDS = [round(t, 2) for t in np.arange(0.04, 0.90, 0.02)]


@dataclass(frozen=True)
class Corpus:
    """A corpus and its labelled questions."""

    name: str
    root: Path
    url_template: str
    files: tuple[Path, ...]
    train: bool = True


def shared_corpora() -> list[Corpus]:
    """The corpora the shipped model learns from (those present)."""
    found = [
        Corpus("seeds", ROOT / "seeds", "", (EVAL / "seeds-questions.jsonl",)),
        Corpus(
            "powerapps-news",
            SHARED / "powerapps-news",
            "",
            (EVAL / "powerapps-news-tune.jsonl", EVAL / "powerapps-news-questions.jsonl"),
        ),
        Corpus(
            "rust-blog",
            SHARED / "rust-blog",
            "https://blog.rust-lang.org/{path}/",
            (EVAL / "rust-blog-tune.jsonl", EVAL / "rust-blog-questions.jsonl"),
        ),
        Corpus(
            "pydantic-docs",
            SHARED / "pydantic-docs",
            "https://docs.pydantic.dev/latest/{stem_path}/",
            (EVAL / "pydantic-docs-tune.jsonl",),
        ),
    ]
    return [c for c in found if c.root.is_dir()]


@dataclass
class Row:
    """One labelled question: its signals and what the search found."""

    corpus: str
    kind: str  # "own", "masked" or "cross"
    label: int
    signals: list[float]
    top_right: bool = False  # the best hit is a relevant article


@dataclass
class Data:
    """Every row, by corpus."""

    rows: list[Row] = field(default_factory=list)
    offtopic: dict[str, list[list[float]]] = field(default_factory=dict)  # signals, by corpus

    def select(self, corpora: Iterable[str], kinds: Iterable[str]) -> list[Row]:
        """The rows of some corpora and kinds."""
        names, wanted = set(corpora), set(kinds)
        return [r for r in self.rows if r.corpus in names and r.kind in wanted]


def index_for(corpus: Corpus, rerank: bool = True, **settings_: Any) -> Index:
    """The index the bot would build for ``corpus`` with the default settings
    (``rerank``: with the shipped reranker, as the bot has it by default; other
    settings by their dotted names, the semantic stage's among them)."""
    overrides = {"corpus.dir": str(corpus.root), "search.rerank": rerank, **settings_}
    settings = load_settings(env={}, overrides=overrides)
    options = LoadOptions(url_template=corpus.url_template)
    parts = assemble(corpus.root, options, settings_key(options), None, workers=1)
    return build_index(parts, settings, semantic_stage(settings, parts, None))


def ask(index: Index, text: str, allowed: np.ndarray | None = None) -> tuple[list[float], str]:
    """The signals of ``text`` and the best hit's ids, as the service computes them."""
    _confidence, signals, hits = confidence_of(index, text, AnswerOptions(0.0), allowed)
    top = [index.articles[d].id for d in (hits[0].doc, *hits[0].duplicates)] if hits else []
    return [signals[name] for name in SIGNALS], " ".join(top)


def questions_of(corpus: Corpus) -> list[Question]:
    """Every question of a corpus's files (those present), without repeats."""
    seen: dict[str, Question] = {}
    for path in corpus.files:
        if path.is_file():
            for question in read_questions(path):
                seen.setdefault(question.q, question)
    return list(seen.values())


def collect(corpora: Sequence[Corpus], seed: int = 7, **settings_: Any) -> Data:
    """Rows for every corpus: own questions, masked answerable ones, others' questions
    (``settings_``: for the indexes, by dotted name)."""
    data = Data()
    indexes = {c.name: index_for(c, **settings_) for c in corpora}
    own = {c.name: questions_of(c) for c in corpora}
    rng = random.Random(seed)
    for corpus in corpora:
        index = indexes[corpus.name]
        data.offtopic[corpus.name] = [ask(index, q)[0] for q in offtopic_questions()]
        for question in own[corpus.name]:
            signals, top = ask(index, question.q)
            right = any(rel in top.split() for rel in question.relevant)
            data.rows.append(Row(corpus.name, "own", int(bool(question.relevant)), signals, right))
            positions = [index.position(rel) for rel in question.relevant]
            if question.relevant and all(p is not None for p in positions):
                allowed = np.ones(len(index), bool)
                allowed[[p for p in positions if p is not None]] = False
                signals, _top = ask(index, question.q, allowed)
                data.rows.append(Row(corpus.name, "masked", 0, signals))
        for other in corpora:
            if other.name == corpus.name:
                continue
            sample = rng.sample(own[other.name], min(CROSS_SAMPLE, len(own[other.name])))
            for question in sample:
                signals, _top = ask(index, question.q)
                data.rows.append(Row(f"{corpus.name}<{other.name}", "cross", 0, signals))
    return data


def fit(
    rows: Sequence[Row], threshold: float = 0.5, signals: Sequence[str] = LEXICAL_SIGNALS
) -> AbstainModel:
    """A standardised, class-balanced logistic regression over ``rows``'s ``signals``."""
    from sklearn.linear_model import LogisticRegression

    columns = [SIGNALS.index(name) for name in signals]
    x = np.array([[r.signals[c] for c in columns] for r in rows], dtype=np.float64)
    y = np.array([r.label for r in rows])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale <= 1e-9] = 1.0
    weights = np.array([KIND_WEIGHTS[r.kind] for r in rows])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
    model.fit((x - mean) / scale, y, sample_weight=weights)
    return AbstainModel(
        signals=tuple(signals),
        mean=tuple(round(float(v), 6) for v in mean),
        scale=tuple(round(float(v), 6) for v in scale),
        coef=tuple(round(float(v), 6) for v in model.coef_[0]),
        intercept=round(float(model.intercept_[0]), 6),
        threshold=threshold,
    )


def bar(model: AbstainModel, data: Data, corpus: str, threshold: float) -> float:
    """The confidence an answer needs in ``corpus``, as the service works it out."""
    reached = [model.confidence(dict(zip(SIGNALS, s, strict=True))) for s in data.offtopic[corpus]]
    return max(threshold, offtopic_bar(reached))


def figures(model: AbstainModel, rows: Sequence[Row], threshold: float) -> dict[str, float]:
    """Abstain precision, recall, F1 and recall@1 (answered and right) on real questions."""
    answered = [
        model.confidence(dict(zip(SIGNALS, r.signals, strict=True))) >= threshold for r in rows
    ]
    unanswerable = [r.label == 0 for r in rows]
    abstained_right = sum(1 for a, u in zip(answered, unanswerable, strict=True) if not a and u)
    abstained = sum(1 for a in answered if not a)
    precision = abstained_right / abstained if abstained else 0.0
    recall = abstained_right / sum(unanswerable) if any(unanswerable) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    answerable = [r for r in rows if r.label == 1]
    hits = sum(1 for a, r in zip(answered, rows, strict=True) if a and r.label == 1 and r.top_right)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "recall@1": hits / len(answerable) if answerable else 0.0,
        "ranked@1": sum(r.top_right for r in answerable) / len(answerable) if answerable else 0.0,
    }


def leave_one_out(
    data: Data,
    trained: Sequence[str],
    held: Sequence[str],
    signals: Sequence[str],
    thresholds: Sequence[float] = THRESHOLDS,
) -> dict[str, dict[float, dict[str, float]]]:
    """For each held-out corpus: figures at every threshold of a model trained without it."""
    results: dict[str, dict[float, dict[str, float]]] = {}
    for name in held:
        others = [c for c in trained if c != name]
        rows = [
            r
            for r in data.rows
            if r.corpus.split("<")[0] in others and name not in r.corpus.split("<")
        ]
        model = fit(rows, signals=signals)
        own = data.select([name], ["own"])
        results[name] = {t: figures(model, own, bar(model, data, name, t)) for t in thresholds}
    return results


def choose_threshold(
    loco: dict[str, dict[float, dict[str, float]]], corpora: Sequence[str]
) -> float:
    """The threshold with the best mean of F1 and recall@1 over ``corpora``."""

    def worth(t: float) -> float:
        return float(np.mean([(loco[c][t]["f1"] + loco[c][t]["recall@1"]) / 2 for c in corpora]))

    return max(loco[corpora[0]], key=worth)


def choose_signals(
    data: Data,
    trained: Sequence[str],
    held: Sequence[str],
    judged: Sequence[str],
    choices: Sequence[Sequence[str]],
    threshold: float | None = None,
) -> tuple[tuple[str, ...], dict[str, dict[float, dict[str, float]]], float]:
    """Of the signal sets ``choices``, the one whose left-one-corpus-out figures on
    ``judged`` are best (mean of F1 and recall@1 at its chosen threshold, or at
    ``threshold`` when one is given), with those figures and that threshold. A signal
    that does not carry from corpus to corpus is left out this way (the cosine,
    measured: see README "The semantic stage")."""
    best: tuple[float, tuple[str, ...], dict[str, dict[float, dict[str, float]]], float] | None
    best = None
    for choice in choices:
        thresholds = THRESHOLDS if threshold is None else [threshold]
        loco = leave_one_out(data, trained, held, choice, thresholds)
        at = choose_threshold(loco, judged) if threshold is None else threshold
        worth = float(np.mean([(loco[c][at]["f1"] + loco[c][at]["recall@1"]) / 2 for c in judged]))
        print(f"  {len(choice)} signals ({', '.join(choice[-2:])} last): worth {worth:.4f}")
        if best is None or worth > best[0]:
            best = (worth, tuple(choice), loco, at)
    assert best is not None
    return best[1], best[2], best[3]


def parse_extra(spec: str) -> Corpus:
    """``name=DIR:QUESTIONS[:URL_TEMPLATE]`` as a held-out-only corpus."""
    name, rest = spec.split("=", 1)
    root, files, *template = rest.split(":", 2)
    return Corpus(name, Path(root), template[0] if template else "", (Path(files),), train=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_PATH}")
    parser.add_argument("--corpus", action="append", default=[], help="NAME=DIR:QUESTIONS")
    parser.add_argument("--semantic", metavar="MODEL", help="with the semantic stage's model")
    parser.add_argument("--cache", metavar="DIR", help="keep the vectors here (with --semantic)")
    args = parser.parse_args(argv)
    corpora = shared_corpora() + [parse_extra(s) for s in args.corpus]
    stage: dict[str, Any] = {}
    if args.semantic:
        stage = {"semantic.enabled": True, "semantic.model": args.semantic,
                 "corpus.index_cache": args.cache or ""}  # fmt: skip
    path = SEMANTIC_MODEL_PATH if args.semantic else MODEL_PATH
    data = collect(corpora, **stage)
    trained = [c.name for c in corpora if c.train]
    held = [c.name for c in corpora if c.name != "seeds"]
    shared_held = [c for c in held if c in trained]
    choices = [LEXICAL_SIGNALS, SIGNALS] if args.semantic else [LEXICAL_SIGNALS]
    # With the stage, at the lexical model's threshold: one setting serves both models.
    fixed = shipped_model(MODEL_FILE).threshold if args.semantic else None
    signals, loco, threshold = choose_signals(data, trained, held, shared_held, choices, fixed)
    print(f"signals: {', '.join(signals)}")
    print(f"threshold ({'fixed' if fixed else 'chosen on ' + ', '.join(shared_held)}): {threshold}")
    final = fit([r for r in data.rows if r.corpus.split("<")[0] in trained], threshold, signals)
    print(f"{'held out':16} {'P':>6} {'R':>6} {'F1':>6} {'R@1':>6} {'ranked':>7}")
    summary = {}
    for name in held:
        row = loco[name][threshold]
        summary[name] = {k: round(v, 3) for k, v in row.items()}
        print(
            f"{name:16} {row['precision']:6.3f} {row['recall']:6.3f} {row['f1']:6.3f} "
            f"{row['recall@1']:6.3f} {row['ranked@1']:7.3f}"
        )
    print("coefficients:", dict(zip(signals, final.coef, strict=True)))
    for name in [c.name for c in corpora]:
        print(f"bar with the final model in {name}: {bar(final, data, name, final.threshold):.2f}")
    if args.write:
        notes = {
            "trained_on": trained,
            "rows": len(data.rows),
            "leave_one_corpus_out": {k: v for k, v in summary.items()},
        }
        path.write_text(json.dumps(final.as_json(**notes), indent=1) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
