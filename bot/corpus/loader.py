"""Find corpus files and parse them into :class:`Article` records.

Copes with the shapes real folders hold: YAML (``---``) or TOML (``+++``) front
matter or none, nested ``provider.name``, ``related`` lists, HTML entities and
tags, a date only in a path, no URL (a template builds one), text in legacy
encodings. A file that cannot be used is skipped with a reason; nothing here
raises for a bad file.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.corpus.markdown import clean_inline, parse_markdown
from bot.corpus.matter import FrontMatterError, split_front_matter
from bot.corpus.metadata import (
    first_text,
    parse_date,
    parse_related,
    source_of,
    string_list,
    url_from_template,
)
from bot.model import Article, Skipped

log = logging.getLogger(__name__)

DEFAULT_EXTENSIONS: tuple[str, ...] = (".md", ".markdown", ".mdx", ".txt")


@dataclass(slots=True)
class LoadReport:
    """What a corpus load found: the articles, and the files it skipped."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How to read a corpus folder."""

    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    max_file_bytes: int = 5_000_000
    url_template: str = ""


class SkipFile(Exception):
    """Raised inside the loader when a file must be skipped; carries the reason."""


def iter_files(root: Path, extensions: tuple[str, ...]) -> Iterator[tuple[Path, str | None]]:
    """Yield ``(path, skip reason or None)`` for every visible file under ``root``.

    Hidden files and folders (a leading dot) are passed over silently; folder
    symlinks are not followed, so a symlink loop cannot trap the walk. Files
    with another extension are reported, so a user sees why they were left out.
    """
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            if printable_path(name) != name:
                # reported under a printable name (U+FFFD for the bad bytes), never read
                yield Path(folder) / printable_path(name), "file name is not valid UTF-8"
            elif path.suffix.lower() not in extensions:
                yield path, f"not a text or markdown file ({path.suffix or 'no extension'})"
            else:
                yield path, link_reason(root, path)


def decode(raw: bytes) -> str:
    """Decode file bytes: UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    if b"\x00" in raw[:8192]:
        raise SkipFile("binary file (contains NUL bytes)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_text(path: Path, max_bytes: int) -> str:
    """Read and decode one file, refusing files over ``max_bytes`` and anything not a file.

    The file is opened without blocking and checked on the open descriptor, so
    a FIFO or device cannot hang a reindex, and a file that grows after it was
    listed is still cut off at the limit.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise SkipFile(f"cannot read file: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise SkipFile("not a regular file")
            if info.st_size > max_bytes:
                raise SkipFile(f"file too large ({info.st_size:,} bytes; limit {max_bytes:,})")
            raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise SkipFile(f"cannot read file: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise SkipFile(f"file too large (over {max_bytes:,} bytes; limit {max_bytes:,})")
    return decode(raw)


def printable_path(rel: str) -> str:
    """A path as it can be printed and stored: undecodable bytes of a file name replaced."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def link_reason(root: Path, path: Path) -> str | None:
    """Why a symbolic link must not be followed (broken, or leading out of the corpus), or None.

    A link out of the folder could publish any file the bot can read (its own
    settings, say) to everyone who asks.
    """
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing target, or a loop of links
        return "broken symbolic link"
    if not target.is_relative_to(root.resolve()):
        return "symbolic link to a file outside the corpus folder"
    return None


def _plain_text_header(content: str) -> tuple[str | None, str | None, str]:
    """Title (first line), date (a leading date line) and the rest, for plain text files."""
    lines = content.strip().splitlines()
    if not lines:
        return None, None, ""
    title = clean_inline(lines[0].lstrip("# "))
    rest = lines[1:]
    date: str | None = None
    for index, line in enumerate(rest[:4]):
        if not line.strip():
            continue
        date = parse_date(line.strip()[:40])
        if date is not None:
            rest = rest[index + 1 :]
        break
    return title or None, date, "\n".join(rest)


def title_from_path(rel_id: str) -> str:
    """A title made of a file name: ``json_schema.md`` is "Json schema", an index
    page takes its folder's name."""
    parts = rel_id.rsplit(".", 1)[0].split("/")
    stem = parts[-1]
    if stem.lower() in ("index", "readme", "_index") and len(parts) > 1:
        stem = parts[-2]
    words = " ".join(stem.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:] if words else rel_id


def build_article(rel_id: str, text: str, options: LoadOptions) -> Article:
    """Turn one file's text into an :class:`Article`, or raise :class:`SkipFile`.

    Without front matter, a plain text file's first line is its title (and a
    leading date line its date); a markdown page takes the ``#`` heading it
    opens with, else its file name.
    """
    try:
        meta, content = split_front_matter(text)
    except FrontMatterError as exc:
        raise SkipFile(str(exc)) from exc
    header_title: str | None = None
    header_date: str | None = None
    if not meta and rel_id.lower().endswith(".txt"):
        header_title, header_date, content = _plain_text_header(content)
    parsed = parse_markdown(content)
    title = (
        clean_inline(first_text(meta, "title", "name", "headline") or "")
        or header_title
        or (clean_inline(parsed.opening_heading) if parsed.opening_heading else None)
        or title_from_path(rel_id)
    )
    excerpt = clean_inline(first_text(meta, "excerpt", "description", "summary", "abstract") or "")
    if not parsed.body and not excerpt and not parsed.code:
        raise SkipFile("no text to index (empty file or front matter only, without an excerpt)")
    return Article(
        id=rel_id,
        title=title,
        url=_url_of(meta, rel_id, options.url_template),
        source=source_of(meta),
        published=_published_of(meta, rel_id) or header_date,
        topics=tuple(string_list(meta, "topics", "tags", "categories", "keywords")),
        excerpt=excerpt or None,
        body=parsed.body,
        code=parsed.code,
        related=tuple(parse_related(meta.get("related"))),
        images=tuple(_image_urls(meta.get("images"))),
        authors=tuple(string_list(meta, "authors", "author")),
        sections=parsed.sections,
    )


def _url_of(meta: dict[str, Any], rel_id: str, template: str) -> str | None:
    url = first_text(meta, "webUrl", "url", "originalUrl", "link", "canonical", "permalink")
    if url and url.startswith(("http://", "https://")):
        return url
    return url_from_template(template, meta, rel_id)


def _published_of(meta: dict[str, Any], rel_id: str) -> str | None:
    for key in ("publishedDateTime", "published", "date", "pubDate", "created", "updated"):
        value = meta.get(key)
        if value is None or isinstance(value, bool):
            continue
        parsed = parse_date(value)
        if parsed:
            return parsed
    path = meta.get("path")
    for candidate in (path if isinstance(path, str) else "", rel_id):
        parsed = parse_date(candidate, search=True)
        if parsed:
            return parsed
    return None


def _image_urls(value: Any) -> Iterator[str]:
    if not isinstance(value, list):
        return
    for item in value:
        url = item.get("url") if isinstance(item, dict) else item
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            yield url


def load_file(root: Path, path: Path, options: LoadOptions) -> Article:
    """Load one corpus file; raises :class:`SkipFile` with the reason when it cannot.

    Content no parser expected is a skip too, so one odd file never fails a reindex.
    """
    rel_id = path.relative_to(root).as_posix()
    text = read_text(path, options.max_file_bytes)
    try:
        return build_article(rel_id, text, options)
    except (ValueError, TypeError, RecursionError) as exc:
        log.warning("unexpected content in %s", rel_id, exc_info=True)
        raise SkipFile(f"could not parse: {exc}") from exc


def load_corpus(root: Path, options: LoadOptions | None = None) -> LoadReport:
    """Load every usable file under ``root``; never raises for a bad file."""
    options = options or LoadOptions()
    report = LoadReport()
    for path, reason in iter_files(root, options.extensions):
        rel = path.relative_to(root).as_posix()
        if reason is not None:
            report.skipped.append(Skipped(rel, reason))
            continue
        try:
            report.articles.append(load_file(root, path, options))
        except SkipFile as exc:
            report.skipped.append(Skipped(rel, str(exc)))
    return report
