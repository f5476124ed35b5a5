from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from bot.index.assemble import analyse
from bot.index.fields import analyse_fields, analyze_with_words
from bot.index.passages import MAX_PASSAGES, PassageScorer, body_passages
from bot.index.rerank import (
    CANDIDATES,
    FEATURES,
    RerankModel,
    RerankModelError,
    features,
    parse_model,
    rerank,
    shipped_model,
)
from bot.index.search import Index
from bot.model import Article, RelatedLink, Section
from tests.conftest import index_of

FILLER = "more words about something else entirely. " * 20


def _article(id_: str, title: str, body: str = "", **kw: object) -> Article:
    fields: dict[str, object] = {"url": None, "source": None, "published": None}
    fields.update(kw)
    return Article(id=id_, title=title, body=body, **fields)  # type: ignore[arg-type]


def test_body_passages_group_paragraphs_and_never_cross_a_heading() -> None:
    intro = "Intro words here. " * 30  # 90 words: a passage of its own
    body = f"{intro}\n\nshort one\n\nshort two\n\nUnder the heading."
    heading_at = body.index("Under")
    article = _article(
        "a.md", "t", body, sections=(Section("Install", "install", 2, heading_at, len(body)),)
    )
    pieces = body_passages(article)
    assert [p.heading for p in pieces] == ["", "", "Install"]
    assert pieces[1].text == "short one\n\nshort two"
    assert pieces[2].text == "Under the heading."


def test_a_huge_article_has_at_most_max_passages() -> None:
    body = "\n\n".join(f"paragraph {n} with a few words in it" for n in range(20_000))
    assert len(body_passages(_article("big.md", "t", body))) <= MAX_PASSAGES


def test_field_counts_are_the_sums_of_the_passages_counts() -> None:
    body = "Alpha beta.\n\nGamma `TypeAdapter` delta.\n\n\n\nEpsilon zeta."
    related = (RelatedLink("Other story", "https://x.example", "X", "its excerpt words"),)
    article = _article("a.md", "Title", body, excerpt="An excerpt", related=related)
    analysed = analyse_fields(article)
    assert analysed.fields["body"] == Counter(analyze_with_words(body, set()))
    assert analysed.fields["related"] == Counter(
        analyze_with_words("Other story its excerpt words", set())
    )
    # the title joins the first passage
    assert analysed.passages[0] == analysed.fields["excerpt"] + analysed.fields["title"]
    summed: Counter[str] = Counter()
    for passage in analysed.passages[1:]:
        summed.update(passage)
    assert summed == analysed.fields["body"] + analysed.fields["related"]
    no_excerpt = analyse_fields(_article("b.md", "Title words", body))
    # short paragraphs make one passage
    assert no_excerpt.passages[0] == Counter(analyze_with_words(f"Title words {body}", set()))


def test_best_passage_rewards_words_that_stand_together() -> None:
    filler = "\n\n".join("Nothing to see in this paragraph at all." for _ in range(6))
    together = _article("together.md", "A", f"{filler}\n\nThe cache eviction policy is LRU.")
    apart = _article(
        "apart.md", "B", f"The cache is warm.\n\n{filler}\n\nAn eviction policy matters."
    )
    index = index_of([together, apart])
    query = index.parse("cache eviction policy")
    ids = [index.vocab[t] for t in query.terms]
    best, held = index.passages.evidence([0, 1], ids, [1.0] * len(ids))
    assert best[index.position("together.md") or 0] > best[index.position("apart.md") or 0]
    assert held.tolist() == [1.0, 1.0]  # both hold every word, in some passage


def test_evidence_of_articles_without_passages_is_zero() -> None:
    index = index_of([_article("a.md", "only a title"), _article("b.md", "title", "body text")])
    query = index.parse("title text")
    ids = [index.vocab[t] for t in query.terms]
    best, held = index.passages.evidence([0, 1], ids, [1.0] * len(ids))
    assert best[0] == 0 and held[0] == 0
    assert best[1] > 0 and 0 < held[1] <= 1
    empty = index.passages.evidence([], ids, [1.0] * len(ids))
    assert [len(a) for a in empty] == [0, 0]


def test_passage_scorer_is_plain_bm25_over_passages() -> None:
    parts = analyse([_article("a.md", "t", "red fox\n\nred red dog"), _article("b.md", "u", "fox")])
    vocab = {term: n for n, term in enumerate(parts.passages.terms)}
    scorer = PassageScorer(parts.passages, parts.passage_ptr, vocab)
    best, _held = scorer.evidence([0, 1], [vocab["red"]], [1.0])
    # short paragraphs make one passage, with the title (one letter is no term):
    # "red fox red red dog" (5 terms) and "fox" (1)
    assert parts.passage_ptr.tolist() == [0, 1, 2]
    idf = np.log1p((2 - 1 + 0.5) / (1 + 0.5))
    tf, norm = 3.0, 1.2 * (0.25 + 0.75 * 5 / 3)
    assert best[0] == pytest.approx(idf * tf * 2.2 / (tf + norm), rel=1e-5)
    assert best[1] == 0


def test_features_of_candidates() -> None:
    articles = [
        _article("a.md", "Cache eviction", "The cache eviction policy is LRU."),
        _article("b.md", "Other", "A cache.\n\n" + "filler words go here. " * 40 + "\n\nEviction."),
    ]
    index = index_of(articles)
    query = index.parse("cache eviction policy")
    scores = index.scores(query.terms)
    table = features(index, query, scores, [0, 1])
    row = dict(zip(FEATURES, table[0], strict=True))
    assert row["score"] == 1.0 and row["rank"] == 0.0
    assert row["passage"] == 1.0 and row["complete"] == 1.0
    assert row["phrase"] == 0.5  # "cache eviction" of "cache eviction", "eviction polici"
    other = dict(zip(FEATURES, table[1], strict=True))
    assert other["passage"] < 1 and other["complete"] == 0.0 and other["title"] == 0.0


def test_reranked_scores_keep_bm25_units_and_follow_the_model() -> None:
    articles = [
        _article(
            "a.md",
            "Scattered",
            "\n\n".join(f"{w} {FILLER}" for w in ("cache", "eviction", "policy")),
        ),
        _article("b.md", "Together", "The cache eviction policy is LRU."),
    ]
    index = index_of(articles, **{"search.rerank": False})
    query = index.parse("cache eviction policy")
    scores = index.scores(query.terms)
    docs = sorted(range(2), key=lambda d: -scores[d])
    passage_first = RerankModel(("score", "passage"), (0.0, 0.0), (1.0, 1.0), (1.0, 5.0))
    moved = rerank(index, query, scores, docs, passage_first).scores
    assert moved[docs[0]] == pytest.approx(float(scores[docs[0]]))  # the lead keeps its score
    assert max(moved, key=lambda d: moved[d]) == index.position("b.md")
    assert all(value > 0 for value in moved.values())
    only_bm25 = RerankModel(("score",), (0.0,), (1.0,), (1.0,))
    same = rerank(index, query, scores, docs, only_bm25).scores
    top = float(scores[docs[0]])
    assert same == pytest.approx({d: top * np.exp(scores[d] / top - 1) for d in docs})
    assert [same[d] for d in docs] == sorted(same.values(), reverse=True)


def test_search_uses_the_reranker_and_can_do_without() -> None:
    articles = [
        _article("a.md", "Eviction", "cache\n\n" + "cache words. " * 60 + "\n\neviction policy"),
        _article("b.md", "Notes", "The cache eviction policy is LRU."),
    ]
    plain = index_of(articles, **{"search.rerank": False})
    reranked = index_of(articles)
    assert plain.reranker is None and reranked.reranker is shipped_model()
    for index in (plain, reranked):
        hits = index.search(index.parse("cache eviction policy"), 2)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_the_shipped_model_is_valid_and_weighs_the_bm25_score() -> None:
    model = shipped_model()
    assert "score" in model.features and set(model.features) <= set(FEATURES)
    assert parse_model(model.as_json()) == model


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": 9}, "format"),
        ({"features": ["score", "nope"]}, "unknown features"),
        ({"features": "score"}, "list of names"),
        ({"coef": [1.0]}, "coef must be a list of 2"),
        ({"scale": [1.0, 0.0]}, "scale must be positive"),
        ({"mean": [float("nan"), 0.0]}, "not finite"),
        ({"mean": ["0", 0.0]}, "numbers only"),
        ({"features": ["passage", "phrase"]}, "BM25F score must count"),
        ({"coef": [-1.0, 1.0]}, "BM25F score must count"),
    ],
)
def test_a_broken_model_file_is_refused_with_a_reason(
    change: dict[str, object], message: str
) -> None:
    good = {"format": 1, "features": ["score", "passage"], "mean": [0.0, 0.0],
            "scale": [1.0, 1.0], "coef": [1.0, 0.5]}  # fmt: skip
    data = json.loads(json.dumps({**good, **change}))
    with pytest.raises(RerankModelError, match=message):
        parse_model(data)


def test_articles_past_the_candidates_stay_below_the_reranked_ones() -> None:
    articles = [
        _article(f"{n:02}.md", f"Note {n}", ("cache " * (30 - n)) + FILLER) for n in range(25)
    ]
    index = index_of(articles)
    index.reranker = RerankModel(("score", "passage"), (0.0, 0.0), (1.0, 1.0), (0.1, 5.0))
    hits = index.search(index.parse("cache"), 20)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    query = index.parse("cache")
    bm25 = index.scores(query.terms)
    leading = set(np.argsort(-bm25, kind="stable")[:CANDIDATES].tolist())
    places = [h.doc in leading for h in hits]
    assert places == sorted(places, reverse=True)  # every candidate before every other


def test_what_the_reranker_measured_is_what_search_and_signals_would(seeds_index: Index) -> None:
    from bot.answer.signals import _passage_score, question_weights

    assert seeds_index.reranker is not None
    for question in ("what is dojo", "how many GPUs does tesla use", "D1 chip training tile"):
        query = seeds_index.parse(question)
        hits = seeds_index.search(query, 3, extra=1)
        assert hits and all(hit.passage is not None for hit in hits)
        weights = question_weights(seeds_index, query)
        for hit in hits:
            share, held = seeds_index.coverages([hit.doc], query)[0]
            assert (hit.coverage, hit.held) == (share, held)
            fresh = _passage_score(seeds_index, weights, replace(hit, passage=None))
            assert _passage_score(seeds_index, weights, hit) == pytest.approx(fresh, rel=1e-6)
