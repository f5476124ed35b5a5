"""Driving the bot with INTERACTION_CREATE events (commands, components, modals)."""

from __future__ import annotations

import asyncio
import copy
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .builders import JSON, channel_payload, member_payload, user_payload
from .config import EVERYONE_PERMISSIONS, FakeChannel, FakeMember, FakeUser
from .gateway import FakeGateway
from .options import OptionBuilder
from .recorder import DEFAULT_TIMEOUT, InteractionRecord
from .state import FakeState, walk_components

APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
UserLike = FakeUser | int
Permissions = str | int | None


@dataclass
class Invoker:
    """Who invokes an interaction, and where."""

    user: FakeUser
    channel: FakeChannel
    guild_id: int | None
    member_permissions: Permissions = None
    app_permissions: Permissions = None
    locale: str = "en-US"


class InteractionDriver:
    """Builds realistic interaction payloads and dispatches them."""

    def __init__(self, state: FakeState, gateway: FakeGateway) -> None:
        self.state = state
        self.gateway = gateway

    def invoker(
        self,
        user: UserLike | None = None,
        channel_id: int | None = None,
        guild_id: int | None = None,
        **extra: Any,
    ) -> Invoker:
        """Resolve defaults (config.default_user_id / default_channel_id)."""
        config = self.state.config
        resolved_user = self.state.user(
            user if user is not None else _required(config.default_user_id, "user")
        )
        wanted = (
            channel_id
            if channel_id is not None
            else _required(config.default_channel_id, "channel_id")
        )
        channel = self.state.channel(wanted) or self.state.dm_channel_for(resolved_user.id)
        return Invoker(
            resolved_user, channel, guild_id if guild_id is not None else channel.guild_id, **extra
        )

    # --------------------------------------------------------- app commands
    async def slash_command(
        self,
        who: Invoker,
        name: str,
        options: Mapping[str, Any] | None,
        *,
        focused: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> InteractionRecord:
        """Dispatch a chat-input command (type 2) or, with ``focused``, an autocomplete (type 4)."""
        top, *path = name.split()
        found = self.state.find_command(top, who.guild_id)
        schema, scope = found if found else ({}, None)
        builder = OptionBuilder(self.state, who.guild_id, who.user.id)
        nested = builder.build(path, options or {}, list(schema.get("options") or []), focused)
        data = self._command_data(top, 1, schema, scope, builder)
        data["options"] = nested
        kind = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
        return await self._dispatch(who, kind, data, timeout=timeout)

    async def context_menu(
        self,
        who: Invoker,
        name: str,
        target: UserLike | int,
        *,
        message: bool,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> InteractionRecord:
        """Dispatch a user (type 2) or message (type 3) context-menu command."""
        found = self.state.find_command(name, who.guild_id)
        schema, scope = found if found else ({}, None)
        builder = OptionBuilder(self.state, who.guild_id, who.user.id)
        target_id = target.id if isinstance(target, FakeUser) else int(target)
        if message:
            builder.add_message(self._stored_message(target_id))
        else:
            builder.add_user(target_id)
        data = self._command_data(name, 3 if message else 2, schema, scope, builder)
        data["target_id"] = str(target_id)
        return await self._dispatch(who, APPLICATION_COMMAND, data, timeout=timeout)

    def _command_data(
        self, name: str, kind: int, schema: JSON, scope: int | None, builder: OptionBuilder
    ) -> JSON:
        data: JSON = {
            "id": schema.get("id") or str(self.state.next_id()),
            "name": name,
            "type": kind,
        }
        if scope is not None:
            data["guild_id"] = str(scope)
        if builder.resolved:
            data["resolved"] = builder.resolved
        return data

    # ----------------------------------------------------------- components
    async def component(
        self,
        user: UserLike | None,
        message_id: int,
        custom_id: str,
        values: Sequence[str] | None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> InteractionRecord:
        """Dispatch a component interaction (type 3) on a stored message."""
        message = self._stored_message(message_id)
        component = self._find_component(message, custom_id)
        channel_id = int(message["channel_id"])
        who = self.invoker(user, channel_id)
        data: JSON = {"custom_id": custom_id, "component_type": int(component["type"])}
        if "id" in component:
            data["id"] = component["id"]
        if values is not None:
            data["values"] = list(values)
        return await self._dispatch(
            who, COMPONENT, data, message=copy.deepcopy(message), timeout=timeout
        )

    def _stored_message(self, message_id: int) -> JSON:
        message = self.state.messages.get(int(message_id))
        if message is None:
            raise KeyError(
                f"the fake stores no message {message_id}; known: {sorted(self.state.messages)}"
            )
        return message

    @staticmethod
    def _find_component(message: JSON, custom_id: str) -> JSON:
        for component in walk_components(message.get("components") or []):
            if component.get("custom_id") == custom_id:
                if component.get("disabled"):
                    raise AssertionError(
                        f"component {custom_id!r} is disabled; a user cannot use it"
                    )
                return component
        ids = [
            c.get("custom_id")
            for c in walk_components(message.get("components") or [])
            if c.get("custom_id")
        ]
        raise KeyError(f"message {message['id']} has no component {custom_id!r}; it has {ids}")

    # ---------------------------------------------------------------- modals
    async def submit_modal(
        self,
        opened_by: InteractionRecord,
        values: Mapping[str, Any],
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> InteractionRecord:
        """Submit the modal the bot answered ``opened_by`` with (callback type 9)."""
        callback = opened_by.callback.result() if opened_by.callback.done() else {}
        if int(callback.get("type", 0)) != 9:
            raise AssertionError(
                f"interaction {opened_by.id} was not answered with a modal: {callback!r}"
            )
        modal = callback["data"]
        who = self.invoker(opened_by.user_id, opened_by.channel_id, opened_by.guild_id)
        data = {
            "custom_id": modal["custom_id"],
            "components": _modal_submit(modal["components"], values),
        }
        message = opened_by.payload.get("message")
        return await self._dispatch(who, MODAL_SUBMIT, data, message=message, timeout=timeout)

    # ----------------------------------------------------------------- common
    async def _dispatch(
        self, who: Invoker, kind: int, data: JSON, *, message: JSON | None = None, timeout: float
    ) -> InteractionRecord:
        payload = self._base_payload(who, kind)
        payload["data"] = data
        if message is not None:
            payload["message"] = message
        record = InteractionRecord(
            id=int(payload["id"]),
            token=payload["token"],
            type=kind,
            payload=payload,
            channel_id=who.channel.id,
            guild_id=who.guild_id,
            user_id=who.user.id,
            callback=asyncio.get_running_loop().create_future(),
        )
        self.state.interactions[record.id] = record
        await self.gateway.dispatch("INTERACTION_CREATE", payload, timeout=timeout)
        return record

    def _base_payload(self, who: Invoker, kind: int) -> JSON:
        config = self.state.config
        interaction_id = self.state.next_id()
        user_perms, app_perms = self._permissions(who)
        channel = channel_payload(who.channel, recipients=[who.user] if who.channel.is_dm else None)
        channel["permissions"] = str(user_perms)
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(config.application_id),
            "type": kind,
            "token": f"fake.{interaction_id}.{secrets.token_urlsafe(16)}",
            "version": 1,
            "locale": who.locale,
            "app_permissions": str(app_perms),
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(who.guild_id or 0)},
            "context": 0 if who.guild_id else 1,
            "attachment_size_limit": config.attachment_size_limit,
            "channel_id": str(who.channel.id),
            "channel": channel,
        }
        if who.guild_id is None:
            payload["user"] = user_payload(who.user)
            return payload
        member = self.state.member(who.guild_id, who.user.id) or FakeMember(who.user)
        payload.update(
            guild_id=str(who.guild_id),
            guild={"id": str(who.guild_id), "locale": "en-US", "features": []},
            guild_locale="en-US",
            member=member_payload(member, permissions=user_perms),
        )
        return payload

    def _permissions(self, who: Invoker) -> tuple[int, int]:
        if who.guild_id is None:
            default_user, default_app = EVERYONE_PERMISSIONS, EVERYONE_PERMISSIONS
        else:
            guild = self.state.guild(who.guild_id)
            default_user = guild.permissions_for(who.user.id)
            default_app = guild.permissions_for(self.state.config.bot.id)
        user = default_user if who.member_permissions is None else int(who.member_permissions)
        app = default_app if who.app_permissions is None else int(who.app_permissions)
        return user, app


def _required(value: int | None, what: str) -> int:
    if value is None:
        raise ValueError(f"pass {what}= (the config has no default)")
    return value


def _modal_submit(components: list[JSON], values: Mapping[str, Any]) -> list[JSON]:
    """Mirror a modal's layout with the submitted values filled in."""
    submitted: list[JSON] = []
    for component in components:
        kind = int(component.get("type", 0))
        if kind == 1:
            inner = [_submit_leaf(c, values) for c in component.get("components") or []]
            submitted.append({"type": 1, "id": component.get("id", 0), "components": inner})
        elif kind == 18:
            leaf = _submit_leaf(component["component"], values)
            submitted.append({"type": 18, "id": component.get("id", 0), "component": leaf})
        elif kind == 10:
            submitted.append(
                {"type": 10, "id": component.get("id", 0), "content": component.get("content", "")}
            )
    return submitted


def _submit_leaf(component: JSON, values: Mapping[str, Any]) -> JSON:
    custom_id = component.get("custom_id", "")
    kind = int(component.get("type", 4))
    leaf: JSON = {"type": kind, "id": component.get("id", 0), "custom_id": custom_id}
    value = values.get(custom_id)
    if kind == 4:
        leaf["value"] = "" if value is None else str(value)
    elif kind in (21, 23):
        leaf["value"] = value
    else:
        leaf["values"] = [str(v) for v in value or []]
    return leaf
