"""FakeDiscord: an aiohttp server on 127.0.0.1 speaking Discord's REST API and gateway."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .app import build_app
from .builders import JSON
from .chat import UserMessages
from .config import FakeChannel, FakeConfig, FakeUser, default_config
from .faults import Fault, FaultInjector
from .gateway import FakeGateway
from .interactions import InteractionDriver, Permissions, UserLike
from .recorder import (
    DEFAULT_TIMEOUT,
    GatewayEvent,
    InteractionRecord,
    MessageRecord,
    RecordedRequest,
)
from .responses import API_PREFIX
from .state import FakeState


class FakeDiscord:
    """A fake Discord (REST under ``api_url``, gateway at ``gateway_url``) for e2e tests.

    Use ``async with FakeDiscord(config) as fake:`` (or ``await fake.start()`` /
    ``await fake.stop()``) and point discord.py at it with ``patched_discord(fake)``.
    """

    def __init__(self, config: FakeConfig | None = None, *, host: str = "127.0.0.1") -> None:
        self.config = config or default_config()
        self.host = host
        self.state = FakeState(self.config)
        self.gateway = FakeGateway(self.state)
        self.faults = FaultInjector()
        self._interactions = InteractionDriver(self.state, self.gateway)
        self._chat = UserMessages(self.state, self.gateway)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ---------------------------------------------------------------- lifecycle
    @property
    def api_url(self) -> str:
        """REST base to assign to ``discord.http.Route.BASE``."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """Gateway websocket URL (``DiscordWebSocket.DEFAULT_GATEWAY``)."""
        return self.gateway.url

    @property
    def cdn_url(self) -> str:
        """Base for ``discord.asset.Asset.BASE`` (answers 404)."""
        return self.base_url + "/cdn"

    async def start(self) -> Self:
        """Bind a random free port on ``host`` and start serving."""
        app = build_app(self.state, self.gateway, self.faults)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{port}"
        self.state.base_url = self.base_url
        self.gateway.url = f"ws://{self.host}:{port}/gateway"
        self.gateway.resume_url = f"ws://{self.host}:{port}/gateway-resume"
        self.state.gateway_url = self.gateway.url
        return self

    async def stop(self) -> None:
        """Close gateway sockets and the HTTP server."""
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --------------------------------------------------------------- recordings
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST request so far, in completion order."""
        return self.state.requests.items

    @property
    def messages(self) -> dict[int, JSON]:
        """Current state of every stored message (bot and user), by id."""
        return self.state.messages

    @property
    def errors(self) -> list[str]:
        """Tracebacks of exceptions inside the fake's handlers (should stay empty)."""
        return self.state.errors

    @property
    def heartbeats(self) -> int:
        """Number of op 1 heartbeats received."""
        return self.gateway.heartbeats

    @property
    def gateway_ops(self) -> list[JSON]:
        """Every payload the client sent over the gateway."""
        return self.gateway.ops.items

    def commands(self, guild_id: int | None = None) -> dict[str, JSON]:
        """Synced commands by name (global when ``guild_id`` is None)."""
        return dict(self.state.commands.get(guild_id, {}))

    def attachment_bytes(self, attachment_id: int) -> bytes:
        """Bytes of a file the bot uploaded."""
        return self.state.files[int(attachment_id)].data

    def fail_next(
        self,
        path_regex: str,
        *,
        method: str | None = None,
        status: int = 429,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> Fault:
        """Answer the next ``times`` requests whose path fully matches with 429/5xx.

        The path is relative to /api/v10, e.g. ``r"/channels/\\d+/messages"``.
        """
        return self.faults.add(
            path_regex,
            method=method,
            status=status,
            times=times,
            retry_after=retry_after,
            is_global=is_global,
        )

    async def wait_for_request(
        self,
        method: str | None,
        path_regex: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        since: int = 0,
        include_faults: bool = False,
    ) -> RecordedRequest:
        """Next unconsumed request matching method (None = any) and the full-path regex."""

        def match(r: RecordedRequest) -> bool:
            ok = r.matches(method, path_regex) and (include_faults or not r.fault)
            return ok and (predicate is None or predicate(r))

        what = f"{method or '*'} {path_regex}"
        return await self.state.requests.wait_for(match, timeout=timeout, since=since, what=what)

    async def wait_for_message(
        self,
        channel_id: int | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        predicate: Callable[[MessageRecord], bool] | None = None,
    ) -> MessageRecord:
        """Next unconsumed message the bot created (channel post, callback or followup)."""

        def match(m: MessageRecord) -> bool:
            in_channel = channel_id is None or m.channel_id == int(channel_id)
            return in_channel and (predicate is None or predicate(m))

        return await self.state.created.wait_for(
            match, timeout=timeout, what=f"a message in {channel_id}"
        )

    async def wait_for_edit(
        self, message_id: int | None = None, *, timeout: float = DEFAULT_TIMEOUT
    ) -> MessageRecord:
        """Next unconsumed edit of a bot message (PATCH, type 7 callback, @original edit)."""
        return await self.state.edits.wait_for(
            lambda m: message_id is None or m.id == int(message_id),
            timeout=timeout,
            what=f"an edit of {message_id}",
        )

    async def wait_for_command_sync(
        self, guild_id: int | None = None, *, timeout: float = DEFAULT_TIMEOUT
    ) -> list[JSON]:
        """Wait for a bulk overwrite (PUT) of global or guild commands; returns what was stored."""
        path = f"/applications/{self.config.application_id}" + (
            f"/guilds/{guild_id}" if guild_id else ""
        )
        request = await self.wait_for_request("PUT", re.escape(path + "/commands"), timeout=timeout)
        return list(request.response or [])

    # ------------------------------------------------------------------ gateway
    async def wait_until_connected(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until the client has identified (READY sent) or resumed."""
        await self.gateway.wait_connected(timeout)

    async def wait_for_shards(self, count: int, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until ``count`` gateway shards are connected (IDENTIFY with ``shard``)."""
        await self.gateway.wait_for_shards(count, timeout)

    async def wait_for_gateway_op(self, op: int, *, timeout: float = DEFAULT_TIMEOUT) -> JSON:
        """Next unconsumed payload with this opcode that the client sent (1, 2, 6, 8...)."""
        return await self.gateway.ops.wait_for(
            lambda payload: payload.get("op") == op, timeout=timeout, what=f"op {op}"
        )

    async def dispatch(self, event: str, data: JSON, *, timeout: float = DEFAULT_TIMEOUT) -> int:
        """Send any DISPATCH event (e.g. ``GUILD_MEMBER_ADD``); returns its sequence number."""
        return await self.gateway.dispatch(event, data, timeout=timeout)

    async def drop_connection(self, *, code: int = 4000, reconnect_op: bool = False) -> None:
        """Close the gateway socket with a resumable code, or send op 7 RECONNECT."""
        await self.gateway.drop_connection(code=code, reconnect_op=reconnect_op)

    async def wait_for_resume(self, timeout: float = DEFAULT_TIMEOUT) -> GatewayEvent:
        """Wait until the client RESUMEd after the last drop."""
        return await self.gateway.wait_for_resume(timeout)

    async def wait_for_reconnect(self, timeout: float = DEFAULT_TIMEOUT) -> GatewayEvent:
        """Wait until the client resumed or re-identified after the last drop."""
        return await self.gateway.wait_for_reconnect(timeout)

    async def set_command_permissions(
        self, guild_id: int, command: str | None, permissions: list[JSON]
    ) -> JSON:
        """What a server admin sets in Integrations: overrides for one synced command (by
        name) or, with ``command=None``, for the whole application. Entries are
        ``{"id": role/user/channel id, "type": 1 role | 2 user | 3 channel, "permission":
        bool}``. Served by GET .../commands/permissions and dispatched as
        APPLICATION_COMMAND_PERMISSIONS_UPDATE."""
        config = self.state.config
        if command is None:
            target = config.application_id
        else:
            found = self.state.find_command(command, guild_id)
            if found is None:
                raise KeyError(f"no synced command {command!r}")
            target = int(found[0]["id"])
        entry: JSON = {
            "id": str(target),
            "application_id": str(config.application_id),
            "guild_id": str(guild_id),
            "permissions": [
                {"id": str(p["id"]), "type": int(p["type"]), "permission": bool(p["permission"])}
                for p in permissions
            ],
        }
        self.state.command_permissions.setdefault(guild_id, {})[target] = entry
        await self.dispatch("APPLICATION_COMMAND_PERMISSIONS_UPDATE", entry)
        return entry

    # ------------------------------------------------------------------ driving
    async def send_slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: UserLike | None = None,
        channel_id: int | None = None,
        guild_id: int | None = None,
        member_permissions: Permissions = None,
        app_permissions: Permissions = None,
        locale: str = "en-US",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> InteractionRecord:
        """Dispatch a slash command; ``name`` may be ``"group sub"``.

        Option types and the command id come from the last sync (PUT); unsynced
        commands get a fresh id and types inferred from the Python values.
        """
        who = self._interactions.invoker(
            user,
            channel_id,
            guild_id,
            member_permissions=member_permissions,
            app_permissions=app_permissions,
            locale=locale,
        )
        return await self._interactions.slash_command(who, name, options, timeout=timeout)

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        *,
        focused: str,
        user: UserLike | None = None,
        channel_id: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> InteractionRecord:
        """Dispatch an autocomplete (type 4); ``focused`` names the option being typed."""
        who = self._interactions.invoker(user, channel_id)
        return await self._interactions.slash_command(
            who, name, options, focused=focused, timeout=timeout
        )

    async def autocomplete_choices(
        self,
        name: str,
        options: Mapping[str, Any],
        *,
        focused: str,
        timeout: float = DEFAULT_TIMEOUT,
        **kwargs: Any,
    ) -> list[JSON]:
        """Send an autocomplete and return the choices of its type 8 callback."""
        record = await self.send_autocomplete(
            name, options, focused=focused, timeout=timeout, **kwargs
        )
        callback = await record.wait_callback(timeout)
        assert callback.get("type") == 8, f"expected an autocomplete result, got {callback!r}"
        return list(callback.get("data", {}).get("choices", []))

    async def send_user_command(
        self,
        name: str,
        target: UserLike,
        *,
        user: UserLike | None = None,
        channel_id: int | None = None,
    ) -> InteractionRecord:
        """Dispatch a user context-menu command on ``target``."""
        who = self._interactions.invoker(user, channel_id)
        return await self._interactions.context_menu(who, name, target, message=False)

    async def send_message_command(
        self,
        name: str,
        message_id: int,
        *,
        user: UserLike | None = None,
        channel_id: int | None = None,
    ) -> InteractionRecord:
        """Dispatch a message context-menu command on a stored message."""
        who = self._interactions.invoker(user, channel_id)
        return await self._interactions.context_menu(who, name, message_id, message=True)

    async def click_button(
        self,
        message_id: int,
        custom_id: str,
        *,
        user: UserLike | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> InteractionRecord:
        """Click a button on a stored message (type 3 with the full ``message``)."""
        return await self._interactions.component(
            user, message_id, custom_id, None, timeout=timeout
        )

    async def select_menu(
        self,
        message_id: int,
        custom_id: str,
        values: Sequence[str],
        *,
        user: UserLike | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> InteractionRecord:
        """Choose ``values`` in a select menu on a stored message."""
        return await self._interactions.component(
            user, message_id, custom_id, values, timeout=timeout
        )

    async def submit_modal(
        self,
        opened_by: InteractionRecord,
        values: Mapping[str, Any],
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> InteractionRecord:
        """Submit the modal the bot sent in reply to ``opened_by``; ``values`` by custom_id."""
        return await self._interactions.submit_modal(opened_by, values, timeout=timeout)

    async def create_forum_post(
        self,
        forum_id: int,
        title: str,
        content: str,
        *,
        author: FakeUser | int | None = None,
        tags: Sequence[int] = (),
        timeout: float = DEFAULT_TIMEOUT,
    ) -> tuple[FakeChannel, JSON | None]:
        """A user opens a post (a thread with its first message) in a forum channel.

        Returns the post's thread and what the bot received of its first message
        (content blanked without the message-content intent; None if filtered).
        """
        return await self._chat.forum_post(
            forum_id, title, content, author=author, tags=tags, timeout=timeout
        )

    def channel(self, channel_id: int) -> FakeChannel:
        """A channel or thread the fake knows (its tags, say, after the bot edited it)."""
        return self.state.require_channel(channel_id)

    async def send_message(
        self,
        content: str = "",
        *,
        author: FakeUser | int | None = None,
        channel_id: int | None = None,
        mentions: Sequence[FakeUser | int] | None = None,
        reply_to: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        **fields: Any,
    ) -> JSON | None:
        """A user posts a message (MESSAGE_CREATE); returns what the bot received.

        ``mentions`` defaults to the ``<@id>`` mentions in ``content``. Guild messages
        that neither mention the bot nor come from it arrive with content, embeds,
        attachments and components blanked unless the client asked for the
        message-content intent. Returns None when the client's intents exclude it.
        """
        return await self._chat.send(
            content,
            author=author,
            channel_id=channel_id,
            mentions=mentions,
            reply_to=reply_to,
            fields=fields,
            timeout=timeout,
        )
