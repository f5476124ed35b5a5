"""Turn markdown and HTML fragments into plain text for indexing and quoting."""

from __future__ import annotations

import html
import re

_TAG_RE = re.compile(r"<(?:[a-zA-Z][^<>]*|/[a-zA-Z][^<>]*)>")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Fences may be indented at any depth (inside list items); the closing fence is
# made of the same character, at least as long, at any indentation.
_FENCE_RE = re.compile(
    r"^[ \t]*(?P<fence>(?P<char>[`~])(?P=char){2,})[^\n]*\n(?P<code>.*?)"
    r"(?:^[ \t]*(?P=fence)(?P=char)*[ \t]*$|\Z)",
    re.M | re.S,
)
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
# [text][ref] and ![alt][ref]; not indexing such as matrix[i][j]
_REF_LINK_RE = re.compile(r"(?<![\w\]])!?\[([^\]]+)\]\[[^\]]*\]")
_REF_DEF_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$", re.M)
_AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+)>")
_EMPHASIS_RE = re.compile(r"(\*\*|\*|~~)(?=\S)(.+?)(?<=\S)\1")
# underscores inside words (snake_case) are not emphasis
_UNDERSCORE_EMPHASIS_RE = re.compile(r"(?<![^\W_])(__|_)(?=\S)(.+?)(?<=\S)\1(?![^\W_])")
_INLINE_CODE_RE = re.compile(r"`+([^`]+)`+")
# A closing run of #'s counts only after whitespace: "## Learn C#" keeps its "#".
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(?:(?<=\s)#+)?\s*$")
_SETEXT_RE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_LIST_RE = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_QUOTE_RE = re.compile(r"^\s*(?:>\s?)+")
_RULE_RE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SENTENCE_END = (".", "!", "?", ":", ";")


def clean_inline(text: str) -> str:
    """Plain text of an HTML or markdown snippet on one line: entities decoded, tags gone."""
    # each step runs only when its marker is present: most text has none
    if "<" in text:
        text = _TAG_RE.sub(" ", _COMMENT_RE.sub(" ", text))
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if "[" in text:
        text = _REF_LINK_RE.sub(r"\1", _LINK_RE.sub(r"\1", _IMAGE_RE.sub(r"\1", text)))
    if "`" in text:
        text = _INLINE_CODE_RE.sub(r"\1", text)
    if "*" in text or "~" in text:
        text = _EMPHASIS_RE.sub(r"\2", text)
    if "_" in text:
        text = _UNDERSCORE_EMPHASIS_RE.sub(r"\2", text)
    if "\\" in text and text.count("\\") <= 20:
        text = text.replace("\\", "")
    return _SPACE_RE.sub(" ", text.replace("\n", " ")).strip()


def _block_kind(line: str) -> tuple[str, str]:
    """Classify one markdown line: ``('heading'|'item'|'rule'|'text', text)``."""
    if _RULE_RE.match(line) or _TABLE_RULE_RE.match(line):
        return "rule", ""
    line = _QUOTE_RE.sub("", line)
    heading = _HEADING_RE.match(line)
    if heading:
        return "heading", heading.group(1).rstrip()
    if _LIST_RE.match(line):
        return "item", _LIST_RE.sub("", line)
    if line.lstrip().startswith("|"):
        return "item", line.replace("|", " ")
    return "text", line


def _as_heading(text: str) -> str:
    """A heading as a paragraph of its own, ending like a sentence introducing what follows."""
    return text if text.endswith(_SENTENCE_END) else text + ":"


class _Paragraphs:
    """Collects markdown lines into paragraphs: headings and list items stand alone."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.in_item = False

    def flush(self) -> None:
        """End the paragraph being collected, if any."""
        if self.current:
            self.paragraphs.append(" ".join(self.current))
            self.current.clear()
        self.in_item = False

    def add(self, raw: str) -> None:
        """Take one line of markdown."""
        if not raw.strip():
            self.flush()
        elif self.current and not self.in_item and _SETEXT_RE.match(raw):
            # A setext underline: the text above it is a heading.
            heading = " ".join(self.current)
            self.current.clear()
            self.paragraphs.append(_as_heading(heading))
        else:
            self._add_block(*_block_kind(raw))

    def _add_block(self, kind: str, text: str) -> None:
        if kind == "text":
            self.current.append(text.strip())
            return
        self.flush()
        if kind == "heading" and text:
            self.paragraphs.append(_as_heading(text))
        elif kind == "item" and text.strip():
            self.current.append(text.strip())
            self.in_item = True


def _paragraphs(prose: str) -> list[str]:
    """Group markdown lines into paragraphs: headings and list items stand alone."""
    builder = _Paragraphs()
    for raw in prose.splitlines():
        builder.add(raw)
    builder.flush()
    return builder.paragraphs


def markdown_to_text(content: str) -> tuple[str, str]:
    """Return ``(prose, code)``: prose paragraphs separated by blank lines, and code text.

    Fenced code is kept apart so that it is searchable but never quoted as an
    answer sentence.
    """
    code_parts: list[str] = []

    def take_code(match: re.Match[str]) -> str:
        code_parts.append(match.group("code"))
        return "\n\n"

    prose = _FENCE_RE.sub(take_code, content.replace("\r\n", "\n"))
    prose = _COMMENT_RE.sub(" ", prose)
    prose = _REF_DEF_RE.sub("", prose)
    prose = _AUTOLINK_RE.sub(" ", prose)
    paragraphs = [clean_inline(p) for p in _paragraphs(prose)]
    body = "\n\n".join(p for p in paragraphs if p)
    return body, "\n".join(code_parts).strip()
