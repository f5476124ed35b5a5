"""Driving the bot with MESSAGE_CREATE events from users."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from .builders import JSON, channel_payload, user_payload
from .config import ChannelType, FakeChannel, FakeUser
from .gateway import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    FakeGateway,
)
from .recorder import DEFAULT_TIMEOUT
from .state import FakeState

CONTENT_FIELDS = {"content": "", "embeds": [], "attachments": [], "components": []}


class UserMessages:
    """Builds user messages, stores them and dispatches them as Discord would."""

    def __init__(self, state: FakeState, gateway: FakeGateway) -> None:
        self.state = state
        self.gateway = gateway

    async def send(
        self,
        content: str,
        *,
        author: FakeUser | int | None,
        channel_id: int | None,
        mentions: Sequence[FakeUser | int] | None,
        reply_to: int | None,
        fields: dict[str, Any],
        timeout: float = DEFAULT_TIMEOUT,
    ) -> JSON | None:
        """Store and dispatch a message; returns what the bot received, None if filtered."""
        message = self.build(
            content, author=author, channel_id=channel_id, mentions=mentions, reply_to=reply_to
        )
        message.update(fields)
        self.state.messages[int(message["id"])] = message
        await self.gateway.wait_connected(timeout)
        if not self._intended(message):
            return None
        delivered = self.visible_copy(message)
        await self.gateway.dispatch("MESSAGE_CREATE", delivered, timeout=timeout)
        return delivered

    async def forum_post(
        self,
        forum_id: int,
        title: str,
        content: str,
        *,
        author: FakeUser | int | None,
        tags: Sequence[int] = (),
        timeout: float = DEFAULT_TIMEOUT,
    ) -> tuple[FakeChannel, JSON | None]:
        """A member opens a post in a forum: THREAD_CREATE, then its first message (whose
        id is the thread's, as on Discord) as MESSAGE_CREATE. Returns the post's thread
        and what the bot received of the message (None if its intents exclude it)."""
        config = self.state.config
        forum = self.state.require_channel(forum_id)
        if forum.type != ChannelType.FORUM:
            raise ValueError(f"channel {forum_id} is not a forum")
        user = self.state.user(
            author if author is not None else _default(config.default_user_id, "author")
        )
        thread = FakeChannel(
            self.state.next_id(),
            title,
            ChannelType.PUBLIC_THREAD,
            parent_id=forum.id,
            owner_id=user.id,
            applied_tags=list(tags),
        )
        self.state.guild(int(forum.guild_id or 0)).channels.append(thread)
        thread.guild_id = forum.guild_id
        await self.gateway.wait_connected(timeout)
        created = {**channel_payload(thread), "newly_created": True}
        await self.gateway.dispatch("THREAD_CREATE", created, timeout=timeout)
        message = self.state.new_message(thread, user, content)
        message["id"] = str(thread.id)
        message["position"] = 0
        self.state.messages[thread.id] = message
        if not self._intended(message):
            return thread, None
        delivered = self.visible_copy(message)
        await self.gateway.dispatch("MESSAGE_CREATE", delivered, timeout=timeout)
        return thread, delivered

    def build(
        self,
        content: str,
        *,
        author: FakeUser | int | None,
        channel_id: int | None,
        mentions: Sequence[FakeUser | int] | None,
        reply_to: int | None,
    ) -> JSON:
        """The full message object (before content blanking)."""
        config = self.state.config
        user = self.state.user(
            author if author is not None else _default(config.default_user_id, "author")
        )
        wanted = (
            channel_id
            if channel_id is not None
            else _default(config.default_channel_id, "channel_id")
        )
        channel = self.state.require_channel(wanted)
        message = self.state.new_message(channel, user, content)
        if mentions is not None:
            message["mentions"] = [user_payload(self.state.user(u)) for u in mentions]
        if reply_to is not None:
            self._reply(message, int(reply_to), ping=mentions is None)
        return message

    def _reply(self, message: JSON, reply_to: int, *, ping: bool) -> None:
        referenced = self.state.messages.get(reply_to)
        message["type"] = 19
        message["message_reference"] = {
            "type": 0,
            "message_id": str(reply_to),
            "channel_id": message["channel_id"],
            "guild_id": message.get("guild_id"),
        }
        message["referenced_message"] = copy.deepcopy(referenced)
        if referenced is not None and ping:
            author = referenced["author"]
            if all(m["id"] != author["id"] for m in message["mentions"]):
                message["mentions"].append(author)

    def _intended(self, message: JSON) -> bool:
        needed = INTENT_GUILD_MESSAGES if message.get("guild_id") else INTENT_DIRECT_MESSAGES
        return bool(self.gateway.intents & needed)

    def visible_copy(self, message: JSON) -> JSON:
        """Blank content fields like Discord does without the message-content intent.

        Kept: DMs, the bot's own messages, and messages mentioning the bot.
        """
        delivered = copy.deepcopy(message)
        bot_id = str(self.state.config.bot.id)
        exempt = (
            not message.get("guild_id")
            or message["author"]["id"] == bot_id
            or any(m["id"] == bot_id for m in message.get("mentions", []))
            or self.gateway.intents & INTENT_MESSAGE_CONTENT
        )
        if not exempt:
            delivered.update(copy.deepcopy(CONTENT_FIELDS))
            delivered.pop("poll", None)
        return delivered


def _default(value: int | None, what: str) -> int:
    if value is None:
        raise ValueError(f"pass {what}= (the config has no default)")
    return value
