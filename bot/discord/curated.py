"""A server's curated answers as the bot uses them: cached, matched to questions, and
put first in a reply."""

from __future__ import annotations

import logging

import discord

from bot.answer.build import Answer
from bot.answer.curated import Curated, CuratedTerms, best_curated, terms_of
from bot.discord.timed import Timed
from bot.discord.ui.embeds import curated_embed
from bot.querylog.backend import STORE_ERRORS
from bot.querylog.faqs import list_faqs
from bot.querylog.writer import QueryLog

log = logging.getLogger(__name__)

FAQ_TTL_SECONDS = 30.0


class CuratedAnswers:
    """Each server's curated answers, read from the database at most every
    :data:`FAQ_TTL_SECONDS` (at once after a change made here)."""

    def __init__(self, querylog: QueryLog | None) -> None:
        """Read from ``querylog``'s database (none: no curated answers)."""
        self.querylog = querylog
        self._terms: Timed[list[CuratedTerms]] = Timed(FAQ_TTL_SECONDS)

    async def _read(self, guild_id: int | None) -> list[CuratedTerms]:
        """A server's curated answers, analysed once a read (none in DMs, or when they
        cannot be read)."""
        if guild_id is None or self.querylog is None:
            return []
        cached = self._terms.fresh(guild_id)
        if cached is not None:
            return cached
        try:
            async with self.querylog.connection() as db:
                terms = [terms_of(entry) for entry in await list_faqs(db, guild_id)]
        except STORE_ERRORS as exc:
            log.warning("server %s: curated answers cannot be read (%s)", guild_id, exc)
            terms = self._terms.last(guild_id) or []
        return self._terms.put(guild_id, terms)

    async def entries(self, guild_id: int | None) -> list[Curated]:
        """A server's curated answers (none in DMs, or when they cannot be read)."""
        return [terms.entry for terms in await self._read(guild_id)]

    def changed(self, guild_id: int) -> None:
        """Forget the cached entries of a server whose answers were just changed."""
        self._terms.forget(guild_id)

    async def best(self, guild_id: int | None, question: str) -> Curated | None:
        """The server's curated answer for ``question``, if one matches well."""
        terms = await self._read(guild_id)
        return best_curated(question, terms) if terms else None


def reply_embeds(
    answer: Answer, curated: Curated | None, corpus: discord.Embed
) -> list[discord.Embed]:
    """The embeds of a reply: the curated answer first, then the corpus's answer (left
    out when the corpus has none: the curated answer is the answer)."""
    if curated is None:
        return [corpus]
    return [curated_embed(curated)] + ([corpus] if answer.answered else [])
