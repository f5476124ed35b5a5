"""Learn the reranker from labelled questions: a linear model over the leading candidates.

    python -m bench.rerank               # leave-one-corpus-out figures, nothing written
    python -m bench.rerank --write       # also write bot/data/rerank.json
    python -m bench.rerank --features score,passage,phrase   # another feature set
    python -m bench.rerank --corpus fastapi=/path/docs:/path/q.jsonl   # validate on more

For every answerable question of the tuning halves and the older question sets
(the test halves are never read here), the :data:`bot.index.rerank.CANDIDATES`
best articles by BM25F and their features are collected. The model is a
linear score learned with a listwise loss: a softmax over each question's
candidates, whose target is spread over the relevant ones, with an L2 penalty
(a question whose candidates hold no relevant article teaches nothing and is
left out). Leave-one-corpus-out: for each corpus, a model trained on the
others reorders that corpus's questions, beside BM25F's own order. The shipped
model is trained on every shared corpus; corpora given with ``--corpus`` are
only held out.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.calibrate import Corpus, index_for, parse_extra, questions_of, shared_corpora
from bot.index.engine import top_positions
from bot.index.rerank import CANDIDATES, FEATURES, RerankModel, features, score_unit
from bot.index.search import group_duplicates

ROOT = Path(__file__).resolve().parent.parent
MODEL_PATH = ROOT / "bot" / "data" / "rerank.json"
DEFAULT_FEATURES = ("score", "passage", "phrase", "complete", "date")
L2 = 0.01


@dataclass
class Case:
    """One answerable question: its candidates' features and which are relevant."""

    corpus: str
    question: str
    table: np.ndarray
    relevant: np.ndarray  # 1.0 for a relevant candidate (or one grouped with it)
    found: bool  # a relevant article is among the candidates


def cases_of(corpus: Corpus, settings: dict[str, Any] | None = None) -> list[Case]:
    """The cases of every answerable question of a corpus, with BM25F's candidates
    (``settings``: dotted names to values, for trying other BM25F parameters)."""
    index = index_for(corpus, rerank=False, **(settings or {}))
    found: list[Case] = []
    for question in questions_of(corpus):
        if not question.relevant:
            continue
        query = index.parse(question.q)
        scores = index.scores(query.terms) if query.terms else np.zeros(len(index), np.float32)
        docs = top_positions(scores, None, CANDIDATES) if query.terms else []
        wanted = set(question.relevant)
        groups = {lead: [lead, *rest] for lead, rest in group_duplicates(docs, index, 0.6)}
        labels = []
        for doc in docs:
            ids = {index.articles[d].id for d in groups.get(doc, [doc])}
            labels.append(float(bool(ids & wanted)))
        table = features(index, query, scores, docs)
        relevant = np.array(labels)
        found.append(Case(corpus.name, question.q, table, relevant, bool(relevant.sum())))
    return found


def fit(cases: Sequence[Case], names: Sequence[str], l2: float = L2) -> RerankModel:
    """The linear model with the least listwise loss over ``cases`` (L2-penalised)."""
    from scipy.optimize import minimize

    columns = [FEATURES.index(n) for n in names]
    usable = [c for c in cases if c.found and len(c.relevant) > 1]
    stacked = np.vstack([c.table[:, columns] for c in usable])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale[scale <= 1e-9] = 1.0
    sets = [((c.table[:, columns] - mean) / scale, c.relevant / c.relevant.sum()) for c in usable]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for x, target in sets:
            s = x @ w
            s -= s.max()
            p = np.exp(s)
            p /= p.sum()
            total -= float(target @ np.log(p + 1e-12))
            grad -= x.T @ (target - p)
        return total / len(sets) + l2 * float(w @ w) / 2, grad / len(sets) + l2 * w

    start = np.zeros(len(columns))
    start[list(names).index("score")] = 1.0
    result = minimize(loss, start, jac=True, method="L-BFGS-B")
    return RerankModel(
        tuple(names),
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in scale),
        tuple(round(float(v), 6) for v in result.x),
    )


def recall(cases: Sequence[Case], model: RerankModel | None) -> tuple[float, float]:
    """Recall@1 and @3 over ``cases`` in BM25F's order or the model's."""
    at1 = at3 = 0
    for case in cases:
        if not len(case.relevant):
            continue
        order = np.arange(len(case.relevant))
        if model is not None:
            values = model.values(case.table)
            order = np.array(sorted(order, key=lambda n: (-values[n], n)))
        ranks = np.flatnonzero(case.relevant[order] > 0)
        at1 += bool(len(ranks) and ranks[0] == 0)
        at3 += bool(len(ranks) and ranks[0] < 3)
    return at1 / len(cases), at3 / len(cases)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_PATH}")
    parser.add_argument("--features", default=",".join(DEFAULT_FEATURES))
    parser.add_argument("--l2", type=float, default=L2)
    parser.add_argument("--corpus", action="append", default=[], help="NAME=DIR:QUESTIONS")
    parser.add_argument("--set", action="append", default=[], help="SECTION.KEY=NUMBER")
    args = parser.parse_args(argv)
    settings = {k: float(v) for k, v in (s.split("=", 1) for s in args.set)}
    names = [n for n in args.features.split(",") if n]
    if "score" not in names or set(names) - set(FEATURES):
        parser.error(f"features: 'score' and any of {', '.join(FEATURES)}")
    corpora = shared_corpora() + [parse_extra(s) for s in args.corpus]
    cases = {c.name: cases_of(c, settings) for c in corpora}
    trained = [c.name for c in corpora if c.train]
    print(f"features: {', '.join(names)}")
    print(f"{'held out':16} {'questions':>9} {'BM25F R@1':>10} {'R@3':>6}", end=" ")
    print(f"{'reranked R@1':>13} {'R@3':>6}")
    for corpus in corpora:
        if corpus.name == "seeds":
            continue
        model = fit([c for n in trained if n != corpus.name for c in cases[n]], names, args.l2)
        plain, reranked = recall(cases[corpus.name], None), recall(cases[corpus.name], model)
        print(
            f"{corpus.name:16} {len(cases[corpus.name]):9} {plain[0]:10.3f} {plain[1]:6.3f} "
            f"{reranked[0]:13.3f} {reranked[1]:6.3f}"
        )
    final = fit([c for n in trained for c in cases[n]], names, args.l2)
    print("coefficients:", dict(zip(final.features, final.coef, strict=True)))
    print(f"a whole BM25F score is worth {score_unit(final):.3f}")
    if args.write:
        questions = sum(len(cases[n]) for n in trained)
        notes = {"trained_on": trained, "questions": questions, "l2": args.l2}
        MODEL_PATH.write_text(json.dumps(final.as_json(**notes), indent=1) + "\n")
        print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
