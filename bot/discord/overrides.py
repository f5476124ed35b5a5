"""Command permissions that server admins set in Discord (Server Settings →
Integrations), read so that the bot's own admin check never overrules them.

Discord lets a member run a command when its overrides allow it, whatever the
command's default permissions (Manage Server here). The bot checks admin
commands again itself; where an override grants the member the command, that
check passes too. Resolution follows Discord's: the command's own entries
before the application's, a user's entry before their roles' (any role allowed
wins over one denied), and a channel denied closes the command there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

ROLE, USER, CHANNEL = 1, 2, 3


def _entries(payload: Iterable[Mapping[str, Any]], target_id: int) -> list[Mapping[str, Any]]:
    for item in payload:
        if _int(item.get("id")) == target_id:
            permissions = item.get("permissions")
            return (
                [p for p in permissions if isinstance(p, Mapping)]
                if isinstance(permissions, list)
                else []
            )
    return []


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _decide(
    entries: Sequence[Mapping[str, Any]],
    user_id: int,
    role_ids: set[int],
    channel_id: int | None,
    guild_id: int,
) -> bool | None:
    """What one set of entries says for this member here (None: nothing)."""
    by_kind: dict[int, dict[int, bool]] = {ROLE: {}, USER: {}, CHANNEL: {}}
    for entry in entries:
        kind, target = _int(entry.get("type")), _int(entry.get("id"))
        if kind in by_kind and target is not None:
            by_kind[kind][target] = bool(entry.get("permission"))
    channels = by_kind[CHANNEL]
    all_channels = guild_id - 1  # Discord's id for "every channel"
    here = channels.get(channel_id) if channel_id is not None else None
    if here is False or (here is None and channels.get(all_channels) is False):
        return False
    if user_id in by_kind[USER]:
        return by_kind[USER][user_id]
    roles = [allowed for role, allowed in by_kind[ROLE].items() if role in role_ids | {guild_id}]
    if roles:
        return any(roles)
    return None


def override_allows(
    payload: Iterable[Mapping[str, Any]],
    *,
    command_id: int | None,
    application_id: int,
    user_id: int,
    role_ids: Iterable[int],
    channel_id: int | None,
    guild_id: int,
) -> bool:
    """Whether the server's overrides (``payload`` as Discord returns them for the
    guild) grant this member the command here."""
    items = list(payload)
    roles = set(role_ids)
    for target in (command_id, application_id):
        if target is None:
            continue
        decided = _decide(_entries(items, target), user_id, roles, channel_id, guild_id)
        if decided is not None:
            return decided
    return False
