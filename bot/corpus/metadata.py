"""Read the loosely typed fields of front matter: text, lists, dates, sources, links."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from bot.corpus.markdown import clean_inline
from bot.model import RelatedLink

# Publication dates outside these years are taken for mistakes.
FIRST_YEAR, LAST_YEAR = 1900, 2200
# A zone only follows a time: after a bare date, ``-1000`` is part of a slug.
_DATE_RE = re.compile(
    r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)


def first_text(meta: dict[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` whose value is a non-empty string (numbers are stringified)."""
    for key in keys:
        value = meta.get(key)
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def string_list(meta: dict[str, Any], *keys: str) -> list[str]:
    """Strings from the first of ``keys`` that holds a string or a list of them."""
    for key in keys:
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            return [clean_inline(part) for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            items = [_name_of(item) for item in value]
            found = [clean_inline(item) for item in items if item]
            if found:
                return found
    return []


def _name_of(item: Any) -> str | None:
    if isinstance(item, str):
        return item.strip() or None
    if isinstance(item, dict):
        return first_text(item, "name", "title")
    return None


def _valid_datetime(match: re.Match[str]) -> dt.datetime | None:
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        value = dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:
        return None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return None
    if zone and zone != "Z":
        tzinfo = _zone_of(zone)
        return value.replace(tzinfo=tzinfo).astimezone(dt.UTC) if tzinfo else None
    return value.replace(tzinfo=dt.UTC)


def _zone_of(zone: str) -> dt.timezone | None:
    """The fixed offset of ``+HH:MM``/``-HHMM``, or ``None`` when it is out of range."""
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours >= 24 or minutes >= 60:
        return None
    offset = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(offset if zone[0] == "+" else -offset)


def parse_date(value: Any, *, search: bool = False) -> str | None:
    """An ISO 8601 UTC timestamp for a date value, or ``None``.

    Accepts datetimes and dates (as YAML and TOML give them) and strings that
    start with a date; with ``search`` the date may stand anywhere in the
    string, as in a path like ``2023/05/29/slug``.
    """
    if isinstance(value, dt.date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        return None  # no article is that old or new; at datetime's limits a zone overflows
    if isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        try:
            return stamp.astimezone(dt.UTC).isoformat()
        except (OverflowError, ValueError):
            return None
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip()
    matches = _DATE_RE.finditer(text) if search else iter([_DATE_RE.match(text)])
    for match in matches:
        if match is None:
            continue
        parsed = _valid_datetime(match)
        if parsed is not None:
            return parsed.isoformat()
    return None


def source_of(meta: dict[str, Any]) -> str | None:
    """The publication an article comes from: provider name, source, site, team or authors."""
    provider = meta.get("provider")
    if isinstance(provider, dict):
        name = first_text(provider, "name", "domain")
        if name:
            return clean_inline(name)
    elif isinstance(provider, str) and provider.strip():
        return clean_inline(provider)
    source = meta.get("source")
    if isinstance(source, dict):
        name = first_text(source, "name", "title")
        if name:
            return clean_inline(name)
    text = first_text(meta, "source", "site", "site_name", "publisher", "team")
    if text:
        return clean_inline(text)
    authors = string_list(meta, "authors", "author")
    return ", ".join(authors) if authors else None


def parse_related(value: Any) -> Iterator[RelatedLink]:
    """Each usable entry of a ``related`` list (one with a title)."""
    if not isinstance(value, list):
        return
    for item in value:
        if not isinstance(item, dict):
            continue
        title = first_text(item, "title", "name")
        if not title:
            continue
        url = first_text(item, "webUrl", "url", "originalUrl", "link")
        excerpt = first_text(item, "excerpt", "description", "summary")
        published = None
        for key in ("publishedDateTime", "published", "date"):
            published = parse_date(item.get(key))
            if published:
                break
        yield RelatedLink(
            title=clean_inline(title),
            url=url if url and url.startswith(("http://", "https://")) else None,
            source=source_of(item),
            excerpt=clean_inline(excerpt) if excerpt else None,
            published=published,
        )


def url_from_template(template: str, meta: dict[str, Any], rel_id: str) -> str | None:
    """Fill a URL template such as ``https://blog.rust-lang.org/{path}``.

    Placeholders: ``{path}`` (front matter ``path`` or ``slug``), ``{id}`` (the
    file's path in the corpus), ``{stem}`` (its name without extension) and
    ``{stem_path}`` (also written ``{stem-path}``: the path without its
    extension, an ``index`` page standing for its folder, as documentation
    sites publish them). Returns ``None`` when there is no template or a
    placeholder has no value.
    """
    if not template:
        return None
    path = first_text(meta, "path", "slug", "permalink")
    stem = rel_id.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    values = {
        "path": (path or "").strip("/"),
        "id": rel_id,
        "stem": stem,
        "stem_path": stem_path(rel_id),
    }
    values["stem-path"] = values["stem_path"]
    if "{path}" in template and not values["path"]:
        return None
    try:
        url = template.format(**values)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        return None
    if not url.startswith(("http://", "https://")):
        return None
    scheme, _sep, rest = url.partition("://")
    while "//" in rest:  # an index page at the top leaves an empty path segment
        rest = rest.replace("//", "/")
    return f"{scheme}://{rest}"


def stem_path(rel_id: str) -> str:
    """A file's path without its extension; ``index`` (or ``README``) pages stand for
    their folder (``concepts/index.md`` is ``concepts``, the top ``index.md`` is "")."""
    folder, _sep, name = rel_id.rpartition("/")
    stem = name.rsplit(".", 1)[0]
    if stem.lower() in ("index", "readme", "_index"):
        return folder
    return f"{folder}/{stem}" if folder else stem
