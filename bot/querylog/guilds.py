"""Per-server settings kept in the database: where the bot answers, which channels it
answers without a mention, and which role may run its admin commands.

One row per server holds its settings as JSON; a damaged row reads as the
defaults (the bot answers everywhere, auto-answers nowhere, admins only).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from bot.querylog.backend import Connection

SELECT_SETTINGS = "SELECT settings FROM guild_settings WHERE guild_id = ?"
UPSERT_SETTINGS = """
INSERT INTO guild_settings (guild_id, settings, updated_at) VALUES (?, ?, ?)
ON CONFLICT (guild_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
"""
SELECT_ALL = "SELECT settings FROM guild_settings"
CHANNELS_MAX = 100


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """One server's settings."""

    # channels (text or forum) whose questions are answered without a mention
    auto_answer_channels: frozenset[int] = field(default_factory=frozenset)
    # where the bot answers at all (empty: everywhere)
    answer_channels: frozenset[int] = field(default_factory=frozenset)
    # a role whose members may run admin commands, beside Manage Server
    admin_role_id: int | None = None

    def answers_in(self, *channel_ids: int | None) -> bool:
        """Whether the bot answers in a channel (a thread counts with its parent)."""
        if not self.answer_channels:
            return True
        return any(c in self.answer_channels for c in channel_ids if c is not None)

    def to_json(self) -> str:
        """The settings as stored."""
        return json.dumps(
            {
                "auto_answer_channels": sorted(self.auto_answer_channels),
                "answer_channels": sorted(self.answer_channels),
                "admin_role_id": self.admin_role_id,
            }
        )

    @classmethod
    def from_json(cls, text: str | None) -> GuildSettings:
        """Stored settings back; whatever is unreadable takes its default."""
        try:
            data: Any = json.loads(text or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        role = data.get("admin_role_id")
        return cls(
            _ids(data.get("auto_answer_channels")),
            _ids(data.get("answer_channels")),
            role if isinstance(role, int) and not isinstance(role, bool) else None,
        )


def _ids(value: Any) -> frozenset[int]:
    if not isinstance(value, list):
        return frozenset()
    return frozenset(v for v in value[:CHANNELS_MAX] if isinstance(v, int) and v > 0)


async def load_guild_settings(db: Connection, guild_id: int) -> GuildSettings:
    """One server's settings (the defaults when it has none)."""
    row = await db.fetchone(SELECT_SETTINGS, (guild_id,))
    return GuildSettings.from_json(row[0] if row else None)


async def save_guild_settings(db: Connection, guild_id: int, settings: GuildSettings) -> None:
    """Store one server's settings, replacing what it had."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    await db.execute(UPSERT_SETTINGS, (guild_id, settings.to_json(), now))
    await db.commit()


async def any_auto_answer(db: Connection) -> bool:
    """Whether any server has a channel answered without a mention."""
    rows = await db.fetchall(SELECT_ALL)
    return any(GuildSettings.from_json(row[0]).auto_answer_channels for row in rows)
