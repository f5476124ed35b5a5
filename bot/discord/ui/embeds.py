"""Answers as Discord embeds, within Discord's limits, with corpus text escaped.

Limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
title 256, description 4096, field name 256, field value 1024, footer 2048,
25 fields, 6000 characters in all; message content 2000. Long text is cut at a
word with an ellipsis. Pure: builds ``discord.Embed`` objects, sends nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import discord

from bot.answer.build import Answer, Result
from bot.answer.curated import Curated
from bot.answer.render import date_of
from bot.model import Article, RelatedLink
from bot.querylog.stats import Stats
from bot.service import ReindexReport

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
FIELDS_MAX = 25
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000
NOTE_MAX = 300
ELLIPSIS = "\u2026"
_SPACES = re.compile(r"\s+")
# Control characters, bidi embeddings/overrides/isolates and lone surrogates: invisible
# in a reply at best, at worst they reorder what readers see or break the JSON payload.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
URL_MAX = 512
COLOUR_ANSWER = discord.Colour.blurple()
COLOUR_UNSURE = discord.Colour.gold()
COLOUR_ADMIN = discord.Colour.dark_grey()


def cut(text: str, limit: int) -> str:
    """``text`` if it fits, else cut at the last space before ``limit`` with an ellipsis."""
    if len(text) <= limit:
        return text
    room = max(1, limit - 1)
    head = text[:room]
    space = head.rfind(" ")
    if space > room // 2:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def plain(text: str) -> str:
    """Text for places Discord shows without Markdown (titles, labels): one line, no controls.

    Mentions get an invisible zero-width space, so they never resolve anywhere.
    """
    text = _INVISIBLE.sub("", _SPACES.sub(" ", text)).strip()
    return discord.utils.escape_mentions(text).replace("<@", "<@\u200b").replace("<#", "<#\u200b")


def escape(text: str) -> str:
    """Corpus or user text made inert: Markdown escaped, mentions defused, one line.

    Control and bidi-override characters are removed as well.
    """
    text = _INVISIBLE.sub("", _SPACES.sub(" ", text))
    text = discord.utils.escape_markdown(text)
    text = discord.utils.escape_mentions(text)
    return text.replace("<@", "<@\u200b").replace("<#", "<#\u200b")


def inert_code(text: str) -> str:
    """Inline code kept verbatim but for control and bidi-override characters."""
    return _INVISIBLE.sub("", _SPACES.sub(" ", text))


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link with a host that Discord will accept, else ``None``.

    Anything else (``javascript:``, ``data:``, ``ftp:``, a relative link, spaces or
    control characters) would be refused by Discord, failing the whole reply, or
    should never be offered to a reader: the article is then shown without a link.
    """
    if not url or len(url) > URL_MAX or not url.startswith(("https://", "http://")):
        return None
    if any(ch.isspace() or ch in '<>()\\"' or _INVISIBLE.match(ch) for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or not url.isprintable():
        return None
    return url


def link(title: str, url: str | None, limit: int = 200) -> str:
    """A Markdown link (or the escaped title when there is no usable URL)."""
    label = escape(cut(title, limit)).replace("[", "(").replace("]", ")")
    target = safe_url(url)
    return f"[{label}]({target})" if target else label


def citation(
    number: int, article: Article, title: str | None = None, url: str | None = None
) -> str:
    """``**[n]** [Title](url) — Source, date`` (``title`` and ``url`` in place of the
    article's, for a quote's section)."""
    details = ", ".join(escape(p) for p in (article.source, date_of(article.published)) if p)
    line = f"**[{number}]** {link(title or article.title, url or article.url)}"
    return f"{line} \u2014 {details}" if details else line


def _also_line(result: Result) -> str:
    names = ", ".join(dict.fromkeys(escape(a.source or a.title) for a in result.also))
    return f"\u2003also covered by {cut(names, 300)}"


def _citations(results: Sequence[Result], first_number: int) -> list[str]:
    lines: list[str] = []
    for offset, result in enumerate(results):
        lines.append(
            citation(first_number + offset, result.article, result.cited_title, result.link)
        )
        if result.also:
            lines.append(_also_line(result))
    return lines


def _related_value(links: Sequence[RelatedLink]) -> str:
    lines = []
    for item in links:
        source = f" \u2014 {escape(item.source)}" if item.source else ""
        lines.append(f"\u2022 {link(item.title, item.url, 150)}{source}")
    return cut("\n".join(lines), FIELD_VALUE_MAX)


def notes_lines(answer: Answer) -> list[str]:
    """What the search did to the question ("cut to …", "Showing results for …"), escaped.

    Shown at the top of the description, in italics, where readers see them.
    """
    lines = [f"*{escape(cut(note, NOTE_MAX))}*" for note in answer.notes]
    if answer.searched_for:
        lines.append(f"*Showing results for: {escape(cut(answer.searched_for, NOTE_MAX))}*")
    return lines


def _footer(answer: Answer, page: int) -> str:
    parts = [f"page {page + 1}"] if page else []
    parts.append(f"{answer.took_ms:.0f} ms")
    return cut(" \u00b7 ".join(parts), FOOTER_MAX)


def answer_embed(answer: Answer, page: int = 0, first_number: int = 1) -> discord.Embed:
    """The reply to a question: top article, excerpt, numbered citations, related links.

    ``page`` > 0 renders further results (from "More results"), numbered from
    ``first_number``.
    """
    if not answer.answered:
        return not_found_embed(answer)
    top = answer.results[0]
    embed = discord.Embed(
        title=cut(plain(top.article.title), TITLE_MAX) or "(untitled)",
        url=safe_url(top.link),
        colour=COLOUR_ANSWER,
    )
    excerpt = top.excerpt.markdown(escape, inert_code) if page == 0 else ""
    citations = "\n".join(_citations(answer.results, first_number))
    notes = "".join(f"{line}\n" for line in notes_lines(answer)) if page == 0 else ""
    head = f"{cut(excerpt, 1500)}\n\n" if excerpt else ""
    embed.description = cut(notes + head + citations, DESCRIPTION_MAX)
    if answer.related and page == 0:
        embed.add_field(name="Related", value=_related_value(answer.related), inline=False)
    embed.set_footer(text=_footer(answer, page))
    return fit(embed)


COLOUR_CURATED = discord.Colour.green()
CURATED_FOOTER = "Curated answer from this server's FAQ"


def curated_embed(entry: Curated) -> discord.Embed:
    """A curated answer (``/faq``): its admins' text, Markdown kept, mentions defused."""
    lines = (_INVISIBLE.sub("", line) for line in entry.text.splitlines())
    text = discord.utils.escape_mentions("\n".join(lines))
    embed = discord.Embed(
        title=cut("\N{PUSHPIN} " + plain(entry.name), TITLE_MAX),
        url=safe_url(entry.link),
        description=cut(text, DESCRIPTION_MAX) or None,
        colour=COLOUR_CURATED,
    )
    embed.set_footer(text=CURATED_FOOTER)
    return fit(embed)


def not_found_embed(answer: Answer) -> discord.Embed:
    """The plain "not in the corpus" reply, with the nearest matches as suggestions."""
    lines = [*notes_lines(answer), "I couldn't find an answer to that in the corpus."]
    if answer.results:
        lines += ["", "Not sure, but these come closest:"]
        lines += _citations(answer.results, 1)
    else:
        lines += ["", "Try other words, or `/help` for what I know about."]
    embed = discord.Embed(
        title="Not in the corpus", description=cut("\n".join(lines), DESCRIPTION_MAX)
    )
    embed.colour = COLOUR_UNSURE
    embed.set_footer(text=_footer(answer, 0))
    return fit(embed)


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts toward the 6000 limit."""
    return len(embed)


def fit(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields, then shorten the description, until the embed is within limits."""
    while len(embed.fields) > FIELDS_MAX or (embed_size(embed) > EMBED_TOTAL_MAX and embed.fields):
        embed.remove_field(len(embed.fields) - 1)
    excess = embed_size(embed) - EMBED_TOTAL_MAX
    if excess > 0 and embed.description:
        embed.description = cut(embed.description, max(1, len(embed.description) - excess - 1))
    return embed


def report_embed(report: ReindexReport) -> discord.Embed:
    """The reindex report for an admin."""
    if not report.ok:
        embed = discord.Embed(
            title="Reindex failed \u2014 the previous index is still in use",
            description=cut(escape(report.error or "unknown error"), DESCRIPTION_MAX),
            colour=discord.Colour.red(),
        )
        return embed
    embed = discord.Embed(title=f"Reindexed: {report.documents} documents", colour=COLOUR_ADMIN)
    embed.description = (
        f"added {len(report.added)} \u00b7 changed {len(report.changed)} \u00b7 "
        f"removed {len(report.removed)} \u00b7 skipped {len(report.skipped)} \u00b7 "
        f"{report.took_ms / 1000:.2f} s \u00b7 index `{report.version}`"
    )
    for name, items in (("Added", report.added), ("Changed", report.changed)):
        if items:
            embed.add_field(name=name, value=cut(escape(", ".join(items)), FIELD_VALUE_MAX))
    if report.removed:
        embed.add_field(name="Removed", value=cut(escape(", ".join(report.removed)), 1024))
    if report.skipped:
        lines = [f"\u2022 {escape(s.path)}: {escape(s.reason)}" for s in report.skipped]
        embed.add_field(name="Skipped", value=cut("\n".join(lines), FIELD_VALUE_MAX), inline=False)
    return fit(embed)


def stats_embed(stats: Stats, days: int, shards: Sequence[tuple[int, float]] = ()) -> discord.Embed:
    """The query log summary for an admin, with the gateway latency of each of this
    process's ``shards`` (shard id, seconds)."""
    embed = discord.Embed(title=f"Questions in the last {days} days", colour=COLOUR_ADMIN)
    embed.description = (
        f"{stats.total} questions \u00b7 {stats.answer_rate:.0%} answered \u00b7 "
        f"latency p50 {stats.latency_p50 or 0:.0f} ms, p95 {stats.latency_p95 or 0:.0f} ms"
    )
    surfaces = ", ".join(f"{name} {count}" for name, count in stats.by_surface.items())
    embed.add_field(name="Per surface", value=surfaces or "none", inline=False)
    if stats.votes:
        share = stats.downvotes / stats.votes
        embed.add_field(
            name="Feedback", value=f"{stats.votes} votes, {share:.0%} \N{THUMBS DOWN SIGN}"
        )
    if stats.lost_rows:
        embed.add_field(name="Rows lost", value=str(stats.lost_rows))
    if shards:
        each = ", ".join(f"shard {n}: {seconds * 1000:.0f} ms" for n, seconds in shards[:20])
        embed.add_field(name="Gateway latency (this process)", value=each, inline=False)
    for name, rows in (
        ("Top questions", stats.top_questions),
        ("Top unanswered", stats.top_unanswered),
    ):
        if rows:
            lines = [f"{count}\u00d7 {escape(cut(question, 120))}" for question, count in rows]
            embed.add_field(name=name, value=cut("\n".join(lines), FIELD_VALUE_MAX), inline=False)
    return fit(embed)
