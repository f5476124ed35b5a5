"""``/faq``: a server's curated answers. Anyone can post one (``/faq show``, with
autocomplete); admins add, edit, remove, list, export and import them. A
question that matches a curated answer well gets it first, marked as curated
(:mod:`bot.discord.curated`)."""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer.curated import Curated
from bot.discord.cogs.admin import NOT_ALLOWED
from bot.discord.cogs.ask import CHOICE_MAX
from bot.discord.ui.embeds import curated_embed, cut, escape
from bot.querylog.backend import STORE_ERRORS, Connection
from bot.querylog.faqs import (
    LINK_MAX,
    NAME_MAX,
    TEXT_MAX,
    FaqError,
    add_faq,
    checked,
    edit_faq,
    export_text,
    find_faq,
    import_faqs,
    parse_export,
    remove_faq,
    tidy_name,
)

if TYPE_CHECKING:
    from bot.discord.context import CorpusBotLike

log = logging.getLogger(__name__)

AUTOCOMPLETE_MAX = 25
IMPORT_BYTES_MAX = 512 * 1024
NO_DATABASE = "This bot keeps no database, so it has no curated answers."
# A change to one server's curated answers (connection, server id).
Change = Callable[[Connection, int], Awaitable[object]]
UNAVAILABLE = "Sorry \u2014 the curated answers cannot be reached right now; try again later."


@app_commands.guild_only()
class FaqCog(commands.GroupCog, group_name="faq", group_description="Curated answers"):
    """``/faq show|add|edit|remove|list|export|import``."""

    def __init__(self, bot: CorpusBotLike) -> None:
        """Attach to ``bot``."""
        self.bot = bot
        super().__init__()

    async def _entries(self, interaction: discord.Interaction) -> list[Curated] | None:
        """The server's entries, or None after telling the user why there are none."""
        if self.bot.querylog is None:
            await interaction.response.send_message(NO_DATABASE, ephemeral=True)
            return None
        return await self.bot.curated.entries(interaction.guild_id)

    async def _admin(self, interaction: discord.Interaction) -> bool:
        if self.bot.querylog is None:
            await interaction.response.send_message(NO_DATABASE, ephemeral=True)
            return False
        if await self.bot.may_administer(interaction):
            return True
        await interaction.response.send_message(NOT_ALLOWED, ephemeral=True)
        return False

    async def _store(self, interaction: discord.Interaction, change: Change, done: str) -> None:
        """Run ``change`` on the database and report it privately."""
        assert self.bot.querylog is not None and interaction.guild_id is not None  # guild_only
        try:
            async with self.bot.querylog.connection() as db:
                await change(db, interaction.guild_id)
        except FaqError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        except STORE_ERRORS:
            log.exception("curated answers could not be changed")
            await interaction.response.send_message(UNAVAILABLE, ephemeral=True)
            return
        self.bot.curated.changed(interaction.guild_id)
        await interaction.response.send_message(done, ephemeral=True)

    @app_commands.command(name="show", description="Post one of this server's curated answers")
    @app_commands.describe(name="Which one (start typing)")
    async def show(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, NAME_MAX]
    ) -> None:
        """Post a curated answer in the channel, for everyone."""
        entries = await self._entries(interaction)
        if entries is None:
            return
        entry = find_faq(entries, name)
        if entry is None:
            message = f"There is no curated answer named \u201c{escape(cut(name, 100))}\u201d."
            await interaction.response.send_message(message, ephemeral=True)
            return
        await interaction.response.send_message(
            embed=curated_embed(entry), allowed_mentions=discord.AllowedMentions.none()
        )

    @show.autocomplete("name")
    async def name_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Names of the server's curated answers containing what was typed."""
        entries = await self.bot.curated.entries(interaction.guild_id)
        typed = current.casefold().strip()
        names = [e.name for e in entries if typed in e.name.casefold()]
        return [
            app_commands.Choice(name=cut(n, CHOICE_MAX), value=n[:CHOICE_MAX])
            for n in names[:AUTOCOMPLETE_MAX]
        ]

    @app_commands.command(name="add", description="Add a curated answer (admins)")
    @app_commands.describe(
        name="A short name, e.g. reset password", text="The answer", link="A link"
    )
    async def add(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, NAME_MAX],
        text: app_commands.Range[str, 1, TEXT_MAX],
        link: app_commands.Range[str, 0, LINK_MAX] | None = None,
    ) -> None:
        """Store a new curated answer."""
        if not await self._admin(interaction):
            return
        try:
            entry = checked(name, text, link)
        except FaqError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        await self._store(
            interaction,
            lambda db, guild: add_faq(db, guild, entry),
            f"Added \u201c{escape(entry.name)}\u201d.",
        )

    @app_commands.command(name="edit", description="Change a curated answer (admins)")
    @app_commands.describe(
        name="Which one",
        text="The new answer (leave out to keep it)",
        link="The new link (leave out to keep it; none removes it)",
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, NAME_MAX],
        text: app_commands.Range[str, 1, TEXT_MAX] | None = None,
        link: app_commands.Range[str, 0, LINK_MAX] | None = None,
    ) -> None:
        """Change a curated answer's text or link."""
        if not await self._admin(interaction):
            return
        shown = escape(cut(tidy_name(name), 100))
        await self._store(
            interaction,
            lambda db, guild: edit_faq(db, guild, name, text, link),
            f"Changed \u201c{shown}\u201d.",
        )

    @app_commands.command(name="remove", description="Delete a curated answer (admins)")
    @app_commands.describe(name="Which one")
    async def remove(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, NAME_MAX]
    ) -> None:
        """Delete a curated answer."""
        if not await self._admin(interaction):
            return
        await self._store(
            interaction,
            lambda db, guild: remove_faq(db, guild, name),
            f"Removed \u201c{escape(cut(name, 100))}\u201d.",
        )

    edit.autocomplete("name")(name_choices)
    remove.autocomplete("name")(name_choices)

    @app_commands.command(name="list", description="List this server's curated answers (admins)")
    async def list_(self, interaction: discord.Interaction) -> None:
        """The names of the server's curated answers, privately."""
        if not await self._admin(interaction):
            return
        entries = await self.bot.curated.entries(interaction.guild_id)
        if not entries:
            await interaction.response.send_message(
                "No curated answers yet: add one with `/faq add`.", ephemeral=True
            )
            return
        lines = [f"\u2022 {escape(e.name)}" for e in entries]
        text = f"{len(entries)} curated answers:\n" + "\n".join(lines)
        await interaction.response.send_message(cut(text, 2000), ephemeral=True)

    @app_commands.command(name="export", description="Download the curated answers (admins)")
    async def export(self, interaction: discord.Interaction) -> None:
        """The server's curated answers as a JSON file, privately."""
        if not await self._admin(interaction):
            return
        entries = await self.bot.curated.entries(interaction.guild_id)
        data = export_text(entries).encode("utf-8")
        file = discord.File(io.BytesIO(data), filename="faq.json")
        note = f"{len(entries)} curated answers. `/faq import` reads this file back."
        await interaction.response.send_message(note, file=file, ephemeral=True)

    @app_commands.command(name="import", description="Add curated answers from an export (admins)")
    @app_commands.describe(file="A faq.json from /faq export; same names are replaced")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """Add or replace curated answers from an export file."""
        if not await self._admin(interaction):
            return
        if file.size > IMPORT_BYTES_MAX:
            await interaction.response.send_message(
                f"That file is too large (at most {IMPORT_BYTES_MAX // 1024} KB).", ephemeral=True
            )
            return
        try:
            entries = parse_export(await file.read())
        except FaqError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        except discord.HTTPException:
            await interaction.response.send_message("That file cannot be read.", ephemeral=True)
            return
        await self._store(
            interaction,
            lambda db, guild: import_faqs(db, guild, entries),
            f"Imported {len(entries)} curated answers.",
        )


async def setup(bot: commands.Bot) -> None:
    """Add this module's cog to ``bot`` (``bot.load_extension`` calls it)."""
    await bot.add_cog(FaqCog(cast("CorpusBotLike", bot)))
