"""Interaction callbacks and the interaction webhook (followups, @original)."""

from __future__ import annotations

from aiohttp import web

from .builders import JSON
from .messaging import EPHEMERAL, LOADING, MessageService
from .recorder import InteractionRecord, UploadedFile
from .responses import API_PREFIX, error_response, json_response, no_content, truthy, unknown
from .rest import body_of, files_of, match_int
from .state import FakeState

WEBHOOK = API_PREFIX + "/webhooks/{app_id}/{token}"
MESSAGE_TYPES = (4, 5, 6, 7)


class InteractionApi:
    """Handlers for POST /interactions/{id}/{token}/callback and /webhooks/{app}/{token}."""

    def __init__(self, state: FakeState, messages: MessageService) -> None:
        self.state = state
        self.messages = messages

    def routes(self) -> list[web.RouteDef]:
        """The route table."""
        return [
            web.post(API_PREFIX + "/interactions/{interaction_id}/{token}/callback", self.callback),
            web.post(WEBHOOK, self.followup),
            web.get(WEBHOOK + "/messages/{message_id}", self.get_message),
            web.patch(WEBHOOK + "/messages/{message_id}", self.edit_message),
            web.delete(WEBHOOK + "/messages/{message_id}", self.delete_message),
        ]

    # --------------------------------------------------------------- callback
    async def callback(self, request: web.Request) -> web.Response:
        """Respond to an interaction (types 1, 4-10); honours ``with_response``."""
        interaction = self.state.interactions.get(match_int(request, "interaction_id"))
        if interaction is None or interaction.token != request.match_info["token"]:
            return unknown("interaction", 10062)
        if interaction.responded:
            return error_response(400, "Interaction has already been acknowledged.", 40060)
        body: JSON = dict(body_of(request) or {})
        kind = int(body.get("type", 0))
        message = self._apply_callback(
            interaction, kind, dict(body.get("data") or {}), files_of(request)
        )
        interaction.callback.set_result(body)
        if not truthy(request.query.get("with_response")):
            return no_content()
        return json_response(self._callback_response(interaction, kind, message))

    def _apply_callback(
        self, interaction: InteractionRecord, kind: int, data: JSON, files: list[UploadedFile]
    ) -> JSON | None:
        if kind == 4:
            message, _ = self.messages.create(
                interaction.channel_id, data, files, source="callback", interaction=interaction
            )
        elif kind == 5:
            placeholder = {
                "content": "",
                "flags": LOADING | (int(data.get("flags") or 0) & EPHEMERAL),
            }
            message = self.messages.create_silently(
                interaction.channel_id, placeholder, interaction
            )
        elif kind in (6, 7):
            return self._update_component_message(interaction, kind, data, files)
        else:
            return None
        interaction.original_message_id = int(message["id"])
        return message

    def _update_component_message(
        self, interaction: InteractionRecord, kind: int, data: JSON, files: list[UploadedFile]
    ) -> JSON | None:
        source = interaction.payload.get("message")
        if not source:
            return None
        interaction.original_message_id = int(source["id"])
        if kind == 6:
            return self.state.messages.get(int(source["id"]))
        result = self.messages.edit(
            int(source["id"]), data, files, source="callback", interaction=interaction
        )
        return result[0] if result else None

    def _callback_response(
        self, interaction: InteractionRecord, kind: int, message: JSON | None
    ) -> JSON:
        flags = int(message.get("flags") or 0) if message else 0
        info: JSON = {
            "id": str(interaction.id),
            "type": interaction.type,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        }
        if message is not None:
            info["response_message_id"] = message["id"]
        response: JSON = {"interaction": info}
        if kind in MESSAGE_TYPES:
            response["resource"] = {
                "type": kind,
                **({"message": message} if message and kind != 6 else {}),
            }
        return response

    # ---------------------------------------------------------------- webhook
    def _interaction(self, request: web.Request) -> InteractionRecord | None:
        if match_int(request, "app_id") != self.state.config.application_id:
            return None
        token = request.match_info["token"]
        return next((i for i in self.state.interactions.values() if i.token == token), None)

    def _message_id(self, request: web.Request, interaction: InteractionRecord) -> int | None:
        raw = request.match_info["message_id"]
        return (
            interaction.original_message_id
            if raw == "@original"
            else match_int(request, "message_id")
        )

    async def followup(self, request: web.Request) -> web.Response:
        """POST a followup; the first one after a defer replaces the 'thinking' message."""
        interaction = self._interaction(request)
        if interaction is None or not interaction.responded:
            return unknown("Webhook", 10015)
        payload: JSON = dict(body_of(request) or {})
        files = files_of(request)
        message = self._replace_placeholder(interaction, payload, files)
        if message is None:
            channel_id = int(request.query.get("thread_id") or interaction.channel_id)
            message, record = self.messages.create(
                channel_id,
                payload,
                files,
                source="followup",
                interaction=interaction,
                log=interaction.followups,
            )
            self.state.created.append(record)
        return json_response(message) if truthy(request.query.get("wait")) else no_content()

    def _replace_placeholder(
        self, interaction: InteractionRecord, payload: JSON, files: list[UploadedFile]
    ) -> JSON | None:
        original = self.state.messages.get(interaction.original_message_id or 0)
        if original is None or not int(original.get("flags") or 0) & LOADING:
            return None
        request = {**payload, "flags": int(original["flags"]) & EPHEMERAL}
        result = self.messages.edit(
            int(original["id"]),
            request,
            files,
            source="followup",
            interaction=interaction,
            log=interaction.followups,
        )
        assert result is not None
        self.state.created.append(result[1])
        return result[0]

    async def get_message(self, request: web.Request) -> web.Response:
        """GET /webhooks/{app}/{token}/messages/{id|@original}."""
        interaction = self._interaction(request)
        if interaction is None:
            return unknown("Webhook", 10015)
        message = self.state.messages.get(self._message_id(request, interaction) or 0)
        return json_response(message) if message else unknown("Message", 10008)

    async def edit_message(self, request: web.Request) -> web.Response:
        """PATCH an interaction message; editing a 'thinking' message completes it."""
        interaction = self._interaction(request)
        if interaction is None:
            return unknown("Webhook", 10015)
        message_id = self._message_id(request, interaction) or 0
        payload: JSON = dict(body_of(request) or {})
        current = self.state.messages.get(message_id)
        if current is not None and int(current.get("flags") or 0) & LOADING:
            payload.setdefault("flags", int(current["flags"]) & ~LOADING)
        log = interaction.edits if message_id == interaction.original_message_id else None
        result = self.messages.edit(
            message_id,
            payload,
            files_of(request),
            source="webhook_edit",
            interaction=interaction,
            log=log,
        )
        if result is None:
            return unknown("Message", 10008)
        if log is not None:
            self.state.edits.append(result[1])
        return json_response(result[0])

    async def delete_message(self, request: web.Request) -> web.Response:
        """DELETE an interaction message."""
        interaction = self._interaction(request)
        if interaction is None:
            return unknown("Webhook", 10015)
        deleted = self.messages.delete(self._message_id(request, interaction) or 0)
        return no_content() if deleted else unknown("Message", 10008)
