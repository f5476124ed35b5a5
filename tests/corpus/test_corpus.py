"""Corpus loading: real folders (seeds, shared corpora) and every broken shape in tmp_path."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.corpus.files import SkipFile, decode, iter_files
from bot.corpus.loader import LoadOptions, LoadReport, build_article, load_corpus, load_file
from bot.model import Article, RelatedLink
from tests.conftest import POWERAPPS, RUST_BLOG, RUST_URLS, SEEDS, needs_shared

ENTITY_RE = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def by_id(report: LoadReport) -> dict[str, Article]:
    return {article.id: article for article in report.articles}


def reasons(report: LoadReport) -> dict[str, str]:
    return {skipped.path: skipped.reason for skipped in report.skipped}


def only_article(root: Path, options: LoadOptions | None = None) -> Article:
    report = load_corpus(root, options)
    assert report.skipped == []
    assert len(report.articles) == 1
    return report.articles[0]


# --- the seeds ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    report = load_corpus(SEEDS)
    assert report.skipped == []
    return by_id(report)


def test_seeds_all_load_with_their_ids(seeds: dict[str, Article]) -> None:
    assert sorted(seeds) == [
        "000_4a1afd5bb2ee676d.txt",
        "001_b9724023d2a3f044.txt",
        "002_8354eec4b5b8c33a.txt",
        "003_796cce0c68a26100.txt",
        "004_32d900894b009121.txt",
    ]


def test_seed_yaml_front_matter_fields(seeds: dict[str, Article]) -> None:
    article = seeds["000_4a1afd5bb2ee676d.txt"]
    assert article.title == "How Tesla is using a supercomputer to train its self-driving tech"
    assert article.url == "https://www.popsci.com/technology/tesla-self-driving-supercomputer/"
    assert article.source == "Popular Science"  # nested provider.name
    # From publishedDateTime; the seed's `published: false` is not a date.
    assert article.published == "2021-06-26T09:00:00+00:00"
    assert article.topics == ("AI in Autos", "AI")
    assert article.excerpt is not None
    assert article.excerpt.startswith("The automaker's system includes a total of 5,760 GPUs.")
    assert article.images == ("https://www.popsci.com/app/uploads/2021/06/25/ModelSPlaid-2.jpeg",)
    assert article.authors == ()
    assert article.code == ""


def test_seed_related_list(seeds: dict[str, Article]) -> None:
    related = seeds["000_4a1afd5bb2ee676d.txt"].related
    assert len(related) == 2
    first = related[0]
    assert isinstance(first, RelatedLink)
    assert first.title == "Will a self-driving update send Tesla’s share price higher?"
    assert first.url == (
        "https://www.cmcmarkets.com/en-au/opto/"
        "will-a-self-driving-update-send-teslas-share-price-higher"
    )
    assert first.source == "CMC Markets"
    assert first.published == "2021-06-30T09:15:00+00:00"
    assert first.excerpt is not None and first.excerpt.startswith("Having had a phenomenal run")
    assert related[1].source == "acm.org"
    assert related[1].published == "2021-06-29T17:30:00+00:00"


def test_seed_provider_with_nested_images_still_gives_name(seeds: dict[str, Article]) -> None:
    article = seeds["001_b9724023d2a3f044.txt"]
    assert article.source == "TechCrunch"
    assert article.published == "2021-06-22T02:10:00+00:00"
    assert article.topics == ("Computer Vision", "AI", "AI in Autos")
    # Only the article's own images, not the provider's logo.
    assert article.images == (
        "https://techcrunch.com/wp-content/uploads/2021/06/"
        "Screen-Shot-2021-06-22-at-12.57.01-pm.png?w=1024",
    )


@pytest.mark.parametrize(
    ("seed_id", "title", "source", "published"),
    [
        (
            "003_796cce0c68a26100.txt",
            "Tesla’s Dojo Supercomputer Is The World’s Most Powerful AI Training Machine",
            "Redmond Pie",
            "2021-08-20T19:13:00+00:00",
        ),
        (
            "004_32d900894b009121.txt",
            "Inside Tesla’s Innovative And Homegrown “Dojo” AI Supercomputer",
            "The Next Platform",
            "2022-08-24T03:35:00+00:00",
        ),
    ],
)
def test_other_yaml_seeds(
    seeds: dict[str, Article], seed_id: str, title: str, source: str, published: str
) -> None:
    article = seeds[seed_id]
    assert (article.title, article.source, article.published) == (title, source, published)
    assert article.url is not None and article.url.startswith("https://")


def test_seed_plain_text_without_front_matter(seeds: dict[str, Article]) -> None:
    article = seeds["002_8354eec4b5b8c33a.txt"]
    assert article.title == (
        "Elon Musk Is Spending $1B On Tesla's Dojo Supercomputer – Here's What You Need "
        "To Know - Tesla (NASDAQ:TSLA)"
    )
    assert article.published == "2023-07-20T00:00:00+00:00"
    assert article.url is None
    assert article.source is None
    assert article.excerpt is None
    assert article.topics == ()
    assert article.related == ()
    # The title and date lines are consumed; the body starts after them.
    assert article.body.startswith("Click the button to request GPT analysis")
    assert "Scroll down for original article" not in article.body
    assert "Elon Musk Is Spending" not in article.body
    assert "Tesla Inc. TSLA is set to invest over $1 billion" in article.body


# --- shared corpora: powerapps-news (YAML) --------------------------------------------


@pytest.fixture(scope="module")
def powerapps() -> LoadReport:
    return load_corpus(POWERAPPS)


@needs_shared(POWERAPPS)
def test_powerapps_all_674_load(powerapps: LoadReport) -> None:
    assert powerapps.skipped == []
    assert len(powerapps.articles) == 674
    assert all(a.published is not None for a in powerapps.articles)
    assert all(a.url and a.url.startswith("https://") for a in powerapps.articles)


@needs_shared(POWERAPPS)
def test_powerapps_html_entities_come_out_clean(powerapps: LoadReport) -> None:
    for article in powerapps.articles:
        for field in (article.title, article.excerpt or "", article.body):
            assert "&nbsp;" not in field, article.id
            assert ENTITY_RE.search(field) is None, (article.id, field)
            assert "\u00a0" not in field, article.id


@needs_shared(POWERAPPS)
def test_powerapps_known_article(powerapps: LoadReport) -> None:
    raw = (POWERAPPS / "2022-11-09-security-in-microsoft-dataverse.md").read_text()
    assert "&nbsp;" in raw and "&#8217;" in raw  # the input really has entities
    article = by_id(powerapps)["2022-11-09-security-in-microsoft-dataverse.md"]
    assert article.title == "Security in Microsoft Dataverse"
    assert article.source == "Microsoft"
    assert article.published == "2022-11-09T08:56:00+00:00"
    assert article.topics == ("Power Apps",)
    assert article.url == (
        "https://powerapps.microsoft.com/en-us/blog/security-in-microsoft-dataverse/"
    )
    assert article.excerpt is not None
    assert article.excerpt.startswith(
        "What is Dataverse? Microsoft Dataverse is a cloud-based, low-code solution"
    )
    assert "data that’s used by business applications" in article.excerpt


# --- shared corpora: rust-blog (TOML) -------------------------------------------------


@pytest.fixture(scope="module")
def rust() -> LoadReport:
    return load_corpus(RUST_BLOG, LoadOptions(url_template=RUST_URLS))


@needs_shared(RUST_BLOG)
def test_rust_blog_750_load_and_latest_is_skipped(rust: LoadReport) -> None:
    assert len(rust.articles) == 750
    assert len(rust.skipped) == 1
    skipped = rust.skipped[0]
    assert skipped.path == "releases__latest.md"
    assert skipped.reason.startswith("no text to index")


@needs_shared(RUST_BLOG)
def test_rust_blog_toml_article(rust: LoadReport) -> None:
    article = by_id(rust)["4-Years-Of-Rust.md"]
    assert article.title == "4 years of Rust"
    assert article.published == "2019-05-15T00:00:00+00:00"  # from path = "2019/05/15/…"
    assert article.url == "https://blog.rust-lang.org/2019/05/15/4-Years-Of-Rust/"
    assert article.authors == ("The Rust Core Team",)
    assert article.source == "The Rust Core Team"
    assert article.body.startswith("On May 15th, 2015,")


@needs_shared(RUST_BLOG)
def test_rust_blog_every_url_is_built_from_the_path(rust: LoadReport) -> None:
    for article in rust.articles:
        assert article.published is not None, article.id
        assert article.url is not None, article.id
        assert article.url.startswith("https://blog.rust-lang.org/"), article.url
        assert article.url.endswith("/")
        # The date in the URL is the published date.
        match = re.match(r"https://blog\.rust-lang\.org/(\d{4})/(\d{2})/(\d{2})/", article.url)
        if match:
            assert article.published.startswith("-".join(match.groups())), article.id


@needs_shared(RUST_BLOG)
def test_rust_blog_code_is_kept_apart(rust: LoadReport) -> None:
    assert sum(1 for a in rust.articles if a.code) > 300
    article = by_id(rust)["1.94.1-release.md"]
    assert article.title == "Announcing Rust 1.94.1"
    assert article.published == "2026-03-26T00:00:00+00:00"
    assert article.code == "rustup update stable"
    assert "rustup update stable" not in article.body
    assert "```" not in article.body
    # Headings are sections, not prose; inline links keep only their text.
    assert "What's in 1.94.1" in [section.heading for section in article.sections]
    assert "What's in 1.94.1" not in article.body
    assert "Clippy: fix ICE in `match_same_arms`" in article.body  # code quoted verbatim
    assert "github.com" not in article.body


@needs_shared(RUST_BLOG)
def test_rust_blog_no_fence_markers_leak_into_any_body(rust: LoadReport) -> None:
    leaked = [a.id for a in rust.articles if "```" in a.body]
    assert leaked == []


@needs_shared(RUST_BLOG)
def test_rust_blog_without_template_has_no_url() -> None:
    article = load_file(RUST_BLOG, RUST_BLOG / "4-Years-Of-Rust.md", LoadOptions())
    assert article.url is None
    assert article.published == "2019-05-15T00:00:00+00:00"


@needs_shared(RUST_BLOG)
def test_rust_blog_latest_skips_with_reason() -> None:
    with pytest.raises(SkipFile, match="no text to index"):
        load_file(RUST_BLOG, RUST_BLOG / "releases__latest.md", LoadOptions())


@needs_shared(RUST_BLOG)
def test_rust_blog_reference_links_keep_only_text(rust: LoadReport) -> None:
    article = by_id(rust)["4-Years-Of-Rust.md"]
    assert "[rust-release]" not in article.body
    assert article.body.startswith("On May 15th, 2015, Rust was released to the world!")


# --- broken and unusual files in tmp_path ---------------------------------------------


def test_broken_yaml_is_skipped_with_reason(tmp_path: Path) -> None:
    write(tmp_path, "bad.md", "---\ntitle: [unclosed\n---\nBody text.\n")
    report = load_corpus(tmp_path)
    assert report.articles == []
    assert reasons(report)["bad.md"].startswith("invalid YAML front matter")


def test_broken_toml_is_skipped_with_reason(tmp_path: Path) -> None:
    write(tmp_path, "bad.md", "+++\ntitle = \n+++\nBody text.\n")
    report = load_corpus(tmp_path)
    assert report.articles == []
    assert reasons(report)["bad.md"].startswith("invalid TOML front matter")


@pytest.mark.parametrize("fence", ["---", "+++"])
def test_unclosed_front_matter_is_skipped(tmp_path: Path, fence: str) -> None:
    write(tmp_path, "open.md", f"{fence}\ntitle: x\nBody text that never ends the block.\n")
    report = load_corpus(tmp_path)
    assert report.articles == []
    assert reasons(report) == {"open.md": f"front matter opened with {fence} but never closed"}


def test_front_matter_list_is_not_a_mapping(tmp_path: Path) -> None:
    write(tmp_path, "list.md", "---\n- a\n- b\n---\nBody text.\n")
    report = load_corpus(tmp_path)
    assert report.articles == []
    assert reasons(report) == {"list.md": "front matter is a list, not a mapping of fields"}


def test_empty_file_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "empty.md", "")
    write(tmp_path, "blank.txt", "\n\n   \n")
    report = load_corpus(tmp_path)
    assert report.articles == []
    assert set(reasons(report)) == {"empty.md", "blank.txt"}
    assert all(r.startswith("no text to index") for r in reasons(report).values())


def test_front_matter_only_is_skipped_but_excerpt_alone_is_enough(tmp_path: Path) -> None:
    write(tmp_path, "bare.md", "---\ntitle: Only a title\n---\n")
    write(tmp_path, "excerpt.md", "---\ntitle: Teaser\nexcerpt: A short teaser.\n---\n")
    report = load_corpus(tmp_path)
    assert reasons(report)["bare.md"].startswith("no text to index")
    article = by_id(report)["excerpt.md"]
    assert (article.title, article.excerpt, article.body) == ("Teaser", "A short teaser.", "")


def test_binary_file_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "blob.md", b"PK\x03\x04\x00\x00binary\x00data")
    report = load_corpus(tmp_path)
    assert report.articles == []
    assert reasons(report) == {"blob.md": "binary file (contains NUL bytes)"}


def test_windows_1252_file_reads_accents_and_smart_quotes(tmp_path: Path) -> None:
    text = "Café menu\n\n“Smart” quotes – and a naïve café’s crème brûlée.\n"
    write(tmp_path, "cp1252.txt", text.encode("cp1252"))
    article = only_article(tmp_path)
    assert article.title == "Café menu"
    assert article.body == "“Smart” quotes – and a naïve café’s crème brûlée."


def test_latin1_file_reads_accents(tmp_path: Path) -> None:
    # 0x81 is undefined in Windows-1252, so this file can only be Latin-1.
    text = "Été à Zürich\n\nNaïve text \x81 with é.\n"
    write(tmp_path, "latin1.txt", text.encode("latin-1"))
    article = only_article(tmp_path)
    assert article.title == "Été à Zürich"
    assert "Naïve text" in article.body and "with é." in article.body


def test_decode_prefers_utf8_then_cp1252() -> None:
    assert decode("é ’".encode()) == "é ’"
    assert decode(b"\x93quoted\x94") == "“quoted”"
    assert decode(b"\xef\xbb\xbfbom") == "bom"
    with pytest.raises(SkipFile, match="NUL"):
        decode(b"a\x00b")


def test_utf8_bom_before_front_matter(tmp_path: Path) -> None:
    text = "\ufeff---\ntitle: With a BOM\ndate: 2021-06-26\n---\nBody after the BOM.\n"
    write(tmp_path, "bom.md", text)
    article = only_article(tmp_path)
    assert article.title == "With a BOM"
    assert article.published == "2021-06-26T00:00:00+00:00"
    assert article.body == "Body after the BOM."


def test_crlf_line_endings(tmp_path: Path) -> None:
    text = "---\r\ntitle: Windows file\r\n---\r\nFirst line\r\nsame paragraph.\r\n\r\nSecond.\r\n"
    write(tmp_path, "crlf.md", text)
    article = only_article(tmp_path)
    assert article.title == "Windows file"
    assert article.body == "First line same paragraph.\n\nSecond."


def test_file_over_max_bytes_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "big.md", "---\ntitle: Big\n---\n" + "word " * 100)
    write(tmp_path, "small.md", "---\ntitle: Small\n---\nTiny.\n")
    report = load_corpus(tmp_path, LoadOptions(max_file_bytes=100))
    assert [a.id for a in report.articles] == ["small.md"]
    assert "too large" in reasons(report)["big.md"]
    assert "limit 100" in reasons(report)["big.md"]


def test_hidden_files_and_folders_are_ignored_silently(tmp_path: Path) -> None:
    write(tmp_path, "visible.md", "---\ntitle: Visible\n---\nShown.\n")
    write(tmp_path, ".hidden.md", "---\ntitle: Hidden\n---\nNot shown.\n")
    write(tmp_path, ".git/notes.md", "---\ntitle: Git\n---\nNot shown.\n")
    write(tmp_path, ".git/objects/blob.png", b"\x89PNG")
    write(tmp_path, "sub/.cache/x.md", "Not shown.\n")
    report = load_corpus(tmp_path)
    assert [a.id for a in report.articles] == ["visible.md"]
    assert report.skipped == []


def test_symlink_loop_does_not_hang_and_loads_files_once(tmp_path: Path) -> None:
    write(tmp_path, "top.md", "---\ntitle: Top\n---\nTop body.\n")
    write(tmp_path, "sub/inner.md", "---\ntitle: Inner\n---\nInner body.\n")
    try:
        os.symlink(tmp_path, tmp_path / "sub" / "loop", target_is_directory=True)
    except (OSError, NotImplementedError):
        pytest.skip("symlinks not supported here")
    report = load_corpus(tmp_path)
    assert sorted(a.id for a in report.articles) == ["sub/inner.md", "top.md"]
    assert report.skipped == []


def test_unsupported_extension_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "picture.png", b"\x89PNG\r\n")
    write(tmp_path, "README", "no extension")
    write(tmp_path, "ok.MD", "---\ntitle: Upper-case extension\n---\nFine.\n")
    report = load_corpus(tmp_path)
    assert [a.id for a in report.articles] == ["ok.MD"]
    assert reasons(report) == {
        "picture.png": "not a text or markdown file (.png)",
        "README": "not a text or markdown file (no extension)",
    }


def test_iter_files_is_sorted_and_reports_reasons(tmp_path: Path) -> None:
    write(tmp_path, "b.md", "b")
    write(tmp_path, "a.txt", "a")
    write(tmp_path, "c.png", b"c")
    found = [(p.relative_to(tmp_path).as_posix(), r) for p, r in iter_files(tmp_path, (".md",))]
    assert found == [
        ("a.txt", "not a text or markdown file (.txt)"),
        ("b.md", None),
        ("c.png", "not a text or markdown file (.png)"),
    ]


def test_nested_folders_give_posix_ids(tmp_path: Path) -> None:
    write(tmp_path, "2023/05/post.md", "---\ntitle: Deep\n---\nDeep body.\n")
    write(tmp_path, "news/item.txt", "---\ntitle: News\n---\nNews body.\n")
    report = load_corpus(tmp_path)
    assert sorted(a.id for a in report.articles) == ["2023/05/post.md", "news/item.txt"]


def test_published_false_is_not_a_date(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\ntitle: Flag\npublished: false\n---\nBody.\n")
    write(tmp_path, "b.md", "---\ntitle: Flag\npublished: true\ndate: 2020-01-02\n---\nBody.\n")
    articles = by_id(load_corpus(tmp_path))
    assert articles["a.md"].published is None
    assert articles["b.md"].published == "2020-01-02T00:00:00+00:00"


def test_date_only_in_file_name(tmp_path: Path) -> None:
    write(tmp_path, "2020-10-26-slug.md", "---\ntitle: Slug\n---\nBody.\n")
    article = only_article(tmp_path)
    assert article.published == "2020-10-26T00:00:00+00:00"


def test_date_only_in_folder_path(tmp_path: Path) -> None:
    write(tmp_path, "2019/05/15/post.md", "---\ntitle: Dated by folder\n---\nBody.\n")
    assert only_article(tmp_path).published == "2019-05-15T00:00:00+00:00"


def test_front_matter_date_beats_file_name(tmp_path: Path) -> None:
    write(tmp_path, "2020-10-26-slug.md", "---\ntitle: T\ndate: 2021-01-05T10:00:00Z\n---\nB.\n")
    assert only_article(tmp_path).published == "2021-01-05T10:00:00+00:00"


def test_toml_front_matter_with_offset_date(tmp_path: Path) -> None:
    text = (
        '+++\ntitle = "Offset"\ndate = 2021-06-26T11:00:00+02:00\n'
        'tags = ["rust", "release"]\nauthors = ["Ann", "Bob"]\n+++\nBody.\n'
    )
    write(tmp_path, "t.md", text)
    article = only_article(tmp_path)
    assert article.title == "Offset"
    assert article.published == "2021-06-26T09:00:00+00:00"
    assert article.topics == ("rust", "release")
    assert article.authors == ("Ann", "Bob")
    assert article.source == "Ann, Bob"


def test_number_after_date_in_file_name_does_not_skip_the_file(tmp_path: Path) -> None:
    write(tmp_path, "2020-10-26-9999-ideas.md", "---\ntitle: Ideas\n---\nBody.\n")
    article = only_article(tmp_path)
    assert article.published == "2020-10-26T00:00:00+00:00"


def test_url_template_and_no_template(tmp_path: Path) -> None:
    write(tmp_path, "a.md", '+++\npath = "2023/05/29/slug"\ntitle = "A"\n+++\nBody.\n')
    write(tmp_path, "b.md", '+++\ntitle = "No path"\n+++\nBody.\n')
    templated = by_id(load_corpus(tmp_path, LoadOptions(url_template=RUST_URLS)))
    assert templated["a.md"].url == "https://blog.rust-lang.org/2023/05/29/slug/"
    assert templated["a.md"].published == "2023-05-29T00:00:00+00:00"
    assert templated["b.md"].url is None  # placeholder without a value: no URL invented
    plain = by_id(load_corpus(tmp_path))
    assert plain["a.md"].url is None
    assert plain["b.md"].url is None


def test_relative_url_falls_back_to_template(tmp_path: Path) -> None:
    write(tmp_path, "page.md", "---\ntitle: P\nurl: /blog/page\n---\nBody.\n")
    assert only_article(tmp_path).url is None
    report = load_corpus(tmp_path, LoadOptions(url_template="https://example.org/{stem}.html"))
    assert report.articles[0].url == "https://example.org/page.html"


def test_markdown_body_code_links_and_headings(tmp_path: Path) -> None:
    text = (
        "---\ntitle: Markdown\n---\n"
        "Intro with [a link](https://example.com/x) and ![a picture](img.png).\n"
        "## Install the tool\n"
        "Run this:\n\n"
        "```bash\ncargo install thing\n```\n\n"
        "Then **done**.\n"
    )
    write(tmp_path, "md.md", text)
    article = only_article(tmp_path)
    assert article.code == "cargo install thing"
    assert article.body == ("Intro with a link and a picture.\n\nRun this:\n\nThen done.")
    assert [(s.heading, s.anchor, s.level) for s in article.sections] == [
        ("Install the tool", "install-the-tool", 2)
    ]
    section = article.sections[0]
    assert article.body[section.start : section.end] == "Run this:\n\nThen done."
    assert "https://example.com" not in article.body
    assert "cargo" not in article.body


def test_markdown_without_front_matter_takes_heading_as_title(tmp_path: Path) -> None:
    write(tmp_path, "notes.md", "# My Notes\n\nFirst paragraph.\n")
    article = only_article(tmp_path)
    assert article.title == "My Notes"
    assert article.body == "First paragraph."
    assert article.published is None


def test_title_falls_back_to_the_file_name(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\nsource: Blog\n---\nFirst line of body.\n\nSecond.\n")
    write(tmp_path, "my_code-note.md", "---\nsource: Blog\n---\n```\nonly code\n```\n")
    articles = by_id(load_corpus(tmp_path))
    assert articles["a.md"].title == "A"
    assert articles["my_code-note.md"].title == "My code note"
    assert articles["my_code-note.md"].code == "only code"
    assert articles["a.md"].source == "Blog"


def test_title_entities_and_tags_are_cleaned(tmp_path: Path) -> None:
    text = (
        '---\ntitle: "Tom &amp; Jerry&#8217;s <em>big</em>&nbsp;day"\n'
        'excerpt: "<p>It&#8217;s&nbsp;here</p>"\n---\nBody.\n'
    )
    write(tmp_path, "e.md", text)
    article = only_article(tmp_path)
    assert article.title == "Tom & Jerry’s big day"
    assert article.excerpt == "It’s here"


def test_build_article_raises_skipfile_for_broken_front_matter() -> None:
    with pytest.raises(SkipFile, match="not a mapping"):
        build_article("x.md", "---\njust a string\n---\nBody\n", LoadOptions())
    article = build_article("x.md", "---\ntitle: Fine\n---\nBody\n", LoadOptions())
    assert (article.id, article.title, article.body) == ("x.md", "Fine", "Body")
