"""Markup cleaning, front-matter fields (metadata) and front-matter splitting (matter)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.corpus.markdown import clean_inline, markdown_to_text, parse_markdown
from bot.corpus.matter import FrontMatterError, split_front_matter
from bot.corpus.metadata import (
    first_text,
    parse_date,
    parse_related,
    source_of,
    string_list,
    url_from_template,
)
from bot.model import RelatedLink

# --- clean_inline ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("It&#8217;s here", "It’s here"),
        ("a&nbsp;b", "a b"),
        ("&#x27;hex&#x27;", "'hex'"),
        ("double &amp;amp; escaped", "double & escaped"),
        ("&amp;nbsp;lead", "lead"),
        ("<p>Hello <b>world</b></p>", "Hello world"),
        ('<a href="https://x.com">link</a> text', "link text"),
        ("x<br/>y", "x y"),
        ("<!-- hidden --> shown", "shown"),
        ("a < b and c > d", "a < b and c > d"),
        ("&lt;script&gt; stays as text", "<script> stays as text"),
        ("[text](https://example.com/a)", "text"),
        ("[t](http://x/(nested))", "t"),
        ("![alt text](pic.png)", "alt text"),
        ("`code` here", "code here"),
        ("**bold**, *it*, ~~gone~~, __strong__", "bold, it, gone, strong"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        ("escaped \\*star\\*", "escaped *star*"),
        ("  spaced \t out\nover lines  ", "spaced out over lines"),
        ("snake_case_name and `max_file_bytes`", "snake_case_name and max_file_bytes"),
    ],
)
def test_clean_inline(raw: str, clean: str) -> None:
    assert clean_inline(raw) == clean


def test_clean_inline_leaves_no_entity_or_nbsp() -> None:
    out = clean_inline("What is Dataverse?&nbsp; Data that&#8217;s used&hellip;")
    assert out == "What is Dataverse? Data that’s used…"
    assert "&" not in out and "\u00a0" not in out


def test_clean_inline_reference_link_keeps_only_text() -> None:
    assert clean_inline("On May 15th, [Rust][rust-release] was released") == (
        "On May 15th, Rust was released"
    )


# --- markdown_to_text -----------------------------------------------------------------


def test_markdown_to_text_returns_prose_and_code() -> None:
    content = "Intro text.\n\n```python\nprint('hi')\nx = 1\n```\n\nAfter code.\n"
    prose, code = markdown_to_text(content)
    assert prose == "Intro text.\n\nAfter code."
    assert code == "print('hi')\nx = 1"


def test_markdown_to_text_tilde_and_unclosed_fences() -> None:
    prose, code = markdown_to_text("Para.\n\n~~~\ntilde code\n~~~\n\n```\nunclosed\ncode")
    assert prose == "Para."
    assert code == "tilde code\n\nunclosed\ncode"


def test_markdown_to_text_blocks() -> None:
    content = (
        "# Title\nText one\ntext two\n\n- item a\n- item b\n\n> quoted\n\n---\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    prose, code = markdown_to_text(content)
    assert prose.split("\n\n") == [
        "Text one text two",
        "item a",
        "item b",
        "quoted",
        "a | b",
        "1 | 2",
    ]
    assert code == ""


@pytest.mark.parametrize(
    ("content", "prose", "heading"),
    [
        ("Before\n## Heading\nAfter", "Before\n\nAfter", "Heading"),
        ("## Is it done?\ntext", "text", "Is it done?"),
        ("### Closed heading ###\nx", "x", "Closed heading"),
        ("## Learn C#\ntext", "text", "Learn C#"),
        ("Why Incremental?\n================\nBecause it is fast.\n", "Because it is fast.", None),
    ],
)
def test_markdown_headings_are_sections_not_prose(
    content: str, prose: str, heading: str | None
) -> None:
    parsed = parse_markdown(content)
    assert parsed.body == prose
    headings = [s.heading for s in parsed.sections]
    if heading is None:  # an h1 (setext =====) opening the page is its title
        assert headings == [] and parsed.opening_heading == "Why Incremental?"
    else:
        assert headings == [heading]


def test_hashtag_is_not_a_heading() -> None:
    assert markdown_to_text("#hashtag is not a heading") == ("#hashtag is not a heading", "")


def test_markdown_links_comments_refs_and_autolinks() -> None:
    content = (
        "See [the docs](https://docs.example.com/x) now.\n"
        "<!-- a comment -->\n\n"
        "[ref]: https://example.com/ref\n"
        "Visit <https://auto.example.com> today.\n"
    )
    prose, _code = markdown_to_text(content)
    assert prose == "See the docs now.\n\nVisit today."
    assert "example.com" not in prose


def test_markdown_crlf() -> None:
    assert markdown_to_text("one\r\ntwo\r\n\r\n```\r\ncode\r\n```\r\n") == ("one two", "code")


def test_markdown_fence_inside_list_item_is_code() -> None:
    content = "1. Edit the file:\n\n    ```toml\n    [llvm]\n    cflags = 1\n    ```\n\nDone.\n"
    prose, code = markdown_to_text(content)
    assert prose == "Edit the file:\n\nDone."
    assert "cflags = 1" in code


# --- parse_date -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        (dt.datetime(2021, 6, 26, 9, 0), "2021-06-26T09:00:00+00:00"),
        (dt.datetime(2021, 6, 26, 9, 0, tzinfo=dt.UTC), "2021-06-26T09:00:00+00:00"),
        (
            dt.datetime(2021, 6, 26, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2021-06-26T09:00:00+00:00",
        ),
        (dt.date(2021, 6, 26), "2021-06-26T00:00:00+00:00"),
        ("2021-06-26T09:00:00Z", "2021-06-26T09:00:00+00:00"),
        ("2021-06-26T11:00:00+02:00", "2021-06-26T09:00:00+00:00"),
        ("2021-06-26T11:00:00+0200", "2021-06-26T09:00:00+00:00"),
        ("2021-06-26T01:30:00-05:00", "2021-06-26T06:30:00+00:00"),
        ("2021-06-26T23:30:00-02:00", "2021-06-27T01:30:00+00:00"),
        ("2021-06-26 09:00", "2021-06-26T09:00:00+00:00"),
        ("2021-06-26T09:00:00.123Z", "2021-06-26T09:00:00+00:00"),
        ("2021-06-26", "2021-06-26T00:00:00+00:00"),
        ("2021/6/5", "2021-06-05T00:00:00+00:00"),
        ("  2023-07-20 - Scroll down for original article", "2023-07-20T00:00:00+00:00"),
    ],
)
def test_parse_date_values(value: object, iso: str) -> None:
    assert parse_date(value) == iso


@pytest.mark.parametrize(
    "value",
    ["2023-02-30", "2023-13-01", "2021-06-26T25:00", "1800-01-01", "not a date", "", None, 42],
)
def test_parse_date_invalid_is_none(value: object) -> None:
    assert parse_date(value) is None


def test_parse_date_bool_is_none() -> None:
    assert parse_date(False) is None
    assert parse_date(True) is None


def test_parse_date_search_anywhere() -> None:
    assert parse_date("2023/05/29/slug") == "2023-05-29T00:00:00+00:00"
    assert parse_date("blog/2023/05/29/slug", search=True) == "2023-05-29T00:00:00+00:00"
    assert parse_date("posts/2020-10-26-slug.md", search=True) == "2020-10-26T00:00:00+00:00"
    # Without search a date must lead the string.
    assert parse_date("blog/2023/05/29/slug") is None
    # An impossible date is passed over for a later valid one.
    assert parse_date("x 2023-02-30 then 2023-03-01", search=True) == "2023-03-01T00:00:00+00:00"
    # Digits glued to the left are not a year.
    assert parse_date("v12023-05-29", search=True) is None
    assert parse_date("1.94.1-release.md", search=True) is None


@pytest.mark.parametrize("value", ["2021-06-26T10:00:00+25:00", "2020-10-26-9999-ideas"])
def test_parse_date_out_of_range_offset_never_raises(value: str) -> None:
    assert parse_date(value, search=True) in (None, "2020-10-26T00:00:00+00:00")


def test_parse_date_number_after_bare_date_is_not_a_zone() -> None:
    assert parse_date("2020-10-26-1000-users", search=True) == "2020-10-26T00:00:00+00:00"


# --- url_from_template ----------------------------------------------------------------

RUST = "https://blog.rust-lang.org/{path}/"


def test_url_from_template_fills_path_id_and_stem() -> None:
    meta = {"path": "/2023/05/29/slug/"}
    assert url_from_template(RUST, meta, "a.md") == "https://blog.rust-lang.org/2023/05/29/slug/"
    assert url_from_template(RUST, {"slug": "my-post"}, "a.md") == (
        "https://blog.rust-lang.org/my-post/"
    )
    assert url_from_template("https://x.org/{id}", {}, "news/a.md") == "https://x.org/news/a.md"
    assert url_from_template("https://x.org/{stem}.html", {}, "news/a.md") == (
        "https://x.org/a.html"
    )


@pytest.mark.parametrize(
    ("template", "meta"),
    [
        ("", {"path": "a"}),  # no template: nothing invented
        (RUST, {}),  # {path} with no value
        (RUST, {"path": "   "}),
        ("https://x.org/{missing}", {"path": "a"}),  # unknown placeholder
        ("https://x.org/{0}", {"path": "a"}),
        ("https://x.org/{", {"path": "a"}),
        ("ftp://x.org/{path}", {"path": "a"}),  # not http(s)
        ("/blog/{path}", {"path": "a"}),
    ],
)
def test_url_from_template_none(template: str, meta: dict[str, object]) -> None:
    assert url_from_template(template, meta, "a.md") is None


def test_url_from_template_attribute_placeholder_is_none() -> None:
    assert url_from_template("https://x.org/{path.name}", {"path": "a"}, "a.md") is None


# --- source_of and other fields ---------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "source"),
    [
        (
            {
                "provider": {"name": "Popular Science", "domain": "popsci.com"},
                "source": "S",
                "team": "T",
                "authors": ["A"],
            },
            "Popular Science",
        ),
        ({"provider": {"domain": "popsci.com"}}, "popsci.com"),
        ({"provider": "Plain Provider", "source": "S"}, "Plain Provider"),
        ({"provider": {}, "source": "The Source", "team": "T", "authors": ["A"]}, "The Source"),
        ({"source": {"name": "Dict Source"}, "team": "T"}, "Dict Source"),
        ({"site": "Site Name", "authors": ["A"]}, "Site Name"),
        ({"team": "The Release Team", "authors": ["Ann"]}, "The Release Team"),
        ({"authors": ["Ann", "Bob"]}, "Ann, Bob"),
        ({"authors": [{"name": "Ann"}, {"name": "Bob"}]}, "Ann, Bob"),
        ({"author": "Ann, Bob"}, "Ann, Bob"),
        ({"provider": {"name": "Tom &amp; Co"}}, "Tom & Co"),
        ({"source": True, "team": "Team"}, "Team"),
        ({}, None),
        ({"authors": []}, None),
    ],
)
def test_source_of_priority(meta: dict[str, object], source: str | None) -> None:
    assert source_of(meta) == source


def test_first_text() -> None:
    meta = {"a": None, "b": True, "c": "  ", "d": 1984, "e": " text ", "f": 1.5}
    assert first_text(meta, "a", "b", "c", "d") == "1984"
    assert first_text(meta, "a", "b", "c", "e") == "text"
    assert first_text(meta, "f") == "1.5"
    assert first_text(meta, "a", "b", "c", "missing") is None


def test_string_list() -> None:
    assert string_list({"tags": "rust, release ,  "}, "tags") == ["rust", "release"]
    assert string_list({"topics": ["AI", {"name": "AI in Autos"}, 3, ""]}, "topics") == [
        "AI",
        "AI in Autos",
    ]
    assert string_list({"topics": [], "tags": ["x"]}, "topics", "tags") == ["x"]
    assert string_list({"topics": "A &amp; B"}, "topics") == ["A & B"]
    assert string_list({}, "topics") == []


def test_parse_related() -> None:
    value = [
        "not a mapping",
        {"excerpt": "no title"},
        {
            "title": "Tesla&#8217;s share price",
            "webUrl": "https://example.com/a",
            "provider": {"name": "CMC Markets"},
            "publishedDateTime": "2021-06-30T09:15:00Z",
            "excerpt": "<b>Having</b> had a run",
        },
        {"name": "By name", "url": "/relative", "date": "not a date"},
    ]
    assert list(parse_related(value)) == [
        RelatedLink(
            title="Tesla’s share price",
            url="https://example.com/a",
            source="CMC Markets",
            excerpt="Having had a run",
            published="2021-06-30T09:15:00+00:00",
        ),
        RelatedLink(title="By name", url=None, source=None, excerpt=None, published=None),
    ]
    assert list(parse_related(None)) == []
    assert list(parse_related({"title": "not a list"})) == []


# --- split_front_matter ---------------------------------------------------------------


def test_split_front_matter_shapes() -> None:
    assert split_front_matter("no front matter\n") == ({}, "no front matter\n")
    assert split_front_matter("---\ntitle: x\n---\nbody\n") == ({"title": "x"}, "\nbody\n")
    assert split_front_matter('+++\ntitle = "x"\n+++\nbody') == ({"title": "x"}, "\nbody")
    assert split_front_matter("---\n---\nbody") == ({}, "\nbody")
    assert split_front_matter("\ufeff\n\n---\na: 1\n---\nb") == ({"a": 1}, "\nb")
    meta, _ = split_front_matter("---\nprovider:\n  name: P\nrelated:\n  - title: R\n---\nb")
    assert meta == {"provider": {"name": "P"}, "related": [{"title": "R"}]}


def test_split_front_matter_yaml_and_toml_dates() -> None:
    meta, _ = split_front_matter("---\nd: 2021-06-26T09:00:00Z\nday: 2021-06-26\n---\nb")
    assert parse_date(meta["d"]) == "2021-06-26T09:00:00+00:00"
    assert meta["day"] == dt.date(2021, 6, 26)
    meta, _ = split_front_matter("+++\nd = 2021-06-26T11:00:00+02:00\n+++\nb")
    assert parse_date(meta["d"]) == "2021-06-26T09:00:00+00:00"


def test_split_front_matter_does_not_run_yaml_tags() -> None:
    with pytest.raises(FrontMatterError, match="invalid YAML front matter"):
        split_front_matter("---\nx: !!python/object/apply:os.system ['true']\n---\nb")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: x\nbody\n", "front matter opened with --- but never closed"),
        ("+++\ntitle = 'x'\nbody\n", "front matter opened with +++ but never closed"),
        ("---\n- a\n- b\n---\nbody", "front matter is a list, not a mapping of fields"),
        ("---\njust words\n---\nbody", "front matter is a str, not a mapping of fields"),
        ("---\n42\n---\nbody", "front matter is a int, not a mapping of fields"),
        ("+++\na = [[" + "[" * 3000 + "]" * 3002 + "\n+++\nb", "front matter nested too deeply"),
    ],
)
def test_split_front_matter_errors(text: str, message: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        split_front_matter(text)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("---\ntitle: [unclosed\n---\nbody", "invalid YAML front matter: "),
        ("---\na: b: c\n---\nbody", "invalid YAML front matter: "),
        ("+++\ntitle = \n+++\nbody", "invalid TOML front matter: Invalid value (at line 2"),
        ("+++\nno equals sign\n+++\nbody", "invalid TOML front matter: "),
    ],
)
def test_split_front_matter_invalid_syntax(text: str, prefix: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        split_front_matter(text)
    message = str(info.value)
    assert message.startswith(prefix)
    assert "\n" not in message  # one line, fit for a reindex report
    assert len(message) > len("invalid YAML front matter: ")
