"""Admin commands: ``/reindex`` (and the owner's ``@Bot sync``).

Hidden by default from members without Manage Server (``default_permissions``)
and checked again here at run time, because server admins can change who sees
a command: only Manage Server in that channel, or an owner id from settings,
may run them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.embeds import report_embed

if TYPE_CHECKING:
    from bot.discord.client import CorpusBot

log = logging.getLogger(__name__)

NOT_ALLOWED = "Only server admins (Manage Server) can do that."


def is_admin(interaction: discord.Interaction, owner_ids: tuple[int, ...]) -> bool:
    """Whether the user may run admin commands here."""
    if interaction.user.id in owner_ids:
        return True
    return interaction.guild is not None and interaction.permissions.manage_guild


class AdminCog(commands.Cog):
    """Commands for server admins and the bot's owners."""

    def __init__(self, bot: CorpusBot) -> None:
        """Attach to ``bot``."""
        self.bot = bot

    async def _refuse(self, interaction: discord.Interaction) -> bool:
        if is_admin(interaction, self.bot.settings.discord.owner_ids):
            return False
        log.warning("user %s was refused an admin command", interaction.user.id)
        await interaction.response.send_message(NOT_ALLOWED, ephemeral=True)
        return True

    @app_commands.command(name="reindex", description="Rebuild the index from the corpus folder")
    @app_commands.default_permissions(manage_guild=True)
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Rebuild the index off the event loop and report what changed."""
        if await self._refuse(interaction):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.bot.service.reindex()
        await interaction.followup.send(embed=report_embed(report), ephemeral=True)
        if report.ok:
            await self.bot.update_presence()
