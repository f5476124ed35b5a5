"""Markdown and HTML to plain text, with a real CommonMark parser (markdown-it-py).

The parser runs in linear time, so no corpus file can make it backtrack.
Documentation sites add their own markup on top of CommonMark (mkdocs
admonitions and content tabs, ``///`` blocks, include directives, attribute
lists, template tags): :mod:`bot.corpus.mkdocs` turns those into plain CommonMark
first. What comes out:

* the **body**: prose paragraphs separated by blank lines (a list item, a table
  row and a paragraph each stand alone); inline code is kept verbatim between
  backticks, links keep their text;
* the **code**: fenced and indented code blocks, searchable but never quoted;
* the **sections**: every heading with its anchor and the stretch of the body
  it heads.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.token import Token

from bot.corpus.mkdocs import attr_anchor, plain_commonmark, slugify
from bot.model import Section

_SPACES = " \t\r\n\f\v\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"  # noqa: E501
_SENTENCE_END = (".", "!", "?", ":", ";")


@dataclass(frozen=True, slots=True)
class Parsed:
    """A markdown text as plain prose, code and sections."""

    body: str
    code: str
    sections: tuple[Section, ...] = ()
    opening_heading: str | None = None  # a heading the page opens with (its title)


_LABEL_MAX = 200  # CommonMark's link labels are at most 999 characters; API names far less


def _full_reference_labels(text: str) -> set[str]:
    """The labels of every full or collapsed reference link, ``[text][label]`` or
    ``[label][]``, defined or not.

    Documentation sites link API names this way and their generator adds the
    definitions (``[`Field`][pydantic.fields.Field]``); CommonMark would leave
    them as raw brackets. Defining these labels keeps the link text and drops
    the brackets, while a lone ``[word]`` stays text, so a link whose text
    holds brackets is still a link. One left-to-right scan, bounded work at
    each ``][``.
    """
    labels: set[str] = set()
    at = text.find("][")
    while at >= 0:
        end = text.find("]", at + 2, at + 2 + _LABEL_MAX)
        if end == at + 2:  # collapsed: the label is the text before
            start = text.rfind("[", max(0, at - _LABEL_MAX), at)
            label = text[start + 1 : at] if start >= 0 else ""
        else:
            label = text[at + 2 : end] if end >= 0 else ""
        if label and "\n\n" not in label:
            labels.add(normalizeReference(label))
        at = text.find("][", at + 2)
    return labels


@cache
def _parser() -> MarkdownIt:
    """The CommonMark parser with tables and strikethrough (built once, on first use)."""
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


@cache
def _block_parser() -> MarkdownIt:
    """The same parser for the block structure only: the inline parsing is done
    paragraph by paragraph, under a budget (see :class:`_Inline`)."""
    return (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .disable("inline")
    )


# Characters that open or close inline markup. Prose holds few; a paragraph made mostly
# of them ("[[[[", "![![", "*_*_") is bait or garbage, and markdown-it-py, linear as it is,
# spends microseconds on each: such text is parsed only up to a budget per page.
_MARKUP_CHARS = "[]!*_<>`~\\&("
_DENSE_SHARE = 0.45
DENSE_BUDGET = 50_000


def _dense(text: str) -> bool:
    return sum(text.count(ch) for ch in _MARKUP_CHARS) > _DENSE_SHARE * len(text)


class _Inline:
    """Inline parsing of one page's paragraphs, with a budget for markup-dense text."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env
        self.dense_left = DENSE_BUDGET

    def children(self, content: str) -> list[Token] | None:
        """The inline tokens of ``content``, or None when it is to be taken as plain text."""
        if _dense(content):
            if len(content) > self.dense_left:
                return None
            self.dense_left -= len(content)
        tokens = _parser().parseInline(content, self.env)
        return tokens[0].children or [] if tokens else []


def _env(text: str) -> dict[str, Any]:
    """Link definitions for the reference links ``text`` uses (see above)."""
    empty = {"href": "", "title": ""}
    return {"references": dict.fromkeys(_full_reference_labels(text), empty)}


def squash(text: str) -> str:
    """Runs of white space (any kind) as one space, ends trimmed."""
    return " ".join(text.translate(_SPACE_MAP).split())


_SPACE_MAP = str.maketrans(dict.fromkeys(_SPACES, " "))


def _code_span(content: str) -> str:
    """Inline code quoted verbatim, between enough backticks to hold its own."""
    content = squash(content)
    if not content:
        return ""
    fence = "``" if "`" in content else "`"
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def inline_text(children: Sequence[Token] | None, code_marks: bool = True) -> str:
    """The plain text of a run of inline tokens.

    Links and emphasis keep their text, images their alt text, HTML tags go; inline
    code is kept verbatim (between backticks when ``code_marks``).
    """
    pieces: list[str] = []
    in_autolink = False
    for token in children or ():
        kind = token.type
        if kind in ("link_open", "link_close"):
            in_autolink = kind == "link_open" and token.markup == "autolink"
        elif in_autolink:
            continue  # a bare address says nothing a reader needs quoted
        elif kind == "text":
            pieces.append(token.content)
        elif kind == "code_inline":
            pieces.append(_code_span(token.content) if code_marks else token.content)
        elif kind == "image":
            pieces.append(inline_text(token.children, code_marks))  # its alt text
        elif kind in ("softbreak", "hardbreak") or _is_break_tag(token):
            pieces.append(" ")
    return squash("".join(pieces))


def _is_break_tag(token: Token) -> bool:
    return token.type == "html_inline" and token.content[:3].lower() == "<br"


def clean_inline(text: str) -> str:
    """Plain text of an HTML or markdown snippet on one line (titles, excerpts, names).

    Tags and comments go, entities are decoded (twice, for text escaped twice
    over), links keep their text, code its content without backticks.
    """
    if not text:
        return ""
    if len(text) > DENSE_BUDGET and _dense(text):
        return squash(text)  # bait, not a title or an excerpt: shown as it is, inert
    tokens = _parser().parseInline(text, _env(text) if "][" in text else {})
    plain = inline_text(tokens[0].children if tokens else None, code_marks=False)
    if "&" in plain:
        plain = squash(html.unescape(plain))
    return plain


def _as_heading(text: str) -> str:
    """A heading as a paragraph of its own, ending like a sentence introducing what follows."""
    return text if text.endswith(_SENTENCE_END) else text + ":"


class _Builder:
    """Collects paragraphs, code and sections from markdown-it's block tokens."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.code: list[str] = []
        self.sections: list[tuple[str, str, int, int]] = []  # heading, anchor, level, paragraph
        self.opening: str | None = None
        self._row: list[str] | None = None
        self._slugs: dict[str, int] = {}

    def heading(self, level: int, text: str) -> None:
        heading, anchor = attr_anchor(text)
        if not heading:
            return
        if level == 1 and self.opening is None and not self.sections:
            self.opening = heading  # the page's own title, not a section of it
            return
        self.sections.append((heading, self._unique(anchor or slugify(heading)), level,
                              len(self.paragraphs)))  # fmt: skip

    def _unique(self, slug: str) -> str:
        """Anchors as mkdocs makes them unique: ``name``, ``name_1``, ``name_2`` …"""
        seen = self._slugs.get(slug)
        self._slugs[slug] = (seen or 0) + 1
        return slug if seen is None else f"{slug}_{seen}"

    def paragraph(self, text: str) -> None:
        if self._row is not None:
            self._row.append(text)
        elif text:
            self.paragraphs.append(text)

    def start_row(self) -> None:
        self._row = []

    def end_row(self) -> None:
        cells = [cell for cell in self._row or () if cell]
        self._row = None
        if cells:
            self.paragraphs.append(" | ".join(cells))

    def result(self) -> Parsed:
        body, offsets = _join(self.paragraphs)
        sections = []
        for n, (heading, anchor, level, first) in enumerate(self.sections):
            last = self._end_paragraph(n, level)
            start = offsets[first] if first < len(offsets) else len(body)
            end = offsets[last] - 2 if last < len(offsets) else len(body)
            sections.append(Section(heading, anchor, level, start, max(start, end)))
        code = "\n".join(part for part in self.code if part.strip())
        return Parsed(body, code.strip("\n"), tuple(sections), self.opening)

    def _end_paragraph(self, n: int, level: int) -> int:
        """The first paragraph after section ``n`` and its sub-sections."""
        for heading in self.sections[n + 1 :]:
            if heading[2] <= level:
                return heading[3]
        return len(self.paragraphs)


def _join(paragraphs: list[str]) -> tuple[str, list[int]]:
    """Paragraphs joined by blank lines, and where each starts."""
    offsets: list[int] = []
    position = 0
    for paragraph in paragraphs:
        offsets.append(position)
        position += len(paragraph) + 2
    return "\n\n".join(paragraphs), offsets


def _walk(tokens: Sequence[Token], builder: _Builder, inline: _Inline) -> None:
    for n, token in enumerate(tokens):
        kind = token.type
        if kind == "inline":
            opener = tokens[n - 1] if n else None
            children = inline.children(token.content)
            text = squash(token.content) if children is None else inline_text(children)
            if opener is not None and opener.type == "heading_open":
                builder.heading(int(opener.tag[1:]), text)
            else:
                builder.paragraph(text)
        elif kind in ("fence", "code_block"):
            builder.code.append(token.content)
        elif kind == "tr_open":
            builder.start_row()
        elif kind == "tr_close":
            builder.end_row()


def parse_markdown(content: str) -> Parsed:
    """Parse a markdown page into prose, code and sections (see the module docstring)."""
    source = plain_commonmark(content.replace("\r\n", "\n").replace("\r", "\n"))
    builder = _Builder()
    env = _env(source)
    _walk(_block_parser().parse(source, env), builder, _Inline(env))
    return builder.result()


def markdown_to_text(content: str) -> tuple[str, str]:
    """Return ``(prose, code)`` of a markdown text (see :func:`parse_markdown`)."""
    parsed = parse_markdown(content)
    return parsed.body, parsed.code


def headings_paragraphs(parsed: Parsed) -> Iterator[str]:
    """Each heading as a short paragraph ending like a sentence (for plain-text views)."""
    for section in parsed.sections:
        yield _as_heading(section.heading)
