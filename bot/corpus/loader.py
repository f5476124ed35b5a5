"""Find corpus files and parse them into :class:`Article` records.

Copes with the shapes real folders hold: YAML (``---``) or TOML (``+++``) front
matter or none, nested ``provider.name``, ``related`` lists, HTML entities and
tags, a date only in a path, no URL (a template builds one), text in legacy
encodings. A file that cannot be used is skipped with a reason; nothing here
raises for a bad file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.corpus.files import DEFAULT_EXTENSIONS, SkipFile, iter_files, read_text
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
