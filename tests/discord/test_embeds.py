from __future__ import annotations

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answer.build import AnswerOptions, build_answer
from bot.discord.ui.embeds import (
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_VALUE_MAX,
    TITLE_MAX,
    answer_embed,
    cut,
    escape,
    report_embed,
    safe_url,
)
from bot.discord.ui.views import answer_view
from bot.model import Article, RelatedLink, Skipped
from bot.service import ReindexReport
from tests.conftest import index_of


def check_limits(embed: discord.Embed) -> None:
    assert len(embed.title or "") <= TITLE_MAX
    assert len(embed.description or "") <= DESCRIPTION_MAX
    assert len(embed.fields) <= 25
    assert all(len(f.value or "") <= FIELD_VALUE_MAX for f in embed.fields)
    assert len(embed) <= EMBED_TOTAL_MAX


def huge_answer(title: str, body: str, source: str, url: str):  # type: ignore[no-untyped-def]
    related = tuple(RelatedLink(f"{title} {n}", url, source, body) for n in range(30))
    articles = [
        Article(
            f"{n}.md",
            f"{title} {n}",
            url,
            source,
            "2024-01-01T00:00:00+00:00",
            body=body,
            related=related,
        )
        for n in range(12)
    ]
    index = index_of(articles)
    query = index.parse(f"{title} {body[:200]}")
    hits = index.search(query, 10, extra=5)
    return build_answer(index, query, hits, 10, AnswerOptions(min_confidence=0.0, related_count=10))


def test_cut_stops_at_a_word_with_an_ellipsis() -> None:
    assert cut("short", 10) == "short"
    assert cut("one two three four", 12) == "one two\u2026"
    assert len(cut("x" * 5000, 256)) == 256


def test_escape_defuses_markdown_and_mentions() -> None:
    text = escape("**bold** @everyone <@&123> [link](https://evil) `code`")
    assert "\\*\\*bold\\*\\*" in text
    assert "@\u200beveryone" in text
    assert "\\[link](https://evil)" in text  # no masked link
    assert "<@\u200b&123>" in text and "\\`code\\`" in text


def test_only_http_links_are_used() -> None:
    assert safe_url("https://example.com/a") == "https://example.com/a"
    for bad in ("javascript:alert(1)", "ftp://x", "https://a b", None, "https://x/" + "a" * 600):
        assert safe_url(bad) is None


def test_a_huge_answer_stays_within_every_limit() -> None:
    answer = huge_answer(
        "Giant headline " * 40, "Sentence of words. " * 2000, "S" * 300, "https://e.com/x"
    )
    embed = answer_embed(answer)
    check_limits(embed)
    view = answer_view(answer, "0" * 16, has_more=True, votes=True)
    rows: dict[int, int] = {}
    for item in view.children:
        rows[item.row or 0] = rows.get(item.row or 0, 0) + 1
        assert len(getattr(item, "label", "") or "") <= 80
    assert all(count <= 5 for count in rows.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=st.text(min_size=1, max_size=400),
    body=st.text(max_size=3000),
    source=st.text(max_size=300),
)
def test_any_article_renders_within_limits(title: str, body: str, source: str) -> None:
    answer = huge_answer(title, body, source, "https://e.com/x")
    check_limits(answer_embed(answer))
    check_limits(answer_embed(answer, page=1, first_number=4))


def test_reindex_report_lists_every_skip_within_limits() -> None:
    skipped = tuple(
        Skipped(f"folder/file-{n}.md", "invalid YAML front matter: " + "x" * 80) for n in range(300)
    )
    report = ReindexReport(5, ("a.md",) * 400, (), (), skipped, 12.0, "abc")
    embed = report_embed(report)
    check_limits(embed)
    failed = report_embed(ReindexReport(5, (), (), (), (), 1.0, "abc", ok=False, error="boom"))
    assert failed.title is not None and "previous index is still in use" in failed.title


def test_control_characters_inside_inline_code_never_reach_discord() -> None:
    from bot.answer.excerpt import highlight
    from bot.discord.ui.embeds import escape, inert_code

    excerpt = highlight("Run `rm \x1b[2J\u202e` now, then `ok`.", frozenset({"run"}))
    text = excerpt.markdown(escape, inert_code)
    assert "\x1b" not in text and "\u202e" not in text
    assert "`rm [2J`" in text and "`ok`" in text
