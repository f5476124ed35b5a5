"""A new answer message, as every surface sends it: the curated answer first where one
matches, the corpus's answer, and the persistent buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.answer.build import Answer
from bot.answer.curated import Curated
from bot.discord.curated import reply_embeds
from bot.discord.ui.embeds import answer_embed
from bot.discord.ui.views import answer_view, new_reply_key
from bot.model import AskContext

if TYPE_CHECKING:
    from bot.discord.context import CorpusBotLike


@dataclass(frozen=True, slots=True)
class Reply:
    """The embeds and buttons of one answer, and the curated answer it leads with."""

    embeds: list[discord.Embed]
    view: discord.ui.View
    curated: Curated | None


async def compose_reply(
    bot: CorpusBotLike, answer: Answer, context: AskContext, *, solved: bool = False
) -> Reply:
    """The reply to ``context``'s asker (``solved``: with a Solved button, in a forum post)."""
    key = context.reply_key or new_reply_key()
    if context.user_id is not None:
        bot.remember_reply(key, answer, context.user_id, context.guild_id, context.channel_id)
    curated = await bot.curated.best(context.guild_id, answer.query)
    view = answer_view(
        answer,
        key,
        has_more=answer.answered and len(answer.results) >= bot.settings.search.top_k,
        votes=bot.querylog is not None,
        solved=solved,
    )
    return Reply(reply_embeds(answer, curated, answer_embed(answer)), view, curated)
