"""What the cogs need of the bot, as a protocol: the cogs never import the bot itself.

The bot (:mod:`bot.discord.bot`) loads each cog by name (``setup(bot)``), so
imports run one way: the bot knows the cogs' names, the cogs know only this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import discord
    from discord import app_commands

    from bot.answer.build import Answer
    from bot.discord.access import Access
    from bot.discord.curated import CuratedAnswers
    from bot.discord.ratelimit import RateLimiter
    from bot.querylog.guilds import GuildSettings
    from bot.querylog.replies import ReplyState
    from bot.querylog.writer import QueryLog
    from bot.service import Service
    from bot.settings import Settings


class CorpusBotLike(Protocol):
    """The parts of the bot the cogs use."""

    settings: Settings
    service: Service
    querylog: QueryLog | None
    limiter: RateLimiter
    guild_limiter: RateLimiter
    tree: app_commands.CommandTree[discord.Client]
    access: Access
    curated: CuratedAnswers
    intents: discord.Intents

    @property
    def user(self) -> discord.ClientUser | None:
        """The bot's own user once logged in."""

    async def update_presence(self) -> None:
        """Set the presence line from the corpus's topics."""

    async def record_vote(
        self, message_id: int, user_id: int, vote: int, question: str, top_id: str | None
    ) -> str:
        """Store a vote; the reply tells the voter what happened."""

    async def handle_owner_message(self, message: discord.Message, text: str) -> bool:
        """Owner commands in mentions (``@Bot sync``); True when handled."""

    def remember_reply(
        self, key: str, answer: Answer, user_id: int, guild_id: int | None, channel_id: int | None
    ) -> None:
        """Keep what a new reply's buttons need until the log has it."""

    async def reply_state(self, key: str) -> ReplyState | None:
        """The question behind a reply's buttons, or None once it is gone."""

    def is_asker(self, state: ReplyState, user_id: int) -> bool:
        """Whether ``user_id`` asked the question behind ``state``."""

    async def page(self, state: ReplyState, k: int) -> Answer:
        """The question behind ``state`` answered again with ``k`` results."""

    async def vote_counts(self, message_id: int) -> tuple[int, int] | None:
        """Thumbs up and down on an answer message (None if the log cannot say)."""

    async def may_administer(self, interaction: discord.Interaction) -> bool:
        """Whether the user may run admin commands and act on others' answers here."""

    async def guild_settings(self, guild_id: int | None) -> GuildSettings:
        """A server's settings (the defaults in DMs)."""

    def shard_latencies(self) -> list[tuple[int, float]]:
        """Each shard of this process with its gateway latency in seconds."""

    async def claim_post(self, post_id: int, forum_id: int) -> bool:
        """Whether this process may answer a help post (False: answered already)."""

    async def forget_user(self, user_id: int) -> int:
        """Delete everything logged about one person; returns how many rows went."""
