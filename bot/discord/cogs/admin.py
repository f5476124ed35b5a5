"""Admin commands ``/reindex`` and ``/stats``, and everyone's ``/forget-me``.

Hidden by default from members without Manage Server (``default_permissions``)
and checked again here at run time, because server admins can change who sees
a command: only Manage Server in that channel, or an owner id from settings,
may run them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.ui.embeds import report_embed, stats_embed
from bot.querylog.backend import STORE_ERRORS, Database
from bot.querylog.chart import render_chart
from bot.querylog.export import review_rows_from, to_csv
from bot.querylog.stats import read_stats_from
from bot.querylog.writer import database_for

if TYPE_CHECKING:
    from bot.discord.context import CorpusBotLike
    from bot.service import Service

log = logging.getLogger(__name__)

T = TypeVar("T")
NOT_ALLOWED = "Only server admins (Manage Server) can do that."
# How often a long /reindex's reply is edited with its progress.
PROGRESS_SECONDS = 3.0


class ProgressEdits:
    """Edits a ``/reindex`` reply every :data:`PROGRESS_SECONDS` with how far the build
    is (files read and analysed, of how many), while it runs."""

    def __init__(
        self, interaction: discord.Interaction, service: Service, every: float = PROGRESS_SECONDS
    ) -> None:
        """Follow ``service``'s build in ``interaction``'s reply, every ``every`` seconds."""
        self.interaction = interaction
        self.service = service
        self.every = every
        self.edited = False
        self._shown = ""

    async def run(self) -> None:
        """Edit until cancelled (a failed edit is logged; the next one may work)."""
        while True:
            await asyncio.sleep(self.every)
            progress = self.service.progress
            text = progress.describe() if progress is not None else ""
            if not text or text == self._shown:
                continue
            try:
                await self.interaction.edit_original_response(content=text)
            except discord.HTTPException as exc:
                log.warning("could not show reindex progress: %s", exc)
                continue
            self._shown, self.edited = text, True


class AdminCog(commands.Cog):
    """Commands for server admins and the bot's owners."""

    def __init__(self, bot: CorpusBotLike) -> None:
        """Attach to ``bot``."""
        self.bot = bot
        self.progress_seconds = PROGRESS_SECONDS  # how often /reindex shows its progress

    async def _refuse(self, interaction: discord.Interaction) -> bool:
        if await self.bot.may_administer(interaction):
            return False
        log.warning("user %s was refused an admin command", interaction.user.id)
        await interaction.response.send_message(NOT_ALLOWED, ephemeral=True)
        return True

    @app_commands.command(name="reindex", description="Rebuild the index from the corpus folder")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()  # a server's admin command: not offered in DMs
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Rebuild the index off the event loop and report what changed."""
        if await self._refuse(interaction):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        progress = ProgressEdits(interaction, self.bot.service, self.progress_seconds)
        shown = asyncio.create_task(progress.run())
        try:
            report = await self.bot.service.reindex()
        finally:
            shown.cancel()
            await asyncio.gather(shown, return_exceptions=True)
        if progress.edited:  # the progress message becomes the report
            await interaction.edit_original_response(content="", embed=report_embed(report))
        else:
            await interaction.followup.send(embed=report_embed(report), ephemeral=True)
        if report.ok:
            await self.bot.update_presence()

    @app_commands.command(name="stats", description="What people ask: totals, gaps, latency")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()  # a server's admin command: not offered in DMs
    @app_commands.describe(
        days="How many days back (default 30)",
        show="The summary with a chart, or the unanswered and voted-down questions as CSV",
    )
    @app_commands.choices(
        show=[
            app_commands.Choice(name="summary", value="summary"),
            app_commands.Choice(name="unanswered", value="unanswered"),
        ]
    )
    async def stats(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, 3650] = 30,
        show: str = "summary",
    ) -> None:
        """The query log summary with a chart, or what needs review as CSV, privately."""
        if await self._refuse(interaction):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).date().isoformat()
        if self.bot.querylog is not None:
            await self.bot.querylog.flush()
        if show == "unanswered":
            await self._review(interaction, since, days)
            return
        try:
            summary = await self._with_database(lambda db: read_stats_from(db, since))
            png = await asyncio.to_thread(render_chart, summary)
        except STORE_ERRORS as exc:
            await interaction.followup.send(f"The query log cannot be read: {exc}", ephemeral=True)
            return
        if self.bot.querylog is not None:  # losses no ledger could hold, known only here
            summary.lost_rows += self.bot.querylog.unrecorded
        embed = stats_embed(summary, days, self.bot.shard_latencies())
        embed.set_image(url="attachment://stats.png")
        chart = discord.File(io.BytesIO(png), filename="stats.png")
        await interaction.followup.send(embed=embed, file=chart, ephemeral=True)

    async def _with_database(self, read: Callable[[Database], Awaitable[T]]) -> T:
        """``read`` on the log's database (the settings' one when the bot keeps no log)."""
        if self.bot.querylog is not None:
            return await read(self.bot.querylog.database)
        database = database_for(self.bot.settings)
        try:
            return await read(database)
        finally:
            await database.close()

    async def _review(self, interaction: discord.Interaction, since: str, days: int) -> None:
        """The unanswered questions and voted-down answers of the period, as a CSV file."""
        try:
            rows = await self._with_database(lambda db: review_rows_from(db, since))
        except STORE_ERRORS as exc:
            await interaction.followup.send(f"The query log cannot be read: {exc}", ephemeral=True)
            return
        count = len(rows)
        if not rows:
            message = (
                f"Nothing to review in the last {days} days: "
                "no unanswered questions, no answers voted down."
            )
            await interaction.followup.send(message, ephemeral=True)
            return
        text = to_csv(rows)
        data = discord.File(io.BytesIO(text.encode("utf-8")), filename="unanswered.csv")
        note = f"{count} to review from the last {days} days (unanswered, and answers voted down)."
        await interaction.followup.send(note, file=data, ephemeral=True)


class PrivacyCog(commands.Cog):
    """``/forget-me``: anyone can delete what the bot logged about them."""

    def __init__(self, bot: CorpusBotLike) -> None:
        """Attach to ``bot``."""
        self.bot = bot

    @app_commands.command(
        name="forget-me", description="Delete your questions and votes from the log"
    )
    async def forget_me(self, interaction: discord.Interaction) -> None:
        """Delete the caller's rows and say how many went."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        if self.bot.querylog is None:
            await self.bot.forget_user(interaction.user.id)
            await interaction.followup.send("This bot keeps no log.", ephemeral=True)
            return
        try:
            removed = await self.bot.forget_user(interaction.user.id)
        except STORE_ERRORS:
            log.exception("forget-me failed")
            await interaction.followup.send(
                "Sorry \u2014 the log cannot be changed right now; please try again later.",
                ephemeral=True,
            )
            return
        await interaction.followup.send(
            f"Done: {removed} entries about you were deleted from the log.", ephemeral=True
        )


async def setup(bot: commands.Bot) -> None:
    """Add this module's cogs to ``bot`` (``bot.load_extension`` calls it)."""
    await bot.add_cog(AdminCog(cast("CorpusBotLike", bot)))
    await bot.add_cog(PrivacyCog(cast("CorpusBotLike", bot)))
