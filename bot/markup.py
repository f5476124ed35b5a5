"""Turn markdown and HTML fragments into plain text for indexing and quoting."""

from __future__ import annotations

import html
import re

_TAG_RE = re.compile(r"<(?:[a-zA-Z][^<>]*|/[a-zA-Z][^<>]*)>")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_FENCE_RE = re.compile(
    r"^(\s{0,3})(`{3,}|~{3,})[^\n]*\n(.*?)(?:^\1?\2[`~]*[ \t]*$|\Z)", re.M | re.S
)
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_REF_LINK_RE = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_REF_DEF_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$", re.M)
_AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+)>")
_EMPHASIS_RE = re.compile(r"(\*\*|\*|~~)(?=\S)(.+?)(?<=\S)\1")
# underscores inside words (snake_case) are not emphasis
_UNDERSCORE_EMPHASIS_RE = re.compile(r"(?<![^\W_])(__|_)(?=\S)(.+?)(?<=\S)\1(?![^\W_])")
_INLINE_CODE_RE = re.compile(r"`+([^`]+)`+")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_LIST_RE = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_QUOTE_RE = re.compile(r"^\s*(?:>\s?)+")
_RULE_RE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SENTENCE_END = (".", "!", "?", ":", ";")


def clean_inline(text: str) -> str:
    """Plain text of an HTML or markdown snippet on one line: entities decoded, tags gone."""
    text = _COMMENT_RE.sub(" ", text)
    text = _TAG_RE.sub(" ", text)
    text = html.unescape(html.unescape(text))
    text = _IMAGE_RE.sub(r"\1", text)
    text = _LINK_RE.sub(r"\1", text)
    text = _INLINE_CODE_RE.sub(r"\1", text)
    text = _EMPHASIS_RE.sub(r"\2", text)
    text = _UNDERSCORE_EMPHASIS_RE.sub(r"\2", text)
    text = text.replace("\\", "") if "\\" in text and not text.count("\\") > 20 else text
    return _SPACE_RE.sub(" ", text.replace("\n", " ")).strip()


def _block_kind(line: str) -> tuple[str, str]:
    """Classify one markdown line: ``('heading'|'item'|'rule'|'text', text)``."""
    if _RULE_RE.match(line) or _TABLE_RULE_RE.match(line):
        return "rule", ""
    line = _QUOTE_RE.sub("", line)
    heading = _HEADING_RE.match(line)
    if heading:
        return "heading", heading.group(1)
    if _LIST_RE.match(line):
        return "item", _LIST_RE.sub("", line)
    if line.lstrip().startswith("|"):
        return "item", line.replace("|", " ")
    return "text", line


def _paragraphs(prose: str) -> list[str]:
    """Group markdown lines into paragraphs: headings and list items stand alone."""
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for raw in prose.splitlines():
        if not raw.strip():
            flush()
            continue
        kind, text = _block_kind(raw)
        if kind == "text":
            current.append(text.strip())
            continue
        flush()
        if kind == "heading" and text:
            paragraphs.append(text if text.endswith(_SENTENCE_END) else text + ":")
        elif kind == "item" and text.strip():
            current.append(text.strip())
    flush()
    return paragraphs


def markdown_to_text(content: str) -> tuple[str, str]:
    """Return ``(prose, code)``: prose paragraphs separated by blank lines, and code text.

    Fenced code is kept apart so that it is searchable but never quoted as an
    answer sentence.
    """
    code_parts: list[str] = []

    def take_code(match: re.Match[str]) -> str:
        code_parts.append(match.group(3))
        return "\n\n"

    prose = _FENCE_RE.sub(take_code, content.replace("\r\n", "\n"))
    prose = _COMMENT_RE.sub(" ", prose)
    prose = _REF_DEF_RE.sub("", prose)
    prose = _AUTOLINK_RE.sub(" ", prose)
    paragraphs = [clean_inline(p) for p in _paragraphs(prose)]
    body = "\n\n".join(p for p in paragraphs if p)
    return body, "\n".join(code_parts).strip()
