"""Builders for Discord API payloads, shaped after discord.py's ``discord/types``."""

from __future__ import annotations

import datetime
import time
from typing import Any

from .config import FakeChannel, FakeConfig, FakeGuild, FakeMember, FakeRole, FakeUser

JSON = dict[str, Any]
DISCORD_EPOCH_MS = 1420070400000
JOINED_AT = "2024-01-01T00:00:00.000000+00:00"


class SnowflakeGenerator:
    """Produces increasing, time-based snowflakes."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return self._last


def iso_now() -> str:
    """Current UTC time in Discord's ISO 8601 format."""
    return datetime.datetime.now(datetime.UTC).isoformat()


def user_payload(user: FakeUser) -> JSON:
    """A user object."""
    return {
        "id": str(user.id),
        "username": user.username,
        "global_name": user.global_name,
        "discriminator": "0",
        "avatar": user.avatar,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
        "collectibles": None,
    }


def bot_user_payload(user: FakeUser) -> JSON:
    """The bot's own user, as in READY and GET /users/@me."""
    return {**user_payload(user), "verified": True, "mfa_enabled": False, "flags": 0, "email": None}


def role_payload(role: FakeRole) -> JSON:
    """A role object."""
    return {
        "id": str(role.id),
        "name": role.name,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": role.mentionable,
        "flags": 0,
    }


def member_payload(
    member: FakeMember, *, permissions: int | None = None, with_user: bool = True
) -> JSON:
    """A guild member; ``permissions`` is added for interaction payloads."""
    data: JSON = {
        "roles": [str(r) for r in member.roles],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": JOINED_AT,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user_payload(member.user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def channel_payload(channel: FakeChannel, *, recipients: list[FakeUser] | None = None) -> JSON:
    """A channel object: thread, guild text channel or DM depending on type."""
    if channel.is_dm:
        users = [user_payload(u) for u in recipients or []]
        return {
            "id": str(channel.id),
            "type": 1,
            "recipients": users,
            "last_message_id": None,
            "flags": 0,
        }
    data: JSON = {
        "id": str(channel.id),
        "type": int(channel.type),
        "guild_id": str(channel.guild_id) if channel.guild_id else None,
        "name": channel.name,
        "position": channel.position,
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "nsfw": channel.nsfw,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
    }
    if channel.is_thread:
        data.update(_thread_fields(channel))
        data["applied_tags"] = [str(t) for t in channel.applied_tags]
    else:
        data.update(topic=channel.topic, permission_overwrites=[])
    if channel.type == 15:  # a forum
        data["available_tags"] = [
            {"moderated": False, "emoji_id": None, "emoji_name": None, **tag}
            for tag in channel.available_tags
        ]
    return data


def _thread_fields(channel: FakeChannel) -> JSON:
    return {
        "owner_id": str(channel.owner_id or 0),
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": JOINED_AT,
            "locked": False,
            "invitable": True,
            "create_timestamp": JOINED_AT,
        },
    }


def guild_payload(guild: FakeGuild) -> JSON:
    """The guild object without gateway-only fields (GET /guilds/{id})."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "roles": [role_payload(r) for r in guild.roles],
        "emojis": [],
        "stickers": [],
        "features": [],
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "afk_timeout": 300,
        "afk_channel_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500000,
        "application_id": None,
        "incidents_data": None,
    }


def guild_create_payload(guild: FakeGuild, *, all_members: bool, bot_id: int) -> JSON:
    """GUILD_CREATE data; without the members intent only the bot's member is sent."""
    members = [m for m in guild.members if all_members or m.user.id == bot_id]
    plain = [c for c in guild.channels if not c.is_thread]
    threads = [c for c in guild.channels if c.is_thread]
    return {
        **guild_payload(guild),
        "unavailable": False,
        "large": False,
        "lazy": True,
        "joined_at": JOINED_AT,
        "member_count": len(guild.members),
        "members": [member_payload(m) for m in members],
        "channels": [_without_guild_id(channel_payload(c)) for c in plain],
        "threads": [channel_payload(c) for c in threads],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def _without_guild_id(data: JSON) -> JSON:
    data.pop("guild_id", None)
    return data


def on_shard(guild_id: int, shard: list[int] | None) -> bool:
    """Whether a guild's events go to ``shard`` ([id, count]): Discord's
    ``(guild_id >> 22) % count``; every guild without sharding."""
    if not shard or int(shard[1]) <= 1:
        return True
    return (int(guild_id) >> 22) % int(shard[1]) == int(shard[0])


def ready_payload(
    config: FakeConfig, *, session_id: str, resume_url: str, shard: list[int] | None
) -> JSON:
    """READY data: the shard's guilds are listed as unavailable, GUILD_CREATE follows."""
    data: JSON = {
        "v": 10,
        "user": bot_user_payload(config.bot),
        "guilds": [
            {"id": str(g.id), "unavailable": True} for g in config.guilds if on_shard(g.id, shard)
        ],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_url,
        "application": {"id": str(config.application_id), "flags": config.application_flags},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "user_settings": {},
        "auth": {},
        "_trace": ['["fake-gateway",{"micros":0}]'],
    }
    if shard is not None:
        data["shard"] = shard
    return data


def application_payload(config: FakeConfig, owner: FakeUser) -> JSON:
    """GET /oauth2/applications/@me and /applications/@me."""
    return {
        "id": str(config.application_id),
        "name": config.application_name,
        "description": "",
        "summary": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user_payload(owner),
        "team": None,
        "verify_key": "0" * 64,
        "flags": config.application_flags,
        "bot": user_payload(config.bot),
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "tags": [],
    }


def attachment_payload(
    attachment_id: int, filename: str, size: int, url: str, content_type: str
) -> JSON:
    """An attachment object pointing at the fake's file route."""
    return {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
        "flags": 0,
    }


def message_payload(
    *,
    message_id: int,
    channel: FakeChannel,
    author: FakeUser,
    member: FakeMember | None,
    content: str,
    mentions: list[FakeUser] | None = None,
) -> JSON:
    """A default message object; callers update it with extra fields."""
    data: JSON = {
        "id": str(message_id),
        "channel_id": str(channel.id),
        "type": 0,
        "author": user_payload(author),
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [user_payload(u) for u in mentions or []],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "reactions": [],
        "pinned": False,
        "flags": 0,
    }
    if channel.guild_id is not None:
        data["guild_id"] = str(channel.guild_id)
        if member is not None:
            data["member"] = member_payload(member, with_user=False)
    return data
