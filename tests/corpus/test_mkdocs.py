"""Documentation pages: site-generator markup is markup, headings are sections with anchors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus.loader import LoadOptions, load_corpus
from bot.corpus.markdown import clean_inline, parse_markdown
from bot.corpus.metadata import stem_path, url_from_template
from bot.corpus.mkdocs import attr_anchor, plain_commonmark, slugify
from tests.conftest import SHARED, needs_shared

PYDANTIC = SHARED / "corpora" / "pydantic-docs"


def test_admonitions_and_tabs_are_dedented_not_code() -> None:
    page = (
        "Intro.\n\n"
        '!!! note "Careful here"\n'
        "    The **content** of it is prose.\n\n"
        "    ```python\n    x = 1\n    ```\n\n"
        '??? api "API Documentation"\n'
        "    [`Field`][pydantic.fields.Field]\n\n"
        '=== "Python 3.10+"\n\n'
        "    Tab text.\n\n"
        "After.\n"
    )
    parsed = parse_markdown(page)
    assert parsed.body.split("\n\n") == [
        "Intro.",
        "The content of it is prose.",
        "`Field`",
        "Tab text.",
        "After.",
    ]
    assert parsed.code == "x = 1"
    for marker in ("note", "Careful", "api", "API Documentation", "Python 3.10"):
        assert marker not in parsed.body


def test_nested_admonitions_and_setext_headings() -> None:
    page = "!!! tip\n    Outer.\n\n    !!! warning\n        Inner.\n\n    Back.\n\nTitle\n===\n"
    assert plain_commonmark(page).split("\n") == [
        "Outer.",
        "",
        "Inner.",
        "",
        "Back.",
        "",
        "Title",
        "===",
        "",
    ]


def test_blocks_includes_snippets_templates_and_attribute_lists() -> None:
    page = (
        "/// tip | Good to know\n"
        "Blocks keep their content.\n"
        "///\n\n"
        "{* ../../docs_src/first_steps/tutorial001.py hl[3] *}\n\n"
        '--8<-- "snippets/x.md"\n\n'
        "Version {{ version }} is {% if x %}here{% endif %}.\n\n"
        "{#field-after-validator}\n\n"
        "[](){#metadata-warning}\n\n"
        "A paragraph with classes. { .big }\n"
    )
    parsed = parse_markdown(page)
    assert parsed.body.split("\n\n") == [
        "Blocks keep their content.",
        "Version is here.",
        "A paragraph with classes.",
    ]


def test_a_one_line_admonition_keeps_its_text() -> None:
    assert parse_markdown("!!!note Re-added in V2.4, see below.\n").body == (
        "Re-added in V2.4, see below."
    )


def test_code_fences_are_left_alone() -> None:
    page = "```\n!!! note\n{* not a directive *}\n{{ kept }}\n```\n"
    assert parse_markdown(page).code == "!!! note\n{* not a directive *}\n{{ kept }}"


def test_headings_give_sections_with_mkdocs_anchors() -> None:
    page = (
        "# Page title\n\nIntro.\n\n"
        "## First Steps { #first-steps }\n\nOne.\n\n"
        "### Deeper `code` bit\n\nTwo.\n\n"
        "## Again\n\nThree.\n\n"
        "## Again\n\nFour.\n"
    )
    parsed = parse_markdown(page)
    assert parsed.opening_heading == "Page title"
    found = [(s.heading, s.anchor, s.level) for s in parsed.sections]
    assert found == [
        ("First Steps", "first-steps", 2),
        ("Deeper `code` bit", "deeper-code-bit", 3),
        ("Again", "again", 2),
        ("Again", "again_1", 2),
    ]
    texts = [parsed.body[s.start : s.end] for s in parsed.sections]
    assert texts == ["One.\n\nTwo.", "Two.", "Three.", "Four."]


@pytest.mark.parametrize(
    ("heading", "text", "anchor"),
    [
        ("Models { #models }", "Models", "models"),
        ("Models {#models .x}", "Models", "models"),
        ("Set {a, b}", "Set {a, b}", ""),
        ("Plain", "Plain", ""),
    ],
)
def test_attr_anchor(heading: str, text: str, anchor: str) -> None:
    assert attr_anchor(heading) == (text, anchor)


def test_slugify_as_mkdocs_does() -> None:
    assert slugify("Field validators") == "field-validators"
    assert slugify("`frozen_field`") == "frozen_field"
    assert slugify("Émigré -- Fast & Safe!") == "emigre-fast-safe"


def test_inline_code_is_verbatim_and_links_keep_their_text() -> None:
    parsed = parse_markdown(
        "A quote of `Result<T, E>` and [a link with [brackets] inside](https://x.org/a_b) "
        "and [`Field`][pydantic.fields.Field], <https://bare.example.com>.\n"
    )
    assert parsed.body == (
        "A quote of `Result<T, E>` and a link with [brackets] inside and `Field`, ."
    )
    assert clean_inline("`Result<T, E>` in a title") == "Result<T, E> in a title"


def test_html_blocks_are_markup() -> None:
    page = '<div class="grid cards" markdown>\n<p>hidden words</p>\n</div>\n\nKept.\n'
    assert parse_markdown(page).body == "Kept."


def test_titles_of_pages_without_front_matter(tmp_path: Path) -> None:
    (tmp_path / "concepts").mkdir()
    (tmp_path / "validators.md").write_text("Text without a heading.\n\n## A section\n\nMore.\n")
    (tmp_path / "json_schema.md").write_text("Schema text.\n")
    (tmp_path / "concepts" / "index.md").write_text("Overview text.\n")
    (tmp_path / "models.md").write_text("# Models\n\nModel text.\n")
    (tmp_path / "notes.txt").write_text("First line title\n\nBody.\n")
    titles = {a.id: a.title for a in load_corpus(tmp_path).articles}
    assert titles == {
        "validators.md": "Validators",
        "json_schema.md": "Json schema",
        "concepts/index.md": "Concepts",
        "models.md": "Models",
        "notes.txt": "First line title",
    }


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("index.md", ""),
        ("concepts/index.md", "concepts"),
        ("concepts/models.md", "concepts/models"),
        ("why.md", "why"),
    ],
)
def test_stem_path(rel: str, expected: str) -> None:
    assert stem_path(rel) == expected


def test_url_template_with_the_path_without_extension() -> None:
    template = "https://docs.example.org/latest/{stem_path}/"
    assert url_from_template(template, {}, "index.md") == "https://docs.example.org/latest/"
    assert url_from_template(template, {}, "a/b.md") == "https://docs.example.org/latest/a/b/"
    other = "https://docs.example.org/{stem-path}/"
    assert url_from_template(other, {}, "a/index.md") == "https://docs.example.org/a/"


@needs_shared(PYDANTIC)
def test_pydantic_docs_read_cleanly() -> None:
    report = load_corpus(PYDANTIC, LoadOptions(url_template="https://d.org/{stem_path}/"))
    assert len(report.articles) == 53 and not report.skipped
    by_id = {a.id: a for a in report.articles}
    validators = by_id["concepts/validators.md"]
    assert validators.title == "Validators"
    assert validators.url == "https://d.org/concepts/validators/"
    assert "Field validators" in [s.heading for s in validators.sections]
    assert by_id["index.md"].title == "Pydantic Validation"
    for article in report.articles:
        for marker in ("!!!", "???", "{*", "{{", "{#", "<div", "///"):
            assert marker not in article.body, (article.id, marker)
        assert not article.body.lstrip().startswith("    ")
