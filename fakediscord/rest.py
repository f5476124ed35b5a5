"""REST routes for users, the application, commands, guilds and channel messages."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .builders import (
    JSON,
    application_payload,
    bot_user_payload,
    channel_payload,
    guild_payload,
    member_payload,
    role_payload,
    user_payload,
)
from .messaging import MessageService
from .recorder import UploadedFile
from .responses import (
    API_PREFIX,
    BODY_KEY,
    FILES_KEY,
    error_response,
    json_response,
    no_content,
    unknown,
)
from .state import FakeState

P = API_PREFIX
APP_COMMANDS = P + "/applications/{app_id}/commands"
GUILD_COMMANDS = P + "/applications/{app_id}/guilds/{guild_id}/commands"
CHANNEL_MESSAGE = P + "/channels/{channel_id}/messages/{message_id}"


def body_of(request: web.Request) -> Any:
    """The parsed JSON (or ``payload_json``) body stored by the middleware."""
    return request.get(BODY_KEY)


def files_of(request: web.Request) -> list[UploadedFile]:
    """Uploaded files stored by the middleware."""
    return list(request.get(FILES_KEY) or [])


def match_int(request: web.Request, key: str) -> int:
    """An integer path parameter (404 if not a number)."""
    try:
        return int(request.match_info[key])
    except ValueError:
        raise web.HTTPNotFound() from None


class RestApi:
    """Handlers for the non-interaction REST routes discord.py uses."""

    def __init__(self, state: FakeState, messages: MessageService) -> None:
        self.state = state
        self.messages = messages

    def routes(self) -> list[web.RouteDef]:
        """The route table (the catch-all is added by the server)."""
        return [
            web.get(P + "/users/@me", self.get_me),
            web.post(P + "/users/@me/channels", self.create_dm),
            web.get(P + "/users/{user_id}", self.get_user),
            web.get(P + "/oauth2/applications/@me", self.get_application),
            web.get(P + "/applications/@me", self.get_application),
            web.get(P + "/gateway", self.get_gateway),
            web.get(P + "/gateway/bot", self.get_gateway),
            web.get(APP_COMMANDS, self.get_commands),
            web.put(APP_COMMANDS, self.put_commands),
            web.post(APP_COMMANDS, self.post_command),
            web.get(GUILD_COMMANDS, self.get_commands),
            web.put(GUILD_COMMANDS, self.put_commands),
            web.post(GUILD_COMMANDS, self.post_command),
            web.get(GUILD_COMMANDS + "/permissions", self.get_command_permissions),
            web.get(P + "/guilds/{guild_id}", self.get_guild),
            web.get(P + "/guilds/{guild_id}/channels", self.get_guild_channels),
            web.get(P + "/guilds/{guild_id}/roles", self.get_guild_roles),
            web.get(P + "/guilds/{guild_id}/members/{user_id}", self.get_member),
            web.get(P + "/channels/{channel_id}", self.get_channel),
            web.patch(P + "/channels/{channel_id}", self.edit_channel),
            web.post(P + "/channels/{channel_id}/typing", self.typing),
            web.get(P + "/channels/{channel_id}/messages", self.list_messages),
            web.post(P + "/channels/{channel_id}/messages", self.create_message),
            web.get(CHANNEL_MESSAGE, self.get_message),
            web.patch(CHANNEL_MESSAGE, self.edit_message),
            web.delete(CHANNEL_MESSAGE, self.delete_message),
            web.put(CHANNEL_MESSAGE + "/reactions/{emoji}/@me", self.typing),
            web.delete(CHANNEL_MESSAGE + "/reactions/{emoji}/@me", self.typing),
        ]

    # ------------------------------------------------------------ users / app
    async def get_me(self, request: web.Request) -> web.Response:
        """GET /users/@me (static_login)."""
        return json_response(bot_user_payload(self.state.config.bot))

    async def get_user(self, request: web.Request) -> web.Response:
        """GET /users/{id}."""
        try:
            return json_response(user_payload(self.state.user(match_int(request, "user_id"))))
        except KeyError:
            return unknown("User", 10013)

    async def create_dm(self, request: web.Request) -> web.Response:
        """POST /users/@me/channels {recipient_id}."""
        recipient = int((body_of(request) or {}).get("recipient_id", 0))
        try:
            user = self.state.user(recipient)
        except KeyError:
            return unknown("User", 10013)
        channel = self.state.dm_channel_for(user.id)
        return json_response(channel_payload(channel, recipients=[user]))

    async def get_application(self, request: web.Request) -> web.Response:
        """GET /oauth2/applications/@me (Client.login calls it)."""
        config = self.state.config
        owner = self.state.user(config.application_owner_id or config.bot.id)
        return json_response(application_payload(config, owner))

    async def get_gateway(self, request: web.Request) -> web.Response:
        """GET /gateway and /gateway/bot (AutoShardedClient)."""
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return json_response(
            {"url": self.state.gateway_url, "shards": 1, "session_start_limit": limit}
        )

    # --------------------------------------------------------------- commands
    def _scope(self, request: web.Request) -> int | None:
        if match_int(request, "app_id") != self.state.config.application_id:
            raise web.HTTPNotFound()
        return match_int(request, "guild_id") if "guild_id" in request.match_info else None

    async def get_commands(self, request: web.Request) -> web.Response:
        """GET application (or guild) commands."""
        return json_response(list(self.state.commands.get(self._scope(request), {}).values()))

    async def put_commands(self, request: web.Request) -> web.Response:
        """PUT = bulk overwrite (CommandTree.sync); returns commands with ids."""
        scope = self._scope(request)
        return json_response(self.state.store_commands(scope, list(body_of(request) or [])))

    async def post_command(self, request: web.Request) -> web.Response:
        """POST = upsert one command."""
        scope = self._scope(request)
        payload = dict(body_of(request) or {})
        commands = self.state.commands.setdefault(scope, {})
        command = self.state.command_from_payload(payload, scope, commands.get(payload["name"]))
        commands[payload["name"]] = command
        return json_response(command, 201)

    async def get_command_permissions(self, request: web.Request) -> web.Response:
        """GET the guild's command permission overrides (Server Settings → Integrations)."""
        guild_id = self._scope(request)
        assert guild_id is not None
        return json_response(list(self.state.command_permissions.get(guild_id, {}).values()))

    # ----------------------------------------------------------------- guilds
    async def get_guild(self, request: web.Request) -> web.Response:
        """GET /guilds/{id}."""
        try:
            return json_response(guild_payload(self.state.guild(match_int(request, "guild_id"))))
        except KeyError:
            return unknown("Guild", 10004)

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        """GET /guilds/{id}/channels (threads excluded)."""
        try:
            guild = self.state.guild(match_int(request, "guild_id"))
        except KeyError:
            return unknown("Guild", 10004)
        return json_response([channel_payload(c) for c in guild.channels if not c.is_thread])

    async def get_guild_roles(self, request: web.Request) -> web.Response:
        """GET /guilds/{id}/roles."""
        try:
            guild = self.state.guild(match_int(request, "guild_id"))
        except KeyError:
            return unknown("Guild", 10004)
        return json_response([role_payload(r) for r in guild.roles])

    async def get_member(self, request: web.Request) -> web.Response:
        """GET /guilds/{id}/members/{user_id}."""
        try:
            member = self.state.member(
                match_int(request, "guild_id"), match_int(request, "user_id")
            )
        except KeyError:
            return unknown("Guild", 10004)
        return json_response(member_payload(member)) if member else unknown("Member", 10007)

    # --------------------------------------------------------------- channels
    async def get_channel(self, request: web.Request) -> web.Response:
        """GET /channels/{id}."""
        channel = self.state.channel(match_int(request, "channel_id"))
        if channel is None:
            return unknown("Channel", 10003)
        return json_response(channel_payload(channel, recipients=self.state.dm_recipients(channel)))

    async def edit_channel(self, request: web.Request) -> web.Response:
        """PATCH /channels/{id}: a thread's name, tags, archived and locked flags."""
        channel = self.state.channel(match_int(request, "channel_id"))
        if channel is None:
            return unknown("Channel", 10003)
        body: JSON = dict(body_of(request) or {})
        if "name" in body:
            channel.name = str(body["name"])
        if "applied_tags" in body:
            if not channel.is_thread:
                return error_response(400, "Invalid Form Body", 50035)
            parent = self.state.channel(channel.parent_id or 0)
            known = {int(str(t["id"])) for t in (parent.available_tags if parent else [])}
            tags = [int(t) for t in body["applied_tags"] or []]
            if any(t not in known for t in tags):
                return error_response(400, "Invalid Form Body: unknown tag", 50035)
            channel.applied_tags = tags
        payload = channel_payload(channel, recipients=self.state.dm_recipients(channel))
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        self.messages.gateway.dispatch_soon(event, payload)
        return json_response(payload)

    async def typing(self, request: web.Request) -> web.Response:
        """POST typing, PUT/DELETE own reaction: 204."""
        return no_content()

    async def list_messages(self, request: web.Request) -> web.Response:
        """GET /channels/{id}/messages (newest first, ``limit`` honoured)."""
        channel_id = str(match_int(request, "channel_id"))
        found = [m for m in self.state.messages.values() if m["channel_id"] == channel_id]
        found.sort(key=lambda m: int(m["id"]), reverse=True)
        return json_response(found[: int(request.query.get("limit", "50"))])

    async def create_message(self, request: web.Request) -> web.Response:
        """POST /channels/{id}/messages (JSON or multipart with files)."""
        channel_id = match_int(request, "channel_id")
        payload: JSON = dict(body_of(request) or {})
        files = files_of(request)
        if not (
            payload.get("content") or payload.get("embeds") or payload.get("components") or files
        ):
            return error_response(400, "Cannot send an empty message", 50006)
        message, _ = self.messages.create(channel_id, payload, files, source="channel")
        return json_response(message)

    async def get_message(self, request: web.Request) -> web.Response:
        """GET one stored message."""
        message = self.state.messages.get(match_int(request, "message_id"))
        return json_response(message) if message else unknown("Message", 10008)

    async def edit_message(self, request: web.Request) -> web.Response:
        """PATCH a stored message."""
        payload: JSON = dict(body_of(request) or {})
        result = self.messages.edit(
            match_int(request, "message_id"), payload, files_of(request), source="channel_edit"
        )
        return json_response(result[0]) if result else unknown("Message", 10008)

    async def delete_message(self, request: web.Request) -> web.Response:
        """DELETE a stored message."""
        deleted = self.messages.delete(match_int(request, "message_id"))
        return no_content() if deleted else unknown("Message", 10008)

    async def catch_all(self, request: web.Request) -> web.Response:
        """Anything else: recorded by the middleware and answered 404 JSON."""
        return error_response(
            404, f"404: Not Found (fake has no route {request.method} {request.path})"
        )

    async def get_attachment(self, request: web.Request) -> web.StreamResponse:
        """Serve bytes of an uploaded file (attachment ``url``)."""
        upload = self.state.files.get(match_int(request, "attachment_id"))
        if upload is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=upload.data, content_type=upload.content_type or "application/octet-stream"
        )
