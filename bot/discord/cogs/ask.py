"""Questions on Discord: ``/ask``, ``@Bot question`` and ``/help``."""

from __future__ import annotations

import logging
import math
import re
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer.build import Answer
from bot.corpus.metadata import parse_date
from bot.discord.compose import compose_reply
from bot.discord.ui.embeds import CONTENT_MAX, cut, escape
from bot.discord.ui.replies import ERROR_MESSAGE, send_private
from bot.discord.ui.views import new_reply_key
from bot.errors import QuestionError
from bot.model import AskContext, Filters

if TYPE_CHECKING:
    from bot.discord.context import CorpusBotLike

log = logging.getLogger(__name__)

AUTOCOMPLETE_MAX = 25
CHOICE_MAX = 100
HELP_TEXT = (
    "**Ask me about the articles in my corpus.**\n"
    "\u2022 `/ask question:<text>`, optionally narrowed by topic, source or dates "
    "(`since`/`until` as YYYY-MM-DD); `private:true` answers only you\n"
    "\u2022 or mention me with a question: `@{name} what is \u2026`\n"
    "\u2022 or, on someone's message, **Apps \u2192 Ask the corpus**\n"
    "\u2022 `/faq show` posts one of this server's curated answers\n"
    "Every answer is quoted from the corpus, with numbered sources. When the corpus "
    "has no answer I say so and suggest the closest articles."
)


class AskCog(commands.Cog):
    """``/ask``, ``/help`` and questions in mentions."""

    def __init__(self, bot: CorpusBotLike) -> None:
        """Attach to ``bot``; the message menu "Ask the corpus" comes with the cog."""
        self.bot = bot
        self.ask_menu = app_commands.ContextMenu(name=ASK_MENU, callback=self.ask_about_message)

    async def cog_load(self) -> None:
        """Add the message menu (context menus cannot live in a cog's class body)."""
        self.bot.tree.add_command(self.ask_menu)

    async def cog_unload(self) -> None:
        """Remove the message menu."""
        self.bot.tree.remove_command(self.ask_menu.name, type=self.ask_menu.type)

    async def _answer(
        self, question: str, filters: Filters, context: AskContext, k: int | None = None
    ) -> Answer:
        return await self.bot.service.ask(question, filters=filters, k=k, context=context)

    async def refused_here(self, guild_id: int | None, channel: object) -> str | None:
        """Why the bot does not answer in this channel (None: it does), by the server's
        allow-list (``/config answer-in``; a thread counts with its parent)."""
        if guild_id is None:
            return None
        settings = await self.bot.guild_settings(guild_id)
        channel_id = getattr(channel, "id", None)
        if settings.answers_in(channel_id, getattr(channel, "parent_id", None)):
            return None
        where = ", ".join(f"<#{c}>" for c in sorted(settings.answer_channels))
        return f"On this server I answer only in {where}."

    async def _refused_interaction(self, interaction: discord.Interaction) -> bool:
        """Refuse privately where the bot may not answer or the asker must wait."""
        refusal = await self.refused_here(interaction.guild_id, interaction.channel)
        refusal = refusal or self.throttled(interaction.user.id, interaction.guild_id)
        if refusal:
            await interaction.response.send_message(refusal, ephemeral=True)
        return refusal is not None

    def throttled(self, user_id: int, guild_id: int | None) -> str | None:
        """Why this question must wait (per-user, then per-server limit), or None to go ahead.

        Nothing is counted for a refused question, so a member who keeps asking
        while refused cannot use up the server's allowance.
        """
        wait = self.bot.limiter.peek(user_id)
        if wait:
            return f"You're asking quickly \u2014 try again in {math.ceil(wait)} s."
        if guild_id is not None:
            wait = self.bot.guild_limiter.peek(guild_id)
            if wait:
                return (
                    "This server is asking a lot right now \u2014 "
                    f"try again in {math.ceil(wait)} s."
                )
            self.bot.guild_limiter.hit(guild_id)
        self.bot.limiter.hit(user_id)
        return None

    @app_commands.command(name="ask", description="Ask a question about the corpus")
    @app_commands.describe(
        question="What do you want to know?",
        topic="Only articles with this topic",
        source="Only articles from this source",
        since="Only articles published on or after this day (YYYY-MM-DD)",
        until="Only articles published on or before this day (YYYY-MM-DD)",
        private="Answer only you (the answer is not posted in the channel)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, 6000],
        topic: app_commands.Range[str, 0, 100] | None = None,
        source: app_commands.Range[str, 0, 100] | None = None,
        since: app_commands.Range[str, 0, 40] | None = None,
        until: app_commands.Range[str, 0, 40] | None = None,
        private: bool = False,
    ) -> None:
        """Answer a question with an embed, citations and buttons (``private``: only
        the asker sees it)."""
        if is_blank(question):
            await interaction.response.send_message(EMPTY_QUESTION, ephemeral=True)
            return
        if await self._refused_interaction(interaction):
            return
        try:
            filters = Filters(topic or None, source or None, _day(since), _day(until))
        except ValueError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        await self._answer_interaction(interaction, "slash", question, filters, private=private)

    async def ask_about_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """The message menu "Ask the corpus": the message's text answered in the channel."""
        question = message_question(message)
        if is_blank(question):
            await interaction.response.send_message(NO_TEXT, ephemeral=True)
            return
        if await self._refused_interaction(interaction):
            return
        content = f"Answering {message.jump_url}"
        await self._answer_interaction(interaction, "menu", question, Filters(), content=content)

    async def _answer_interaction(
        self,
        interaction: discord.Interaction,
        surface: str,
        question: str,
        filters: Filters,
        *,
        private: bool = False,
        content: str | None = None,
    ) -> None:
        """Defer, answer, and send the reply with its buttons (``private``: to the asker
        only; ``content``: a line above it)."""
        await interaction.response.defer(ephemeral=private, thinking=True)
        context = AskContext(
            surface,
            interaction.user.id,
            interaction.guild_id,
            interaction.channel_id,
            reply_key=new_reply_key(),
        )
        try:
            answer = await self._answer(question, filters, context)
        except QuestionError as exc:
            await send_private(interaction, str(exc))
            return
        reply = await compose_reply(self.bot, answer, context)
        await interaction.followup.send(
            content=content or discord.utils.MISSING,
            embeds=reply.embeds,
            view=reply.view,
            ephemeral=private,
        )

    @ask.autocomplete("topic")
    async def topic_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Topics of the corpus that contain what was typed."""
        return _choices(self.bot.service.snapshot.facets.topics, current)

    @ask.autocomplete("source")
    async def source_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Sources of the corpus that contain what was typed."""
        return _choices(self.bot.service.snapshot.facets.sources, current)

    @app_commands.command(name="help", description="What this bot does and how to ask")
    async def help(self, interaction: discord.Interaction) -> None:
        """Explain how to ask, privately."""
        await interaction.response.send_message(self.help_text(), ephemeral=True)

    def help_text(self) -> str:
        """The help message, naming a few topics of the corpus."""
        name = self.bot.user.name if self.bot.user else "bot"
        text = HELP_TEXT.format(name=escape(name))
        topics = self.bot.service.snapshot.facets.topics[:8] if self.bot.service.ready else ()
        if topics:
            text += "\nTopics include: " + ", ".join(escape(t) for t in topics) + "."
        return cut(text, CONTENT_MAX)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer messages that mention the bot (and any message in a DM)."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return
        is_dm = message.guild is None
        if not is_dm and not any(user.id == me.id for user in message.mentions):
            return
        question = strip_mentions(message.content, me.id)
        if await self.bot.handle_owner_message(message, question):
            return
        guild_id = message.guild.id if message.guild else None
        if await self.refused_here(guild_id, message.channel):
            return  # the server keeps the bot to other channels: it stays silent here
        if is_blank(question):
            await self._send_reply(message, content=self.help_text())
            return
        refusal = self.throttled(message.author.id, guild_id)
        if refusal:
            await self._send_reply(message, content=refusal)
            return
        await self._answer_message(message, question, guild_id)

    async def _answer_message(
        self, message: discord.Message, question: str, guild_id: int | None
    ) -> None:
        """Answer a mention; a failure gets one short sentence in reply, the log the traceback."""
        context = AskContext(
            "mention", message.author.id, guild_id, message.channel.id, new_reply_key()
        )
        try:
            answer = await self._answer(question, Filters(), context)
        except QuestionError as exc:
            await self._send_reply(message, content=str(exc))
            return
        except Exception:  # a mention has no tree error handler: answer and log here
            log.exception("answering message %s failed", message.id)
            await self._send_reply(message, content=ERROR_MESSAGE)
            return
        reply = await compose_reply(self.bot, answer, context)
        await self._send_reply(message, embeds=reply.embeds, view=reply.view)

    async def _send_reply(
        self,
        message: discord.Message,
        *,
        content: str | None = None,
        embeds: list[discord.Embed] | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        try:
            await message.reply(
                content=cut(content, CONTENT_MAX) if content is not None else None,
                embeds=embeds or discord.utils.MISSING,
                view=view or discord.utils.MISSING,
                allowed_mentions=discord.AllowedMentions.none(),
                mention_author=False,
            )
        except discord.HTTPException:
            log.exception("could not reply to message %s", message.id)


_MENTION_RE = re.compile(r"<@!?(\d+)>")
EMPTY_QUESTION = "The question is empty: ask something about the corpus."
ASK_MENU = "Ask the corpus"
NO_TEXT = "That message has no text to ask about."
MESSAGE_QUESTION_MAX = 6000


def message_question(message: discord.Message) -> str:
    """The text of a message to ask about: its content, else its first embed's text.

    Mentions are removed and whitespace tidied; at most :data:`MESSAGE_QUESTION_MAX`
    characters.
    """
    text = message.content
    if not text.strip() and message.embeds:
        embed = message.embeds[0]
        text = f"{embed.title or ''} {embed.description or ''}"
    return " ".join(_MENTION_RE.sub(" ", text[: MESSAGE_QUESTION_MAX * 2]).split())[
        :MESSAGE_QUESTION_MAX
    ]


def is_blank(question: str) -> bool:
    """Whether nothing is left of a question once NUL bytes and whitespace are gone."""
    return not question.replace("\x00", " ").strip()


def strip_mentions(content: str, bot_id: int) -> str:
    """The question in a message: the bot's own mentions removed, whitespace tidied."""
    text = _MENTION_RE.sub(lambda m: "" if int(m.group(1)) == bot_id else m.group(0), content)
    return " ".join(text.split())


def _day(value: str | None) -> str | None:
    if not value:
        return None
    parsed = parse_date(value.strip())
    if parsed is None:
        raise ValueError(f"\u201c{escape(cut(value, 40))}\u201d is not a date: use YYYY-MM-DD.")
    return parsed[:10]


def _choices(options: tuple[str, ...], current: str) -> list[app_commands.Choice[str]]:
    wanted = current.casefold().strip()
    found = [o for o in options if wanted in o.casefold()] if wanted else list(options)
    return [
        app_commands.Choice(name=cut(o, CHOICE_MAX), value=o[:CHOICE_MAX])
        for o in found[:AUTOCOMPLETE_MAX]
    ]


async def setup(bot: commands.Bot) -> None:
    """Add this module's cogs to ``bot`` (``bot.load_extension`` calls it)."""
    await bot.add_cog(AskCog(cast("CorpusBotLike", bot)))
