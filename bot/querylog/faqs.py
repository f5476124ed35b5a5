"""Curated answers kept in the database, per server: what ``/faq`` adds, edits,
removes, lists, exports and imports.

Names are unique per server whatever their case. Everything read back is
checked against the same limits as what is written, so a damaged or hand-made
import file cannot store more than a command could.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from bot.answer.curated import Curated
from bot.querylog.backend import Conflict, Connection

NAME_MAX = 100
TEXT_MAX = 1500
LINK_MAX = 512
ENTRIES_MAX = 200
EXPORT_FORMAT = "corpus-bot-faq"
EXPORT_VERSION = 1

SELECT_ALL = "SELECT name, text, link FROM faqs WHERE guild_id = ? ORDER BY lower(name)"
COUNT = "SELECT COUNT(*) FROM faqs WHERE guild_id = ?"
INSERT = "INSERT INTO faqs (guild_id, name, text, link, updated_at) VALUES (?, ?, ?, ?, ?)"
UPDATE = (
    "UPDATE faqs SET text = ?, link = ?, updated_at = ?"
    " WHERE guild_id = ? AND lower(name) = lower(?)"
)
DELETE = "DELETE FROM faqs WHERE guild_id = ? AND lower(name) = lower(?)"


class FaqError(ValueError):
    """A curated answer that cannot be stored, with a sentence saying why."""


def tidy_name(name: str) -> str:
    """A curated answer's name as stored: its words, one space apart."""
    return " ".join(name.split())


def find_faq(entries: Sequence[Curated], name: str) -> Curated | None:
    """The entry named ``name``, whatever its case and spacing."""
    wanted = tidy_name(name).casefold()
    return next((e for e in entries if e.name.casefold() == wanted), None)


def checked(name: str, text: str, link: str | None) -> Curated:
    """An entry within the limits (names and text tidied), or :class:`FaqError`."""
    name, text = tidy_name(name), text.strip()
    link = (link or "").strip() or None
    if not name or not text:
        raise FaqError("A curated answer needs a name and a text.")
    if len(name) > NAME_MAX or len(text) > TEXT_MAX:
        raise FaqError(f"Names are at most {NAME_MAX} characters, texts {TEXT_MAX}.")
    if link is not None and (len(link) > LINK_MAX or not link.startswith(("https://", "http://"))):
        raise FaqError("The link must be an http(s) address of at most 512 characters.")
    return Curated(name, text, link)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


async def list_faqs(db: Connection, guild_id: int) -> list[Curated]:
    """A server's curated answers, by name."""
    rows = await db.fetchall(SELECT_ALL, (guild_id,))
    return [Curated(str(name), str(text), link) for name, text, link in rows]


async def _count(db: Connection, guild_id: int) -> int:
    row = await db.fetchone(COUNT, (guild_id,))
    return int(row[0]) if row else 0


async def add_faq(db: Connection, guild_id: int, entry: Curated) -> None:
    """Store a new curated answer; :class:`FaqError` if the name is taken or the server
    has :data:`ENTRIES_MAX` already."""
    if await _count(db, guild_id) >= ENTRIES_MAX:
        raise FaqError(f"A server keeps at most {ENTRIES_MAX} curated answers.")
    try:
        await db.execute(INSERT, (guild_id, entry.name, entry.text, entry.link, _now()))
    except Conflict:
        raise FaqError(f"There is already a curated answer named {entry.name!r}.") from None
    await db.commit()


async def edit_faq(
    db: Connection,
    guild_id: int,
    name: str,
    text: str | None,
    link: str | None,
) -> Curated:
    """Change an existing curated answer's text and link (None keeps what it has; the
    link ``none`` removes it); returns it as stored, or :class:`FaqError`."""
    found = find_faq(await list_faqs(db, guild_id), name)
    if found is None:
        raise FaqError(f"There is no curated answer named {name!r}.")
    new_link = found.link if link is None else (None if link.strip() == "none" else link)
    entry = checked(found.name, found.text if text is None else text, new_link)
    await db.execute(UPDATE, (entry.text, entry.link, _now(), guild_id, entry.name))
    await db.commit()
    return entry


async def remove_faq(db: Connection, guild_id: int, name: str) -> None:
    """Delete a curated answer, or :class:`FaqError` if there is none by that name."""
    removed = await db.execute(DELETE, (guild_id, tidy_name(name)))
    await db.commit()
    if removed == 0:
        raise FaqError(f"There is no curated answer named {name!r}.")


def export_text(entries: Sequence[Curated]) -> str:
    """A server's curated answers as an export file (JSON)."""
    items = [{"name": e.name, "text": e.text, "link": e.link} for e in entries]
    document = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "faqs": items}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def parse_export(data: bytes) -> list[Curated]:
    """The entries of an export file, or :class:`FaqError` saying what is wrong."""
    try:
        document: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested without end, say
        raise FaqError("That file is not a curated-answer export (JSON).") from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise FaqError("That file is not a curated-answer export of this bot.")
    if document.get("version") != EXPORT_VERSION:
        raise FaqError(f"Export version {document.get('version')!r} is not one this bot reads.")
    items = document.get("faqs")
    if not isinstance(items, list) or len(items) > ENTRIES_MAX:
        raise FaqError(f"An export holds a list of at most {ENTRIES_MAX} curated answers.")
    entries = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("name", "text")
        ):
            raise FaqError(f"Entry {number} needs a name and a text.")
        link = item.get("link")
        try:
            entries.append(
                checked(item["name"], item["text"], link if isinstance(link, str) else None)
            )
        except FaqError as exc:
            raise FaqError(f"Entry {number}: {exc}") from None
    return entries


async def import_faqs(db: Connection, guild_id: int, entries: Sequence[Curated]) -> int:
    """Add or replace ``entries`` in one transaction; returns how many were stored."""
    names = {e.name.casefold() for e in entries}
    kept = [e for e in await list_faqs(db, guild_id) if e.name.casefold() not in names]
    if len(kept) + len(names) > ENTRIES_MAX:
        raise FaqError(f"A server keeps at most {ENTRIES_MAX} curated answers.")
    now = _now()
    await db.executemany(DELETE, [(guild_id, e.name) for e in entries])
    await db.executemany(INSERT, [(guild_id, e.name, e.text, e.link, now) for e in entries])
    await db.commit()
    return len(entries)
