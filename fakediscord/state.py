"""The fake's world state: lookups, stored messages, commands and recordings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .builders import JSON, SnowflakeGenerator, message_payload, user_payload
from .config import ChannelType, FakeChannel, FakeConfig, FakeGuild, FakeMember, FakeUser
from .recorder import EventLog, InteractionRecord, MessageRecord, RecordedRequest, UploadedFile

MENTION_RE = re.compile(r"<@!?(\d+)>")


class FakeState:
    """Shared state of the fake server; REST, gateway and driver all use it."""

    def __init__(self, config: FakeConfig) -> None:
        self.config = config
        self.next_id = SnowflakeGenerator()
        self.base_url = ""
        self.gateway_url = ""
        self.requests: EventLog[RecordedRequest] = EventLog(
            "REST requests", RecordedRequest.describe
        )
        self.created: EventLog[MessageRecord] = EventLog(
            "bot-created messages", MessageRecord.describe
        )
        self.edits: EventLog[MessageRecord] = EventLog("bot message edits", MessageRecord.describe)
        self.messages: dict[int, JSON] = {}
        self.files: dict[int, UploadedFile] = {}
        self.commands: dict[int | None, dict[str, JSON]] = {}
        # guild id -> command (or application) id -> its permission overrides
        self.command_permissions: dict[int, dict[int, JSON]] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.errors: list[str] = []
        self._dm_channels: dict[int, FakeChannel] = {c.id: c for c in config.dm_channels}

    # ----------------------------------------------------------------- lookups
    def all_users(self) -> Iterator[FakeUser]:
        """Every user the fake knows (bot, guild members, extra users)."""
        yield self.config.bot
        for guild in self.config.guilds:
            yield from (m.user for m in guild.members)
        yield from self.config.users

    def user(self, user: FakeUser | int) -> FakeUser:
        """Resolve a user object or id; unknown ids raise KeyError."""
        if isinstance(user, FakeUser):
            return user
        found = next((u for u in self.all_users() if u.id == int(user)), None)
        if found is None:
            raise KeyError(f"unknown user id {user}")
        return found

    def guild(self, guild_id: int) -> FakeGuild:
        """The configured guild with this id."""
        found = next((g for g in self.config.guilds if g.id == int(guild_id)), None)
        if found is None:
            raise KeyError(f"unknown guild id {guild_id}")
        return found

    def channel(self, channel_id: int) -> FakeChannel | None:
        """A guild channel, thread or DM channel by id."""
        for guild in self.config.guilds:
            for channel in guild.channels:
                if channel.id == int(channel_id):
                    return channel
        return self._dm_channels.get(int(channel_id))

    def require_channel(self, channel_id: int) -> FakeChannel:
        """Like :meth:`channel` but raises KeyError for unknown ids."""
        channel = self.channel(channel_id)
        if channel is None:
            raise KeyError(f"unknown channel id {channel_id}")
        return channel

    def member(self, guild_id: int | None, user_id: int) -> FakeMember | None:
        """The member of a guild, or None (also for guild_id None)."""
        return None if guild_id is None else self.guild(guild_id).member(user_id)

    def dm_channel_for(self, user_id: int) -> FakeChannel:
        """The DM channel between the bot and a user, created on first use."""
        for channel in self._dm_channels.values():
            if channel.recipient_id == user_id:
                return channel
        channel = FakeChannel(self.next_id(), type=ChannelType.DM, recipient_id=user_id)
        self._dm_channels[channel.id] = channel
        return channel

    def dm_recipients(self, channel: FakeChannel) -> list[FakeUser]:
        """The other user(s) of a DM channel."""
        return [self.user(channel.recipient_id)] if channel.recipient_id else []

    def mentioned_users(self, content: str) -> list[FakeUser]:
        """Known users mentioned as <@id> in content."""
        ids = dict.fromkeys(int(m) for m in MENTION_RE.findall(content))
        known = {u.id: u for u in self.all_users()}
        return [known[i] for i in ids if i in known]

    # ---------------------------------------------------------------- commands
    def find_command(self, name: str, guild_id: int | None) -> tuple[JSON, int | None] | None:
        """The synced top-level command (guild scope first) and its scope."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            command = self.commands.get(scope, {}).get(name)
            if command is not None:
                return command, scope
        return None

    def store_commands(self, scope: int | None, payloads: list[JSON]) -> list[JSON]:
        """Bulk-overwrite a command scope, keeping ids of commands whose name survives."""
        previous = self.commands.get(scope, {})
        stored: dict[str, JSON] = {}
        for payload in payloads:
            old = previous.get(payload["name"])
            stored[payload["name"]] = self.command_from_payload(payload, scope, old)
        self.commands[scope] = stored
        return list(stored.values())

    def command_from_payload(
        self, payload: JSON, scope: int | None, old: JSON | None = None
    ) -> JSON:
        """Turn a command the bot sent into the object Discord returns."""
        command = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            "name_localizations": None,
            "description_localizations": None,
            **payload,
            "id": old["id"] if old else str(self.next_id()),
            "application_id": str(self.config.application_id),
            "version": str(self.next_id()),
        }
        if scope is not None:
            command["guild_id"] = str(scope)
        return command

    # ---------------------------------------------------------------- messages
    def new_message(self, channel: FakeChannel, author: FakeUser, content: str) -> JSON:
        """A fresh message object (not stored) authored by ``author``."""
        member = self.member(channel.guild_id, author.id)
        mentions = self.mentioned_users(content)
        return message_payload(
            message_id=self.next_id(),
            channel=channel,
            author=author,
            member=member,
            content=content,
            mentions=mentions,
        )

    def build_bot_message(self, channel_id: int, request: JSON, files: list[UploadedFile]) -> JSON:
        """Build (and store) the message the bot creates from its request payload."""
        channel = self.channel(channel_id) or FakeChannel(int(channel_id), type=ChannelType.DM)
        message = self.new_message(channel, self.config.bot, str(request.get("content") or ""))
        self.apply_message_fields(message, request, files)
        reference = request.get("message_reference")
        if reference:
            self._apply_reference(message, reference)
        self.messages[int(message["id"])] = message
        return message

    def apply_message_fields(self, message: JSON, request: JSON, files: list[UploadedFile]) -> None:
        """Copy editable fields from a create/edit payload into a stored message."""
        for key in ("content", "embeds", "tts", "poll", "sticker_ids"):
            if key in request and request[key] is not None:
                message[key] = request[key]
        if "content" in request:
            message["mentions"] = [
                user_payload(u) for u in self.mentioned_users(message["content"] or "")
            ]
        if request.get("components") is not None:
            message["components"] = assign_component_ids(request["components"])
        if request.get("flags") is not None:
            message["flags"] = int(request["flags"])
        if "attachments" in request or files:
            message["attachments"] = self._attachments(message, request.get("attachments"), files)

    def _attachments(
        self, message: JSON, wanted: list[JSON] | None, files: list[UploadedFile]
    ) -> list[JSON]:
        kept_ids = {str(a.get("id")) for a in wanted or []}
        kept = [a for a in message.get("attachments", []) if a["id"] in kept_ids]
        return kept + [self.store_file(int(message["channel_id"]), f) for f in files]

    def store_file(self, channel_id: int, upload: UploadedFile) -> JSON:
        """Keep an uploaded file and return its attachment object."""
        attachment_id = self.next_id()
        self.files[attachment_id] = upload
        url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{upload.filename}"
        return {
            "id": str(attachment_id),
            "filename": upload.filename,
            "size": len(upload.data),
            "url": url,
            "proxy_url": url,
            "content_type": upload.content_type,
            "flags": 0,
        }

    def _apply_reference(self, message: JSON, reference: JSON) -> None:
        ref_id = int(reference["message_id"])
        message["type"] = 19
        message["message_reference"] = {
            "type": 0,
            "message_id": str(ref_id),
            "channel_id": str(reference.get("channel_id") or message["channel_id"]),
            "guild_id": reference.get("guild_id") or message.get("guild_id"),
        }
        referenced = self.messages.get(ref_id)
        if referenced is not None:
            referenced = {k: v for k, v in referenced.items() if k != "referenced_message"}
        message["referenced_message"] = referenced


def assign_component_ids(components: list[JSON]) -> list[JSON]:
    """Copy components, giving each one a numeric ``id`` like Discord does."""
    counter = iter(range(1, 10_000))

    def walk(component: JSON) -> JSON:
        copied: JSON = dict(component)
        copied.setdefault("id", next(counter))
        if isinstance(copied.get("components"), list):
            copied["components"] = [walk(c) for c in copied["components"]]
        for key in ("accessory", "component"):
            if isinstance(copied.get(key), dict):
                copied[key] = walk(copied[key])
        return copied

    return [walk(c) for c in components]


def walk_components(components: list[Any]) -> Iterator[JSON]:
    """Yield every component, depth first."""
    for component in components:
        if not isinstance(component, dict):
            continue
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                yield from walk_components([component[key]])
