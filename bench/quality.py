"""Answer quality on the project's question sets, beside plain rank-bm25 and bm25s.

    python -m bench.quality                 # every set found, a Markdown table
    python -m bench.quality --halves test   # the test halves only (what the README reports)
    python -m bench.quality --semantic ../shared/models/all-MiniLM-L6-v2-onnx  # stage on

For each question set: the bot as it answers (``recall@1`` and ``recall@3``
count a hit only when it says it answered; abstain precision, recall and F1),
its ranking alone (the top result, answered or not), and two plain baselines
that always answer: rank-bm25 (``BM25Okapi``) and bm25s (``BM25``, Lucene
variant) over each article's title, excerpt and body, tokenised by bm25s with
English stop words and the Snowball stemmer (bm25s's own pipeline, for both).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.answer.evaluate import Metrics, Outcome, Question, read_questions, score
from bot.app import build_service
from bot.corpus.loader import LoadOptions, load_corpus
from bot.model import Article
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EVAL = ROOT / "tests" / "eval"
RUST_URLS = "https://blog.rust-lang.org/{path}/"
DOC_URLS = "https://docs.pydantic.dev/latest/{stem_path}/"


@dataclass(frozen=True)
class QuestionSet:
    """A question file and the corpus it asks."""

    name: str
    corpus: Path
    file: Path
    url_template: str = ""


def question_sets(halves: Sequence[str]) -> list[QuestionSet]:
    """The sets present: the seeds' public set and ours, and each corpus's halves."""
    found = [
        QuestionSet("seeds (public)", ROOT / "seeds", SHARED / "eval" / "seed-questions.jsonl"),
        QuestionSet("seeds", ROOT / "seeds", EVAL / "seeds-questions.jsonl"),
    ]
    corpora = (
        ("powerapps-news", ""),
        ("rust-blog", RUST_URLS),
        ("pydantic-docs", DOC_URLS),
    )
    for name, template in corpora:
        for half in halves:
            path = EVAL / f"{name}-{half}.jsonl"
            found.append(QuestionSet(f"{name} {half}", SHARED / "corpora" / name, path, template))
    return [s for s in found if s.corpus.is_dir() and s.file.is_file()]


async def project_outcomes(
    qset: QuestionSet, folder: Path, extra: dict[str, Any] | None = None
) -> list[Outcome]:
    """What the bot answers to every question, through the service as every surface
    asks (``extra``: settings by dotted name, such as the semantic stage's)."""
    overrides = {
        "corpus.dir": str(qset.corpus),
        "corpus.url_template": qset.url_template,
        "corpus.index_cache": "",
        "db.path": str(folder / "quality.sqlite3"),
        **(extra or {}),
    }
    settings = load_settings(env={}, overrides=overrides)
    service = build_service(settings)
    await service.start()
    outcomes = []
    for question in read_questions(qset.file):
        answer = await service.ask(question.q)
        ranked = tuple((r.article.id, *(a.id for a in r.also)) for r in answer.results)
        outcomes.append(Outcome(question, answer.answered, ranked, answer.confidence))
    return outcomes


def ranked_alone(outcomes: Sequence[Outcome]) -> Metrics:
    """The same answers as if the bot always answered: its ranking alone."""
    return score(Outcome(o.question, True, o.ranked) for o in outcomes)


def _article_text(article: Article) -> str:
    return " ".join((article.title, article.excerpt or "", article.body))


def baseline(kind: str, articles: Sequence[Article]) -> Callable[[str], list[str]]:
    """A plain engine over the articles: question text to the ids of its top 10."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    ids = [a.id for a in articles]
    texts = [_article_text(a) for a in articles]
    if kind == "bm25s":
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
                        show_progress=False)  # fmt: skip

        def top_bm25s(text: str) -> list[str]:
            tokens = bm25s.tokenize([text], stopwords="en", stemmer=stemmer, show_progress=False)
            if not tokens.vocab:
                return []
            found, scores = retriever.retrieve(tokens, k=min(10, len(ids)), show_progress=False)
            return [ids[int(d)] for d, s in zip(found[0], scores[0], strict=True) if s > 0]

        return top_bm25s
    from rank_bm25 import BM25Okapi

    split = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, return_ids=False,
                           show_progress=False)  # fmt: skip
    model = BM25Okapi([list(doc) for doc in split])

    def top_rank_bm25(text: str) -> list[str]:
        terms = bm25s.tokenize([text], stopwords="en", stemmer=stemmer, return_ids=False,
                               show_progress=False)[0]  # fmt: skip
        scores = model.get_scores(list(terms))
        best = np.argsort(-scores, kind="stable")[:10]
        return [ids[int(d)] for d in best if scores[d] > 0]

    return top_rank_bm25


def baseline_metrics(kind: str, qset: QuestionSet, questions: Sequence[Question]) -> Metrics:
    """Recall of a plain engine that always answers with its top 10."""
    articles = load_corpus(qset.corpus, LoadOptions(url_template=qset.url_template)).articles
    top = baseline(kind, articles)
    return score(Outcome(q, True, tuple((i,) for i in top(q.q))) for q in questions)


def row(qset: QuestionSet, folder: Path, extra: dict[str, Any] | None = None) -> str:
    """One line of the table."""
    outcomes = asyncio.run(project_outcomes(qset, folder, extra))
    bot, alone = score(outcomes), ranked_alone(outcomes)
    questions = [o.question for o in outcomes]
    plain = {kind: baseline_metrics(kind, qset, questions) for kind in ("rank-bm25", "bm25s")}
    return (
        f"| {qset.name} | {bot.questions} | {bot.recall_at_1:.3f} | {bot.recall_at_3:.3f} "
        f"| {bot.abstain_precision:.2f} / {bot.abstain_recall:.2f} / {bot.abstain_f1:.2f} "
        f"| {alone.recall_at_1:.3f} | {plain['rank-bm25'].recall_at_1:.3f} "
        f"| {plain['bm25s'].recall_at_1:.3f} | {plain['bm25s'].recall_at_3:.3f} |"
    )


HEADER = (
    "| question set | questions | recall@1 | recall@3 | abstain P / R / F1 "
    "| ranked alone R@1 | rank-bm25 R@1 | bm25s R@1 | bm25s R@3 |\n"
    "|---|---:|---:|---:|---|---:|---:|---:|---:|"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halves", default="tune,test", help="comma-separated: tune,test")
    parser.add_argument("--semantic", metavar="MODEL", help="with the semantic stage: its model")
    parser.add_argument("--weight", type=float, help="the semantic stage's weight")
    parser.add_argument("--cache", metavar="DIR", help="keep the index and vectors here")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="any other setting, by dotted name")  # fmt: skip
    args = parser.parse_args(argv)
    extra: dict[str, Any] = dict(item.split("=", 1) for item in args.set)
    if args.semantic:
        extra.update({"semantic.enabled": True, "semantic.model": args.semantic})
    if args.weight is not None:
        extra["semantic.weight"] = args.weight
    if args.cache:
        extra["corpus.index_cache"] = args.cache
    print(HEADER)
    with tempfile.TemporaryDirectory() as folder:
        for qset in question_sets([h for h in args.halves.split(",") if h]):
            print(row(qset, Path(folder), extra), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
