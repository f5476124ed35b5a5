from __future__ import annotations

from bot.answer.build import Answer, AnswerOptions, build_answer, collect_related
from bot.answer.excerpt import best_passage, highlight, split_sentences, trim
from bot.answer.render import answer_json, answer_text
from bot.index.search import Index
from bot.model import Article, RelatedLink
from tests.conftest import body_article, index_of


def answer_for(index: Index, question: str, k: int = 3, **options: object) -> Answer:
    query = index.parse(question)
    hits = index.search(query, k, extra=3)
    return build_answer(index, query, hits, k, AnswerOptions(**options))  # type: ignore[arg-type]


def test_excerpt_quotes_the_matching_sentence_with_bold_matches(seeds_index: Index) -> None:
    answer = answer_for(seeds_index, "How much will Tesla invest in Dojo by the end of 2024?")
    assert answer.answered
    excerpt = answer.results[0].excerpt
    assert "by the end of 2024" in excerpt.plain
    assert "**invest**" in excerpt.markdown()
    article = answer.results[0].article
    assert excerpt.plain.replace("\u2026", "").strip() in " ".join(
        (article.excerpt or "", article.body)
    )


def test_front_matter_only_item_quotes_its_excerpt(seeds_index: Index) -> None:
    answer = answer_for(seeds_index, "5,760 GPUs")
    top = answer.results[0]
    assert top.article.id == "000_4a1afd5bb2ee676d.txt"
    assert top.excerpt.markdown().startswith(
        "The automaker's system includes a total of **5,760 GPUs**"
    )


def test_adjacent_matches_merge_into_one_bold_span() -> None:
    from bot.text.analysis import analyze

    excerpt = highlight("a total of 5,760 GPUs today", frozenset(analyze("5760 gpus")))
    assert excerpt.markdown() == "a total of **5,760 GPUs** today"


def test_excerpt_is_cut_at_a_word_around_the_match() -> None:
    text = "word " * 200 + "needle in the middle " + "word " * 200
    from bot.text.analysis import analyze

    cut = trim(text, frozenset(analyze("needle")), 120)
    assert "needle" in cut and len(cut) <= 124
    assert cut.startswith("\u2026 ") and cut.endswith(" \u2026")


def test_sentences_split_but_abbreviations_hold() -> None:
    assert split_sentences("It ships e.g. today. Then more! Really? Yes.") == [
        "It ships e.g. today.",
        "Then more!",
        "Really?",
        "Yes.",
    ]


def test_best_passage_prefers_the_sentence_with_rarer_terms() -> None:
    article = body_article("The compiler is fast and good.\n\nLet chains were stabilized in 1.88.")
    weights = {"let": 3.0, "chain": 3.0, "compil": 0.5, "stabil": 2.0}
    excerpt = best_passage(article, weights)
    assert excerpt.plain == "Let chains were stabilized in 1.88."


def test_unanswerable_question_is_not_answered(seeds_index: Index) -> None:
    answer = answer_for(seeds_index, "How do I bake sourdough?")
    assert not answer.answered
    assert "couldn't find an answer" in answer_text(answer)
    data = answer_json(answer)
    assert data["answered"] is False and data["related"] == []


def test_nearest_matches_are_offered_when_unsure(seeds_index: Index) -> None:
    answer = answer_for(seeds_index, "What is the EPA range of the Tesla Model 3 Long Range?")
    assert not answer.answered and answer.results
    text = answer_text(answer)
    assert "Not sure, but these come closest:\n[1] " in text


def test_json_object_has_the_contract_keys(seeds_index: Index) -> None:
    data = answer_json(answer_for(seeds_index, "how many GPUs does tesla use"))
    assert {"query", "answered", "results", "related", "took_ms"} <= set(data)
    result = data["results"][0]
    assert {"id", "title", "url", "source", "published", "score", "excerpt"} <= set(result)
    assert result["id"] == "000_4a1afd5bb2ee676d.txt"
    assert result["published"] == "2021-06-26T09:00:00+00:00"
    assert result["source"] == "Popular Science"
    no_source = [r for r in data["results"] if r["id"].startswith("002_")]
    assert all(r["url"] is None and r["source"] is None for r in no_source)


def test_related_links_skip_cited_articles_and_duplicates() -> None:
    cited = Article(id="a", title="Cited", url="https://x/a", source="S", published=None)
    top = Article(
        id="b",
        title="Top",
        url="https://x/b",
        source="S",
        published=None,
        related=(
            RelatedLink("Cited", "https://x/a/", None),
            RelatedLink("Fresh", "https://y/1", "Y"),
            RelatedLink("fresh", "https://y/1", "Y"),
        ),
    )
    more = [Article(id="c", title="Next best", url="https://x/c", source=None, published=None)]
    links = collect_related(top, more, [cited, top], 5)
    assert [link.title for link in links] == ["Fresh", "Next best"]


def test_text_rendering_shows_citations_and_correction(seeds_index: Index) -> None:
    answer = answer_for(seeds_index, "tesla dojo suprcomputer investmnet")
    text = answer_text(answer)
    assert text.startswith("Showing results for: tesla dojo supercomputer investment")
    assert "Sources:\n[1] Elon Musk Is Spending $1B" in text
    assert "[2] " in text and "Redmond Pie" in text


def test_inline_code_is_quoted_verbatim_and_never_bold() -> None:
    from bot.text.analysis import analyze

    excerpt = highlight(
        "Use `Result<T, E>` and `let` chains to let results flow.",
        frozenset(analyze("let result chains")),
    )
    assert excerpt.markdown() == (
        "Use `Result<T, E>` and `let` **chains** to **let results** flow."
    )
    assert excerpt.markdown(lambda s: s.replace("<", "&lt;")).startswith("Use `Result<T, E>`")
    assert [kind for _text, kind in excerpt.segments].count("code") == 2


def test_a_cut_never_leaves_half_a_code_span() -> None:
    from bot.text.analysis import analyze

    text = "word " * 60 + "the `needle_value` is here " + "`" + "x " * 200 + "`"
    cut = trim(text, frozenset(analyze("needle_value")), 120)
    excerpt = highlight(cut, frozenset(analyze("needle_value")))
    assert "`needle_value`" in excerpt.plain
    assert excerpt.plain.count("`") % 2 == 0


def test_a_sentence_of_api_names_only_is_not_the_quote() -> None:
    article = body_article(
        "`pydantic.functional_validators.model_validator` `pydantic.BaseModel`\n\n"
        "Validation can also run on the whole model with the `model_validator` decorator."
    )
    excerpt = best_passage(article, {"model_validator": 2.0, "valid": 1.0, "model": 1.0})
    assert excerpt.plain.startswith("Validation can also run")


def test_the_quote_comes_from_the_best_heading_and_links_to_its_anchor() -> None:
    from bot.corpus.markdown import parse_markdown

    parsed = parse_markdown(
        "## Installing\n\nRun the installer to get a working setup on your machine.\n\n"
        "## Frozen models\n\nA model can be made immutable so that its values never change.\n"
    )
    article = Article(
        id="m.md",
        title="Models",
        url="https://docs.example.org/models/",
        source=None,
        published=None,
        body=parsed.body,
        sections=parsed.sections,
    )
    index = index_of([article, body_article("Something else entirely about frozen lakes.")])
    answer = answer_for(index, "frozen model immutable", min_confidence=0.0)
    top = answer.results[0]
    assert top.article.id == "m.md"
    assert top.excerpt.section is not None and top.excerpt.section.heading == "Frozen models"
    assert top.link == "https://docs.example.org/models/#frozen-models"
    assert top.cited_title == "Models \u203a Frozen models"
    data = answer_json(answer)["results"][0]
    assert data["url"] == "https://docs.example.org/models/"
    assert data["section"] == {
        "heading": "Frozen models",
        "anchor": "frozen-models",
        "url": "https://docs.example.org/models/#frozen-models",
    }
    assert "[1] Models \u203a Frozen models <https://docs.example.org/models/#frozen-models>" in (
        answer_text(answer)
    )


def test_answers_carry_a_confidence(seeds_index: Index) -> None:
    good = answer_for(seeds_index, "Tesla D1 chip and training tile", min_confidence=0.16)
    bad = answer_for(seeds_index, "How do I bake sourdough bread?", min_confidence=0.16)
    assert 0.0 <= bad.confidence < good.confidence <= 1.0
    assert good.answered and not bad.answered
    assert answer_json(good)["confidence"] == round(good.confidence, 3)
    assert set(good.signals) >= {"coverage", "passage", "title", "unknown"}
