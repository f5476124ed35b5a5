"""Related reading is close to the answer's article, and absent rather than filler."""

from __future__ import annotations

from bot.answer.related import key_terms, similar
from bot.index.search import Index
from bot.model import Article
from tests.conftest import RUST_BLOG, index_of, needs_shared


def article(name: str, title: str, body: str) -> Article:
    return Article(id=f"{name}.md", title=title, url=None, source=None, published=None, body=body)


ARTICLES = [
    article(
        "a", "Sourdough starters", "Feed the sourdough starter flour and water; levain ferments."
    ),
    article(
        "b", "Levain and starters", "A levain is a sourdough starter fed before baking; ferments."
    ),
    article("c", "Chess openings", "The Sicilian defence and the Ruy Lopez are chess openings."),
    article("d", "Chess endgames", "Rook endgames and the Lucena position decide chess games."),
    article("e", "Gardening", "Tomatoes need sun, water and a stake."),
]


def test_similar_articles_share_rare_words() -> None:
    index = index_of(ARTICLES)
    doc = index.position("a.md")
    assert doc is not None
    assert [index.articles[d].id for d in similar(index, doc, 3)] == ["b.md"]
    chess = index.position("c.md")
    assert chess is not None
    assert [index.articles[d].id for d in similar(index, chess, 3)] == ["d.md"]


def test_nothing_rather_than_filler_and_cited_articles_left_out() -> None:
    index = index_of(ARTICLES)
    garden, doc = index.position("e.md"), index.position("a.md")
    assert garden is not None and doc is not None
    assert similar(index, garden, 3) == []
    assert similar(index, doc, 3, exclude={index.position("b.md") or 0}) == []
    assert all(index.engine.df[t] > 1 for t in key_terms(index, doc))


@needs_shared(RUST_BLOG)
def test_related_reading_for_let_chains_is_about_let_chains(rust_index: Index) -> None:
    from bot.answer.build import AnswerOptions, build_answer

    query = rust_index.parse("when were let chains stabilized")
    hits = rust_index.search(query, 3, extra=1)
    answer = build_answer(rust_index, query, hits, 3, AnswerOptions(0.0))
    assert answer.results[0].article.id == "Rust-1.88.0.md"
    for link in answer.related:
        assert "arrayref" not in link.title.lower()
    for doc in similar(rust_index, hits[0].doc, 5):
        related = rust_index.articles[doc]
        assert "let" in (related.title + related.body).lower()
