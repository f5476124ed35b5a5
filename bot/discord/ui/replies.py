"""Private replies shared by commands, buttons and the error handler."""

from __future__ import annotations

import contextlib
import logging

import discord

log = logging.getLogger(__name__)

ERROR_MESSAGE = "Sorry \u2014 something went wrong while answering. The error was logged."


async def send_private(interaction: discord.Interaction, message: str) -> None:
    """Send an ephemeral message whether or not the interaction was answered yet."""
    try:
        if interaction.response.type == discord.InteractionResponseType.deferred_channel_message:
            # a public "thinking…" placeholder: remove it so the error stays private
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
            await interaction.followup.send(message, ephemeral=True)
        elif interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except (TimeoutError, discord.HTTPException):
        log.warning("could not tell the user about an error", exc_info=True)
