"""``/config``: a server's own settings — where the bot answers, the channels it answers
without a mention, and a role that may run its admin commands.

Like every admin command, hidden by default from members without Manage Server
(Discord's Integrations settings can grant it to others) and checked again at
run time (:class:`~bot.discord.access.Access`). The settings are kept in the
database, so they hold across restarts and for every process of the bot.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.admin import NOT_ALLOWED
from bot.discord.ui.embeds import COLOUR_ADMIN
from bot.querylog.backend import STORE_ERRORS
from bot.querylog.guilds import CHANNELS_MAX, GuildSettings

if TYPE_CHECKING:
    from bot.discord.context import CorpusBotLike

log = logging.getLogger(__name__)

Channel = discord.TextChannel | discord.ForumChannel
NEEDS_INTENT = (
    "The bot runs without the Message Content intent, so it cannot read these channels "
    "yet: enable the intent in the Developer Portal (Bot → Privileged Gateway Intents), "
    "then restart the bot."
)


def _channels(ids: frozenset[int]) -> str:
    return ", ".join(f"<#{c}>" for c in sorted(ids))


def describe(settings: GuildSettings, global_auto: tuple[int, ...]) -> discord.Embed:
    """The ``/config show`` embed for one server."""
    embed = discord.Embed(title="Settings for this server", colour=COLOUR_ADMIN)
    embed.add_field(
        name="Answers in",
        value=_channels(settings.answer_channels) or "every channel",
        inline=False,
    )
    auto = settings.auto_answer_channels | frozenset(global_auto)
    value = _channels(auto) or "no channel (answers need /ask or a mention)"
    embed.add_field(name="Answers without a mention in", value=value, inline=False)
    role = f"<@&{settings.admin_role_id}>" if settings.admin_role_id else "none"
    embed.add_field(name="Admin role (beside Manage Server)", value=role, inline=False)
    return embed


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ConfigCog(commands.GroupCog, group_name="config", group_description="This server's settings"):
    """``/config show|answer-in|auto-answer|admin-role``."""

    def __init__(self, bot: CorpusBotLike) -> None:
        """Attach to ``bot``."""
        self.bot = bot
        super().__init__()

    async def _allowed(self, interaction: discord.Interaction) -> bool:
        if await self.bot.may_administer(interaction):
            return True
        log.warning("user %s was refused /config", interaction.user.id)
        await interaction.response.send_message(NOT_ALLOWED, ephemeral=True)
        return False

    async def _change(
        self, interaction: discord.Interaction, change: dict[str, object], done: str
    ) -> None:
        """Apply ``change`` to the server's settings, save, and say ``done``."""
        if not await self._allowed(interaction):
            return
        assert interaction.guild_id is not None  # guild_only
        current = await self.bot.guild_settings(interaction.guild_id)
        updated = dataclasses.replace(current, **change)  # type: ignore[arg-type]
        try:
            await self.bot.access.save(interaction.guild_id, updated)
        except STORE_ERRORS as exc:
            await interaction.response.send_message(
                f"The settings cannot be saved right now: {exc}", ephemeral=True
            )
            return
        embed = describe(updated, self.bot.settings.discord.auto_answer_channels)
        await interaction.response.send_message(done, embed=embed, ephemeral=True)

    @app_commands.command(name="show", description="Show this server's settings")
    async def show(self, interaction: discord.Interaction) -> None:
        """The server's settings, privately."""
        if not await self._allowed(interaction):
            return
        settings = await self.bot.guild_settings(interaction.guild_id)
        embed = describe(settings, self.bot.settings.discord.auto_answer_channels)
        note = NEEDS_INTENT if self._needs_intent(settings) else None
        await interaction.response.send_message(note, embed=embed, ephemeral=True)

    def _needs_intent(self, settings: GuildSettings) -> bool:
        return bool(settings.auto_answer_channels) and not self.bot.intents.message_content

    async def _toggle(
        self,
        interaction: discord.Interaction,
        field: str,
        channel: Channel,
        enabled: bool,
        done: str,
    ) -> None:
        """Add ``channel`` to the server's list ``field``, or take it off, and say ``done``."""
        current = await self.bot.guild_settings(interaction.guild_id)
        channels = _toggled(getattr(current, field), channel.id, enabled)
        if channels is None:
            await interaction.response.send_message(TOO_MANY, ephemeral=True)
            return
        await self._change(interaction, {field: channels}, done)

    @app_commands.command(name="answer-in", description="Answer in a channel, or stop")
    @app_commands.describe(
        channel="The channel (threads count with their channel)",
        enabled="True: answer there; False: not there. With no channel left, everywhere.",
    )
    async def answer_in(
        self, interaction: discord.Interaction, channel: Channel, enabled: bool
    ) -> None:
        """Add a channel to the allow-list, or take it off."""
        done = f"{'Answering' if enabled else 'Not answering'} in {channel.mention}."
        await self._toggle(interaction, "answer_channels", channel, enabled, done)

    @app_commands.command(
        name="auto-answer", description="Answer questions in a channel without a mention"
    )
    @app_commands.describe(
        channel="A forum (each new post) or a text channel (each question)",
        enabled="True: answer there when confident; False: stop",
    )
    async def auto_answer(
        self, interaction: discord.Interaction, channel: Channel, enabled: bool
    ) -> None:
        """Turn auto-answer on or off for a channel."""
        done = f"Auto-answer {'on' if enabled else 'off'} in {channel.mention}."
        if enabled and not self.bot.intents.message_content:
            done += " " + NEEDS_INTENT
        await self._toggle(interaction, "auto_answer_channels", channel, enabled, done)

    @app_commands.command(name="admin-role", description="A role that may run admin commands")
    @app_commands.describe(role="The role (leave out to clear it)")
    async def admin_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        """Set or clear the admin role."""
        done = f"Admin role: {role.mention}." if role else "Admin role cleared."
        await self._change(interaction, {"admin_role_id": role.id if role else None}, done)


TOO_MANY = f"At most {CHANNELS_MAX} channels can be listed."


def _toggled(ids: frozenset[int], channel_id: int, enabled: bool) -> frozenset[int] | None:
    """``ids`` with the channel added or removed (None: the list would be too long)."""
    changed = ids | {channel_id} if enabled else ids - {channel_id}
    return changed if len(changed) <= CHANNELS_MAX else None


async def setup(bot: commands.Bot) -> None:
    """Add this module's cog to ``bot`` (``bot.load_extension`` calls it)."""
    await bot.add_cog(ConfigCog(cast("CorpusBotLike", bot)))
