"""What the cogs need of the bot, as a protocol: the cogs never import the bot itself.

The bot (:mod:`bot.discord.bot`) loads each cog by name (``setup(bot)``), so
imports run one way: the bot knows the cogs' names, the cogs know only this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import discord

    from bot.discord.ratelimit import RateLimiter
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
