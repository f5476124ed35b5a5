"""Creating, editing and deleting the bot's messages, with recording and gateway echo."""

from __future__ import annotations

import copy

from .builders import JSON, iso_now, user_payload
from .gateway import INTENT_DIRECT_MESSAGES, INTENT_GUILD_MESSAGES, FakeGateway
from .recorder import EventLog, InteractionRecord, MessageRecord, UploadedFile
from .state import FakeState

EPHEMERAL = 1 << 6
LOADING = 1 << 7


class MessageService:
    """Applies the bot's message operations to the store and records them."""

    def __init__(self, state: FakeState, gateway: FakeGateway) -> None:
        self.state = state
        self.gateway = gateway

    def create(
        self,
        channel_id: int,
        request: JSON,
        files: list[UploadedFile],
        *,
        source: str,
        interaction: InteractionRecord | None = None,
        log: EventLog[MessageRecord] | None = None,
    ) -> tuple[JSON, MessageRecord]:
        """Store a new bot message; record it in ``log`` (default: ``state.created``)."""
        message = self.state.build_bot_message(channel_id, request, files)
        if interaction is not None:
            self._mark_interaction(message, interaction)
        record = self._record(message, request, files, source, interaction)
        (self.state.created if log is None else log).append(record)
        self._echo("MESSAGE_CREATE", message)
        return message, record

    def create_silently(
        self, channel_id: int, request: JSON, interaction: InteractionRecord
    ) -> JSON:
        """Store a message without recording it (the deferred 'thinking' placeholder)."""
        message = self.state.build_bot_message(channel_id, request, [])
        self._mark_interaction(message, interaction)
        self._echo("MESSAGE_CREATE", message)
        return message

    def edit(
        self,
        message_id: int,
        request: JSON,
        files: list[UploadedFile],
        *,
        source: str,
        interaction: InteractionRecord | None = None,
        log: EventLog[MessageRecord] | None = None,
    ) -> tuple[JSON, MessageRecord] | None:
        """Edit a stored message; record it in ``log`` (default: ``state.edits``)."""
        message = self.state.messages.get(int(message_id))
        if message is None:
            return None
        self.state.apply_message_fields(message, request, files)
        message["edited_timestamp"] = iso_now()
        record = self._record(message, request, files, source, interaction)
        (self.state.edits if log is None else log).append(record)
        self._echo("MESSAGE_UPDATE", message)
        return message, record

    def delete(self, message_id: int) -> bool:
        """Remove a stored message; False if it did not exist."""
        message = self.state.messages.pop(int(message_id), None)
        if message is None:
            return False
        event: JSON = {"id": message["id"], "channel_id": message["channel_id"]}
        if message.get("guild_id"):
            event["guild_id"] = message["guild_id"]
        self._echo("MESSAGE_DELETE", event, flags=int(message.get("flags") or 0))
        return True

    def _record(
        self,
        message: JSON,
        request: JSON,
        files: list[UploadedFile],
        source: str,
        interaction: InteractionRecord | None,
    ) -> MessageRecord:
        interaction_id = interaction.id if interaction else None
        return MessageRecord(
            copy.deepcopy(message), dict(request), list(files), source, interaction_id
        )

    def _mark_interaction(self, message: JSON, interaction: InteractionRecord) -> None:
        user = user_payload(self.state.user(interaction.user_id))
        metadata: JSON = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": user,
            "authorizing_integration_owners": interaction.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        if interaction.original_message_id is not None:
            metadata["original_response_message_id"] = str(interaction.original_message_id)
        component_message = interaction.payload.get("message")
        if component_message:
            metadata["interacted_message_id"] = component_message["id"]
        message["interaction_metadata"] = metadata
        message["webhook_id"] = str(self.state.config.application_id)
        message["application_id"] = str(self.state.config.application_id)
        if interaction.type == 2:
            name = interaction.payload.get("data", {}).get("name", "")
            message["interaction"] = {
                "id": str(interaction.id),
                "type": 2,
                "name": name,
                "user": user,
            }

    def _echo(self, event: str, message: JSON, *, flags: int | None = None) -> None:
        if not self.state.config.echo_own_messages:
            return
        if (flags if flags is not None else int(message.get("flags") or 0)) & EPHEMERAL:
            return
        needed = INTENT_GUILD_MESSAGES if message.get("guild_id") else INTENT_DIRECT_MESSAGES
        if self.gateway.intents & needed:
            self.gateway.dispatch_soon(event, copy.deepcopy(message))
