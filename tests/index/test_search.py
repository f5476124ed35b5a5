from __future__ import annotations

from bot.index.facets import facets
from bot.index.search import Index, passes
from bot.model import Article, Filters
from tests.conftest import SEEDS, corpus_index, index_of


def _article(id_: str, title: str, **kw: object) -> Article:
    fields: dict[str, object] = {"url": None, "source": None, "published": None}
    fields.update(kw)
    return Article(id=id_, title=title, **fields)  # type: ignore[arg-type]


def top_ids(index: Index, question: str, k: int = 3, **filters: str) -> list[str]:
    hits = index.search(index.parse(question), k, Filters(**filters))
    return [index.articles[h.doc].id for h in hits]


def test_seed_questions_rank_the_right_article_first(seeds_index: Index) -> None:
    assert top_ids(seeds_index, "How many GPUs does Tesla use?")[0] == "000_4a1afd5bb2ee676d.txt"
    assert top_ids(seeds_index, "vision-only approach to autonomy")[0] == "001_b9724023d2a3f044.txt"
    assert top_ids(seeds_index, "Tesla D1 chip and training tile")[0] == "003_796cce0c68a26100.txt"
    assert top_ids(seeds_index, "invest $1 billion by end of 2024")[0] == "002_8354eec4b5b8c33a.txt"


def test_numbers_with_separators_match(seeds_index: Index) -> None:
    assert top_ids(seeds_index, "5760 GPUs")[0] == "000_4a1afd5bb2ee676d.txt"
    assert top_ids(seeds_index, "5,760")[0] == "000_4a1afd5bb2ee676d.txt"


def test_typos_are_corrected_and_reported(seeds_index: Index) -> None:
    query = seeds_index.parse("tesla dojo suprcomputer investmnet")
    assert ("suprcomputer", "supercomputer") in query.corrections
    assert ("investmnet", "investment") in query.corrections
    assert top_ids(seeds_index, "tesla dojo suprcomputer investmnet")[0] == (
        "002_8354eec4b5b8c33a.txt"
    )


def test_real_words_missing_from_the_corpus_are_not_taken_for_typos(seeds_index: Index) -> None:
    query = seeds_index.parse("How do I bake sourdough?")
    assert query.corrections == ()
    assert {term for term, _ in query.unknown} == {"bake", "sourdough"}
    assert dict(query.unknown)["sourdough"] > dict(query.unknown)["bake"]


def test_a_mistyped_part_of_a_code_identifier_is_corrected() -> None:
    docs = [
        _article("v", "Validators", body="A validator: model_validator with mode='before'."),
        _article("a", "Alias", body="An alias for serialization: serialization_alias."),
        _article("m", "Models", body="Models hold fields; validation runs on creation."),
    ]
    index = index_of(docs)
    query = index.parse("how do i use model_validaor on raw data")
    assert ("model_validaor", "model_validator") in query.corrections
    assert top_ids(index, "my serilaization_alais isnt used")[0] == "a"
    assert index.parse("model_validator data").corrections == ()  # nothing to mend
    assert index.parse("a_b_c_d_e_f_valdator", typo_tolerance=True).corrections == ()  # too long


def test_typo_tolerance_can_be_switched_off(seeds_index: Index) -> None:
    assert seeds_index.parse("suprcomputer", typo_tolerance=False).corrections == ()


def test_coverage_is_high_for_answerable_and_low_for_offtopic(seeds_index: Index) -> None:
    good = seeds_index.search(seeds_index.parse("Tesla D1 chip training tile"), 1)[0]
    assert good.coverage > 0.9
    assert seeds_index.search(seeds_index.parse("How do I bake sourdough?"), 1) == []
    off = seeds_index.search(seeds_index.parse("EPA range of the Tesla Model 3 Long Range"), 1)
    assert off and off[0].coverage < 0.3


PADDING = [
    _article(f"pad{n}.md", f"padding {word}", body=word)
    for n, word in enumerate(["apple", "banana", "cherry", "damson", "elder", "fig"])
]


def test_ties_are_broken_by_id() -> None:
    index = index_of(
        [_article(f"{n}.md", f"story {n}", body="common") for n in (3, 1, 2)] + PADDING
    )
    assert top_ids(index, "common") == ["1.md", "2.md", "3.md"]
    assert index.search(index.parse("common"), 3) == index.search(index.parse("common"), 3)


def test_same_story_from_several_sources_is_grouped() -> None:
    articles = [
        _article("a.md", "Microsoft makes Power Apps changes after data exposure", source="A"),
        _article("b.md", "Microsoft makes Power Apps changes following data exposure", source="B"),
        _article("c.md", "Canvas apps get offline support", source="C"),
        *PADDING,
    ]
    index = index_of(articles)
    hits = index.search(index.parse("power apps data exposure changes"), 3)
    assert index.articles[hits[0].doc].id == "a.md"
    assert [index.articles[d].id for d in hits[0].duplicates] == ["b.md"]
    assert "b.md" not in [index.articles[h.doc].id for h in hits]


def test_filters_by_topic_source_and_dates(seeds_index: Index) -> None:
    assert set(top_ids(seeds_index, "tesla supercomputer", 5, topic="computer vision")) == {
        "001_b9724023d2a3f044.txt"
    }
    assert top_ids(seeds_index, "tesla supercomputer", 5, source="techcrunch") == [
        "001_b9724023d2a3f044.txt"
    ]
    dated = top_ids(seeds_index, "tesla supercomputer", 5, since="2022-01-01")
    assert set(dated) == {"002_8354eec4b5b8c33a.txt", "004_32d900894b009121.txt"}
    assert top_ids(seeds_index, "tesla", 5, until="2021-06-23") == ["001_b9724023d2a3f044.txt"]


def test_undated_articles_fail_date_filters() -> None:
    article = _article("x.md", "t")
    assert passes(article, Filters())
    assert not passes(article, Filters(since="2020-01-01"))


def test_facets_list_topics_and_sources_most_common_first(seeds_index: Index) -> None:
    found = facets(seeds_index.catalog)
    assert found.topics[:2] == ("AI", "AI in Autos")
    assert "TechCrunch" in found.sources


def test_empty_question_and_empty_index() -> None:
    empty = index_of([])
    assert empty.search(empty.parse("anything"), 3) == []
    index = corpus_index(SEEDS)
    assert index.search(index.parse("the of and"), 3) == []


def test_title_weight_lifts_title_matches() -> None:
    articles = [
        _article("body.md", "unrelated heading", body="gizmo " + "filler " * 30),
        _article("title.md", "gizmo announcement", body="filler " * 30),
        *PADDING,
    ]
    assert top_ids(index_of(articles), "gizmo")[0] == "title.md"
    flat = {f"search.weight_{name}": 1.0 for name in ("title", "headings", "excerpt", "body")}
    assert set(top_ids(index_of(articles, **flat), "gizmo")) == {"body.md", "title.md"}
