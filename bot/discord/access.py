"""Who may do what on a server: per-server settings (cached) and the admin check.

Admin commands are for the bot's owners, members with Manage Server, members
of the server's admin role (``/config admin-role``), and anyone the server's
Integrations settings grant the command (:mod:`bot.discord.overrides`).
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.discord.overrides import override_allows
from bot.discord.timed import Timed
from bot.querylog.backend import STORE_ERRORS
from bot.querylog.guilds import GuildSettings
from bot.querylog.writer import QueryLog

log = logging.getLogger(__name__)

# How long a server's settings are trusted before they are read again (another
# process may have changed them).
SETTINGS_TTL_SECONDS = 30.0


class Access:
    """Per-server settings and the admin check, for one bot."""

    def __init__(
        self, client: discord.Client, querylog: QueryLog | None, owner_ids: tuple[int, ...]
    ) -> None:
        """Read settings from ``querylog`` (none: every server has the defaults)."""
        self.client = client
        self.querylog = querylog
        self.owner_ids = owner_ids
        self._settings: Timed[GuildSettings] = Timed(SETTINGS_TTL_SECONDS)
        self._overrides: Timed[list[Any]] = Timed(SETTINGS_TTL_SECONDS)

    async def settings_for(self, guild_id: int | None) -> GuildSettings:
        """A server's settings (the defaults for DMs, or when they cannot be read)."""
        if guild_id is None or self.querylog is None:
            return GuildSettings()
        cached = self._settings.fresh(guild_id)
        if cached is not None:
            return cached
        try:
            settings = await self.querylog.guild_settings(guild_id)
        except STORE_ERRORS as exc:
            log.warning("server %s: settings cannot be read (%s); using defaults", guild_id, exc)
            settings = self._settings.last(guild_id) or GuildSettings()
        return self._settings.put(guild_id, settings)

    async def save(self, guild_id: int, settings: GuildSettings) -> None:
        """Store a server's settings; raises :class:`sqlite3.Error` or :class:`OSError`."""
        if self.querylog is None:
            raise OSError("this bot keeps no database")
        await self.querylog.save_guild_settings(guild_id, settings)
        self._settings.put(guild_id, settings)

    async def may_administer(self, interaction: discord.Interaction) -> bool:
        """Whether the user may run admin commands here (see the module's docstring)."""
        if interaction.user.id in self.owner_ids:
            return True
        guild_id = interaction.guild_id
        if guild_id is None:
            return False
        if interaction.permissions.manage_guild:
            return True
        roles = {role.id for role in getattr(interaction.user, "roles", ())}
        settings = await self.settings_for(guild_id)
        if settings.admin_role_id is not None and settings.admin_role_id in roles:
            return True
        if interaction.type is discord.InteractionType.application_command:
            return await self._granted(interaction, guild_id, roles)
        return False

    async def _overrides_of(self, application_id: int, guild_id: int) -> list[Any]:
        """The server's command permission overrides (read at most every
        :data:`SETTINGS_TTL_SECONDS`, at once after Discord says they changed)."""
        cached = self._overrides.fresh(guild_id)
        if cached is not None:
            return cached
        try:
            payload = await self.client.http.get_guild_application_command_permissions(
                application_id, guild_id
            )
        except discord.HTTPException as exc:
            log.info("server %s: command permissions not readable (%s)", guild_id, exc)
            return []
        return self._overrides.put(guild_id, payload if isinstance(payload, list) else [])

    def overrides_changed(self, guild_id: int) -> None:
        """Forget a server's overrides: Discord said they changed."""
        self._overrides.forget(guild_id)

    async def _granted(
        self, interaction: discord.Interaction, guild_id: int, roles: set[int]
    ) -> bool:
        """Whether the server's Integrations settings grant this member the command."""
        data: Any = interaction.data or {}
        application_id = self.client.application_id or interaction.application_id
        payload = await self._overrides_of(application_id, guild_id)
        command_id = data.get("id") if isinstance(data, dict) else None
        return override_allows(
            payload,
            command_id=int(command_id) if command_id else None,
            application_id=int(application_id),
            user_id=interaction.user.id,
            role_ids=roles,
            channel_id=interaction.channel_id,
            guild_id=guild_id,
        )
