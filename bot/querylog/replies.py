"""What an answer's buttons find again in the query log: the question behind a reply.

A reply on Discord carries a short random key in its buttons' custom ids; the
query log row of its question holds the same key (``queries.reply_key``) with
its filters. A click, even after a restart, finds the question, its filters
and who asked (as a keyed hash: :mod:`bot.querylog.privacy`) by that key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.model import Filters
from bot.querylog.backend import Connection

SELECT_REPLY = """
SELECT question, filters, user_key, answered, results, guild_id, channel_id
FROM queries WHERE reply_key = ? ORDER BY id LIMIT 1
"""
COUNT_VOTES = "SELECT vote, COUNT(*) FROM feedback WHERE message_id = ? GROUP BY vote"
FILTER_KEYS = ("topic", "source", "since", "until")


@dataclass(frozen=True, slots=True)
class ReplyState:
    """The question behind one reply, as its buttons need it."""

    question: str
    filters: Filters
    asker_key: str | None
    answered: bool
    top_id: str | None
    guild_id: int | None = None
    channel_id: int | None = None


def filters_json(filters: Filters) -> str | None:
    """The filters as stored with a question (None when none is set)."""
    if not filters.active():
        return None
    return json.dumps({key: getattr(filters, key) for key in FILTER_KEYS})


def parse_filters(text: str | None) -> Filters:
    """Stored filters back; anything unreadable counts as no filter."""
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return Filters()
    if not isinstance(data, dict):
        return Filters()
    values = {key: data.get(key) if isinstance(data.get(key), str) else None for key in FILTER_KEYS}
    return Filters(**values)


def _top_id(results: str | None) -> str | None:
    try:
        parsed: Any = json.loads(results or "[]")
        first = parsed[0] if isinstance(parsed, list) and parsed else None
    except ValueError:
        return None
    return str(first["id"]) if isinstance(first, dict) and "id" in first else None


async def find_reply(db: Connection, key: str) -> ReplyState | None:
    """The reply with this key, or None when the log holds no such question (any more)."""
    row = await db.fetchone(SELECT_REPLY, (key,))
    if row is None:
        return None
    question, filters, user_key, answered, results, guild_id, channel_id = row
    return ReplyState(
        str(question),
        parse_filters(filters),
        user_key,
        bool(answered),
        _top_id(results),
        guild_id,
        channel_id,
    )


async def count_votes(db: Connection, message_id: int) -> tuple[int, int]:
    """How many thumbs up and down one answer message has."""
    counts = {int(vote): int(n) for vote, n in await db.fetchall(COUNT_VOTES, (message_id,))}
    return counts.get(1, 0), counts.get(-1, 0)
