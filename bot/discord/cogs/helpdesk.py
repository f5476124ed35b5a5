"""Help channels answered without a mention: new forum posts, and questions in text
channels, where the server (``/config auto-answer``) or the settings
(``discord.auto_answer_channels``) ask for it.

Nobody asked the bot, so it answers only when confident
(``discord.auto_answer_confidence``, above the threshold for questions put to
it) and otherwise stays silent; a forum post is answered at most once, inside
the post, with a "Solved" button for its author. Reading these messages needs
the Message Content intent: without it they arrive empty and are left alone.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord
from discord.ext import commands

from bot.discord.cogs.ask import is_blank, strip_mentions
from bot.discord.compose import compose_reply
from bot.discord.ui.views import new_reply_key
from bot.errors import QuestionError
from bot.model import AskContext, Filters

if TYPE_CHECKING:
    from bot.discord.context import CorpusBotLike

log = logging.getLogger(__name__)

# A message in a text help channel is a question when it holds a question mark or
# opens with one of these words.
_QUESTION_WORDS = (
    "how what why when where who whom whose which can could does do did is are was were "
    "should would will has have any anyone anybody someone somebody help there"
)
QUESTION_WORDS = frozenset(_QUESTION_WORDS.split())
MIN_WORDS = 3


def looks_like_question(text: str) -> bool:
    """Whether a message asks something (a question mark, or a question word first)."""
    words = text.split(maxsplit=MIN_WORDS)
    if len(words) < MIN_WORDS:
        return False
    first = words[0].strip(",.:;!-").casefold()
    return "?" in text or first in QUESTION_WORDS


class HelpdeskCog(commands.Cog):
    """Answers new posts in help forums and questions in help channels, when confident."""

    def __init__(self, bot: CorpusBotLike) -> None:
        """Attach to ``bot``."""
        self.bot = bot

    async def auto_answer_channels(self, guild_id: int) -> frozenset[int]:
        """The server's channels answered without a mention (settings and ``/config``)."""
        settings = await self.bot.guild_settings(guild_id)
        return settings.auto_answer_channels | frozenset(
            self.bot.settings.discord.auto_answer_channels
        )

    async def question_in(self, message: discord.Message) -> tuple[str, bool] | None:
        """The question a message asks in a help channel, and whether it opens a forum
        post; None when the bot should leave it alone."""
        me = self.bot.user
        if me is None or message.guild is None or message.author.bot:
            return None
        if any(user.id == me.id for user in message.mentions):
            return None  # a mention: the ask cog answers it
        settings = await self.bot.guild_settings(message.guild.id)
        channel = message.channel
        if not settings.answers_in(channel.id, getattr(channel, "parent_id", None)):
            return None  # the server keeps the bot to other channels
        channels = await self.auto_answer_channels(message.guild.id)
        text = strip_mentions(message.content, me.id)
        if isinstance(channel, discord.Thread):
            in_forum = isinstance(channel.parent, discord.ForumChannel)
            if not (in_forum and channel.parent_id in channels and message.id == channel.id):
                return None  # only the first message of a post in a help forum
            question = f"{channel.name}. {text}" if text else channel.name
            return (question, True) if not is_blank(text) else None
        if channel.id not in channels or not looks_like_question(text):
            return None
        return text, False

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a help post or question when confident; otherwise stay silent."""
        found = await self.question_in(message)
        if found is None:
            return
        question, is_post = found
        guild_id = message.guild.id if message.guild else None
        if self.bot.limiter.peek(message.author.id) or (
            guild_id is not None and self.bot.guild_limiter.peek(guild_id)
        ):
            return  # asking fast: stay silent rather than scold someone who did not ask
        context = AskContext(
            "auto", message.author.id, guild_id, message.channel.id, new_reply_key()
        )
        try:
            answer = await self.bot.service.ask(question, filters=Filters(), context=context)
        except QuestionError:
            return
        except Exception:  # nobody asked the bot: say nothing, log the traceback
            log.exception("answering help message %s failed", message.id)
            return
        threshold = self.bot.settings.discord.auto_answer_confidence
        confident = answer.answered and answer.confidence >= threshold
        if not confident and await self.bot.curated.best(guild_id, answer.query) is None:
            log.info("message %s: not confident enough to answer unasked", message.id)
            return
        forum_id = getattr(message.channel, "parent_id", None) or 0
        if is_post and not await self.bot.claim_post(message.channel.id, forum_id):
            return  # another process, or a replayed event, answered this post already
        self.bot.limiter.hit(message.author.id)
        reply = await compose_reply(self.bot, answer, context, solved=is_post)
        try:
            await message.reply(
                embeds=reply.embeds,
                view=reply.view,
                allowed_mentions=discord.AllowedMentions.none(),
                mention_author=False,
            )
        except discord.HTTPException:
            log.exception("could not answer help message %s", message.id)


async def setup(bot: commands.Bot) -> None:
    """Add this module's cog to ``bot`` (``bot.load_extension`` calls it)."""
    await bot.add_cog(HelpdeskCog(cast("CorpusBotLike", bot)))
