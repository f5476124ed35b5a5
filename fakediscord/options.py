"""Building application-command option lists and ``resolved`` data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .builders import JSON, channel_payload, member_payload, role_payload, user_payload
from .config import FakeChannel, FakeRole, FakeUser
from .recorder import UploadedFile
from .state import FakeState

STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2


def infer_type(value: Any) -> int:
    """Option type for a Python value when the command schema is unknown."""
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, FakeUser):
        return USER
    if isinstance(value, FakeChannel):
        return CHANNEL
    if isinstance(value, FakeRole):
        return ROLE
    if isinstance(value, UploadedFile):
        return ATTACHMENT
    return STRING


def _snowflake(value: Any) -> int:
    return int(value.id) if isinstance(value, (FakeUser, FakeChannel, FakeRole)) else int(value)


class OptionBuilder:
    """Builds ``data.options`` (+ ``data.resolved``) for one interaction."""

    def __init__(self, state: FakeState, guild_id: int | None, user_id: int) -> None:
        self.state = state
        self.guild_id = guild_id
        self.user_id = user_id
        self.resolved: dict[str, dict[str, JSON]] = {}

    def build(
        self, path: list[str], values: Mapping[str, Any], schema: list[JSON], focused: str | None
    ) -> list[JSON]:
        """Options for ``values`` nested under the subcommand ``path``."""
        if path:
            spec = _find(schema, path[0])
            kind = (
                int(spec["type"])
                if spec
                else (SUB_COMMAND if len(path) == 1 else SUB_COMMAND_GROUP)
            )
            inner = self.build(
                path[1:], values, list(spec.get("options") or []) if spec else [], focused
            )
            return [{"name": path[0], "type": kind, "options": inner}]
        return [
            self.option(name, value, _find(schema, name), focused == name)
            for name, value in values.items()
        ]

    def option(self, name: str, value: Any, spec: JSON | None, focused: bool) -> JSON:
        """One leaf option; the focused one keeps the raw (partial) value."""
        kind = int(spec["type"]) if spec else infer_type(value)
        if focused:
            return {"name": name, "type": kind, "value": value, "focused": True}
        return {"name": name, "type": kind, "value": self.value(kind, value)}

    def value(self, kind: int, value: Any) -> Any:
        """Convert a Python value to the wire value, filling ``resolved``."""
        if kind == STRING:
            return str(value)
        if kind == INTEGER:
            return int(value)
        if kind == BOOLEAN:
            return bool(value)
        if kind == NUMBER:
            return float(value)
        if kind == ATTACHMENT:
            return self.add_attachment(value)
        return self._resolve_snowflake(kind, _snowflake(value))

    def _resolve_snowflake(self, kind: int, snowflake: int) -> str:
        if kind == USER or (kind == MENTIONABLE and self._is_user(snowflake)):
            self.add_user(snowflake)
        elif kind == CHANNEL:
            self.add_channel(snowflake)
        elif kind in (ROLE, MENTIONABLE):
            self.add_role(snowflake)
        return str(snowflake)

    def _is_user(self, snowflake: int) -> bool:
        return any(u.id == snowflake for u in self.state.all_users())

    def add_user(self, user_id: int) -> None:
        """Add a user (and their member object in a guild) to ``resolved``."""
        user = self.state.user(user_id)
        self.resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
        member = self.state.member(self.guild_id, user.id)
        if member is not None and self.guild_id is not None:
            perms = self.state.guild(self.guild_id).permissions_for(user.id)
            data = member_payload(member, permissions=perms, with_user=False)
            self.resolved.setdefault("members", {})[str(user.id)] = data

    def add_channel(self, channel_id: int) -> None:
        """Add a channel (partial, with ``permissions``) to ``resolved``."""
        channel = self.state.require_channel(channel_id)
        data = channel_payload(channel, recipients=self.state.dm_recipients(channel))
        data["permissions"] = str(self._permissions())
        self.resolved.setdefault("channels", {})[str(channel.id)] = data

    def add_role(self, role_id: int) -> None:
        """Add a guild role to ``resolved``."""
        if self.guild_id is None:
            raise ValueError("role options need a guild")
        role = next((r for r in self.state.guild(self.guild_id).roles if r.id == role_id), None)
        if role is None:
            raise KeyError(f"unknown role id {role_id}")
        self.resolved.setdefault("roles", {})[str(role.id)] = role_payload(role)

    def add_attachment(self, value: Any) -> str:
        """Store an :class:`UploadedFile` (or ``(filename, bytes)``) as an attachment."""
        upload = (
            value
            if isinstance(value, UploadedFile)
            else UploadedFile("", value[0], "", bytes(value[1]))
        )
        attachment = self.state.store_file(0, upload)
        self.resolved.setdefault("attachments", {})[attachment["id"]] = attachment
        return str(attachment["id"])

    def add_message(self, message: JSON) -> None:
        """Add a stored message to ``resolved`` (message context menus)."""
        self.resolved.setdefault("messages", {})[str(message["id"])] = message

    def _permissions(self) -> int:
        if self.guild_id is None:
            return 0
        return self.state.guild(self.guild_id).permissions_for(self.user_id)


def _find(schema: list[JSON], name: str) -> JSON | None:
    return next((o for o in schema if o.get("name") == name), None)
