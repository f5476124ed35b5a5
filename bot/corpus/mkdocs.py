"""Documentation-site markup on top of CommonMark, turned into plain CommonMark.

mkdocs (Material, pymdown-extensions, macros) and similar generators add
blocks that CommonMark does not know: read as CommonMark they would show up as
words (``!!! note``) or as code (the indented content of an admonition). One
pass over the lines, linear in the text, rewrites them:

* admonitions (``!!! note "Title"``, ``??? api``, ``???+ example``) and content
  tabs (``=== "Python 3.10+"``): the marker line goes, the indented content is
  dedented into ordinary markdown;
* ``/// tip | Title`` … ``///`` blocks: the fence lines go, the content stays;
* include directives (``{* ../src/app.py hl[3] *}``), snippet lines
  (``--8<-- "file"``) and attribute-list lines (``{#anchor}``): gone;
* template tags (``{{ version }}``, ``{% if %}``) and a trailing attribute list
  of a line (``{ .class }``): gone, outside code.

A heading's ``{ #anchor }`` suffix is kept for :func:`attr_anchor`.
"""

from __future__ import annotations

import unicodedata

_ADMONITION_MARKERS = ("!!!", "???", "===")
_TAB_WIDTH = 4


def _indent_of(line: str) -> int:
    """The column where a line's text starts (a tab counts to the next multiple of 4)."""
    column = 0
    for ch in line:
        if ch == " ":
            column += 1
        elif ch == "\t":
            column += _TAB_WIDTH - column % _TAB_WIDTH
        else:
            break
    return column


def _dedent(line: str, columns: int) -> str:
    """``line`` without its first ``columns`` columns of indentation."""
    if columns <= 0:
        return line
    column = 0
    for n, ch in enumerate(line):
        if column >= columns:
            return line[n:]
        if ch == " ":
            column += 1
        elif ch == "\t":
            column += _TAB_WIDTH - column % _TAB_WIDTH
            if column > columns:
                return " " * (column - columns) + line[n + 1 :]
        else:
            return line[n:]
    return ""


def _fence_of(stripped: str) -> str | None:
    """The fence a line opens or closes (three or more backticks or tildes), or None."""
    if stripped[:3] not in ("```", "~~~"):
        return None
    ch = stripped[0]
    length = len(stripped) - len(stripped.lstrip(ch))
    return ch * length


def _without_spans(line: str, opener: str, closer: str) -> str:
    """``line`` with every ``opener … closer`` span removed (one left to right scan)."""
    if opener not in line:
        return line
    pieces: list[str] = []
    position = 0
    while True:
        start = line.find(opener, position)
        if start < 0:
            break
        end = line.find(closer, start + len(opener))
        if end < 0:
            break
        pieces.append(line[position:start])
        position = end + len(closer)
    pieces.append(line[position:])
    return "".join(pieces)


def _attr_list(text: str) -> tuple[str, str] | None:
    """If ``text`` ends with an attribute list (``{ #id .class key=value }``),
    the text before it and the id (or ""); else None."""
    stripped = text.rstrip()
    if not stripped.endswith("}"):
        return None
    start = stripped.rfind("{")
    if start < 0:
        return None
    inner = stripped[start + 1 : -1].strip()
    if inner.startswith(":"):
        inner = inner[1:]
    items = inner.split()
    if not items or not all(item[:1] in ("#", ".") or "=" in item for item in items):
        return None
    anchor = next((item[1:] for item in items if item.startswith("#")), "")
    return stripped[:start].rstrip(), anchor


def attr_anchor(heading: str) -> tuple[str, str]:
    """A heading's text without a trailing ``{ #anchor }``, and that anchor (or "")."""
    found = _attr_list(heading)
    if found is None:
        return heading.strip(), ""
    return found[0].strip(), found[1]


def slugify(text: str) -> str:
    """The anchor mkdocs gives a heading: ASCII, lower case, words joined by hyphens.

    As Python-Markdown's ``toc`` extension does: accents dropped, characters
    other than letters, digits, ``_``, ``-`` and spaces removed, runs of
    spaces and hyphens made one hyphen.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    kept = "".join(ch for ch in ascii_text if ch.isalnum() or ch in "_- \t").strip().lower()
    return "-".join(kept.replace("-", " ").split())


def _is_directive(stripped: str) -> bool:
    """Lines that only instruct the site generator: includes, snippets, attribute lists."""
    if stripped.startswith("{*") and stripped.endswith("*}"):
        return True
    if stripped.startswith("--8<--"):
        return True
    if stripped.startswith("[](){"):  # an empty link carrying an anchor
        stripped = stripped[4:]
    if stripped.startswith("{") and stripped.endswith("}"):
        found = _attr_list(stripped)
        return found is not None and not found[0]
    return False


def _marker_rest(stripped: str) -> str | None:
    """What follows an admonition or tab marker (``!!! note "Title"``, ``???+ api``,
    ``=== "Tab"``, ``!!!note``), or None when the line is no such marker (a setext
    underline is not)."""
    if not stripped.startswith(_ADMONITION_MARKERS):
        return None
    rest = stripped[3:].lstrip("+")
    if not rest.strip() or rest[0] in "=!?":
        return None
    return rest.strip()


def _is_container_marker(stripped: str) -> bool:
    """A marker line whose content follows, indented: the type and maybe a quoted title."""
    rest = _marker_rest(stripped)
    if rest is None:
        return False
    kind, _space, title = rest.partition(" ")
    if stripped.startswith("==="):
        return rest.startswith('"')
    title = title.strip()
    return kind.replace("-", "").isalnum() and (not title or title.startswith('"'))


def _inline_admonition(stripped: str) -> str | None:
    """The text of a one-line admonition written as a paragraph (``!!!note Some text.``)."""
    rest = _marker_rest(stripped)
    if rest is None or stripped.startswith("==="):
        return None
    _kind, _space, text = rest.partition(" ")
    return text.strip() or None


def _clean_prose_line(line: str) -> str:
    """A prose line without template tags and a trailing attribute list."""
    line = _without_spans(_without_spans(line, "{{", "}}"), "{%", "%}")
    found = _attr_list(line) if "{" in line else None
    if found is not None and not line.lstrip().startswith("#"):
        return found[0]
    return line


class _Rewriter:
    """The state of the line pass: open containers and an open code fence."""

    def __init__(self) -> None:
        self.containers: list[int] = []  # the column each open container's content starts at
        self.fence: str | None = None
        self.out: list[str] = []

    def line(self, raw: str) -> None:
        if not raw.strip():
            self.out.append("")
            return
        indent = _indent_of(raw)
        while self.containers and indent < self.containers[-1] and self.fence is None:
            self.containers.pop()
        line = _dedent(raw, self.containers[-1] if self.containers else 0)
        stripped = line.strip()
        if self.fence is not None:
            self._in_code(line, stripped)
            return
        fence = _fence_of(stripped)
        if fence is not None:
            self.fence = fence
            self.out.append(line)
        elif _is_container_marker(stripped):
            self.containers.append(
                (self.containers[-1] if self.containers else 0) + _indent_of(line) + _TAB_WIDTH
            )
        elif (text := _inline_admonition(stripped)) is not None:
            self.out.append(_clean_prose_line(text))
        elif not (stripped.startswith("///") or _is_directive(stripped)):
            self.out.append(_clean_prose_line(line))

    def _in_code(self, line: str, stripped: str) -> None:
        self.out.append(line)
        closing = _fence_of(stripped)
        assert self.fence is not None
        if (
            closing is not None
            and closing[0] == self.fence[0]
            and len(closing) >= len(self.fence)
            and stripped == closing
        ):
            self.fence = None


def plain_commonmark(text: str) -> str:
    """``text`` with documentation-site markup rewritten as CommonMark (see the module)."""
    if not any(marker in text for marker in ("!!!", "???", "===", "///", "{", "--8<--")):
        return text
    rewriter = _Rewriter()
    for raw in text.split("\n"):
        rewriter.line(raw)
    return "\n".join(rewriter.out)
