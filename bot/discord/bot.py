"""The Discord client: cogs, command sync, presence, the error handler, the corpus watcher."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.answer.build import Answer
from bot.discord.access import Access
from bot.discord.curated import CuratedAnswers
from bot.discord.ratelimit import RateLimiter
from bot.discord.recent import RecentReplies, remembered_state
from bot.discord.ui.embeds import cut, plain
from bot.discord.ui.replies import ERROR_MESSAGE, send_private
from bot.discord.ui.views import PERSISTENT
from bot.model import AskContext
from bot.paths import private_folder
from bot.querylog.backend import STORE_ERRORS
from bot.querylog.guilds import GuildSettings
from bot.querylog.privacy import UserKeys
from bot.querylog.replies import ReplyState
from bot.querylog.writer import QueryLog
from bot.service import Service
from bot.settings import Settings
from bot.watch import CorpusWatcher

log = logging.getLogger(__name__)

# The cogs, loaded by name: each module's setup(bot) adds its commands and listeners.
COGS = (
    "bot.discord.cogs.ask",
    "bot.discord.cogs.admin",
    "bot.discord.cogs.config",
    "bot.discord.cogs.helpdesk",
    "bot.discord.cogs.faq",
)
PRESENCE_MAX = 128
LATENCY_LOG_SECONDS = 1800.0
# What the bot needs: read and answer in channels and threads, embed links, and tag
# help-forum posts solved (Manage Threads).
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,
    manage_threads=True,
)


class CorpusBot(commands.AutoShardedBot):
    """The bot: every question goes to the shared :class:`~bot.service.Service`.

    Sharded as the settings say (``discord.shard_count`` and ``discord.shard_ids``):
    one process may serve every shard, or several processes each their own.
    """

    def __init__(
        self,
        settings: Settings,
        service: Service,
        state_dir: Path,
        querylog: QueryLog | None = None,
        *,
        message_content: bool | None = None,
    ) -> None:
        """A bot for ``service``; ``state_dir`` keeps the hash of the last synced commands.

        With ``querylog``, answers carry feedback buttons and admins get ``/stats``.
        ``message_content`` asks Discord for the privileged Message Content intent
        (default: when ``discord.auto_answer_channels`` is set), which help channels
        answered without a mention need.
        """
        # This bot never joins voice: the missing voice libraries are not worth a warning.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.default()
        # mentions and DMs carry their content anyway; help channels need the intent
        if message_content is None:
            message_content = bool(settings.discord.auto_answer_channels)
        intents.message_content = message_content
        sharding: dict[str, Any] = {}
        if settings.discord.shard_count:  # else as many as Discord recommends, all here
            sharding["shard_count"] = settings.discord.shard_count
            if settings.discord.shard_ids:
                sharding["shard_ids"] = list(settings.discord.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **sharding,
        )
        self.settings = settings
        self.service = service
        self.querylog = querylog
        self.state_dir = state_dir
        self.limiter = RateLimiter(
            settings.discord.cooldown_rate, settings.discord.cooldown_seconds
        )
        self.guild_limiter = RateLimiter(
            settings.discord.guild_rate, settings.discord.guild_seconds
        )
        self.watcher: CorpusWatcher | None = None
        self.synced_on_start = False
        # who asked is compared as a keyed hash, the same the log keeps
        self._local_keys = UserKeys(secrets.token_bytes(32))
        self.recent = RecentReplies()
        self.access = Access(self, querylog, settings.discord.owner_ids)
        self.curated = CuratedAnswers(querylog)
        self._claimed: set[int] = set()  # help posts answered, without a query log

    async def setup_hook(self) -> None:
        """Add the cogs and the persistent buttons, install the error handler, sync
        commands if they changed."""
        for name in COGS:
            await self.load_extension(name)
        self.add_dynamic_items(*PERSISTENT)
        self.tree.on_error = self.on_tree_error  # type: ignore[method-assign]
        self.synced_on_start = await self.sync_if_changed()
        if self.settings.discord.watch_corpus:
            self.watcher = CorpusWatcher(
                self.settings.corpus_dir,
                self.settings.discord.watch_interval_seconds,
                self.service.reindex,
                settle=self.settings.discord.watch_settle_seconds,
            )
            self.watcher.start()

    async def on_message(self, message: discord.Message, /) -> None:
        """Messages are handled by the ask cog's listener, not as prefix commands."""

    def command_hash(self) -> str:
        """A hash of the command set as Discord would receive it."""
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    async def sync_if_changed(self) -> bool:
        """Sync the global commands when they differ from the last sync; True if synced."""
        stamp = self.state_dir / "commands.sha256"
        current = self.command_hash()
        try:
            if stamp.read_text().strip() == current:
                log.info("slash commands unchanged; not syncing")
                return False
        except OSError:
            pass
        await self.sync_commands()
        try:
            private_folder(self.state_dir)
            stamp.write_text(current)
        except OSError as exc:
            log.warning("cannot save the command hash to %s: %s", stamp, exc)
        return True

    async def sync_commands(self) -> int:
        """Sync the global command set now; returns how many commands Discord holds."""
        synced = await self.tree.sync()
        log.info("synced %d slash commands", len(synced))
        return len(synced)

    async def handle_owner_message(self, message: discord.Message, text: str) -> bool:
        """``@Bot sync`` from an owner re-syncs the commands; True when handled."""
        if text.lower() != "sync" or message.author.id not in self.settings.discord.owner_ids:
            return False
        count = await self.sync_commands()
        await message.reply(
            f"Synced {count} slash commands.", allowed_mentions=discord.AllowedMentions.none()
        )
        return True

    async def on_ready(self) -> None:
        """Log who we are and the invite URL, and set the presence line."""
        if self.user is None:
            return
        log.info("logged in as %s (%s)", self.user, self.user.id)
        log.info("invite URL: %s", self.invite_url())
        await self.update_presence()
        if not self.latency_log.is_running():
            self.latency_log.start()

    async def on_shard_ready(self, shard_id: int) -> None:
        """Log each shard as it becomes ready, with how many servers it serves."""
        servers = sum(1 for guild in self.guilds if guild.shard_id == shard_id)
        log.info("shard %d of %s ready: %d servers", shard_id, self.shard_count, servers)

    async def on_raw_app_command_permissions_update(
        self, payload: discord.RawAppCommandPermissionsUpdateEvent
    ) -> None:
        """A server's admins changed who may run the bot's commands (Integrations)."""
        self.access.overrides_changed(payload.guild.id)

    def shard_latencies(self) -> list[tuple[int, float]]:
        """Each shard of this process with its gateway latency in seconds (finite only)."""
        return [(n, s) for n, s in sorted(self.latencies) if math.isfinite(s)]

    @tasks.loop(seconds=LATENCY_LOG_SECONDS)
    async def latency_log(self) -> None:
        """Log the gateway latency of each shard now and then."""
        shards = self.shard_latencies()
        if shards:
            log.info(
                "gateway latency: %s", ", ".join(f"shard {n} {s * 1000:.0f} ms" for n, s in shards)
            )

    def invite_url(self) -> str:
        """The OAuth2 URL that adds the bot with the scopes and permissions it needs."""
        app_id = self.application_id or (self.user.id if self.user else 0)
        return discord.utils.oauth_url(
            app_id, permissions=PERMISSIONS, scopes=("bot", "applications.commands")
        )

    def presence_text(self) -> str:
        """``/ask me about …`` with the corpus's main topics (or sources)."""
        topics: tuple[str, ...] = ()
        if self.service.ready:
            facets = self.service.snapshot.facets
            topics = facets.topics[:3] or facets.sources[:3]
        about = ", ".join(topics) if topics else "the articles I know"
        return cut(plain(f"/ask me about {about}"), PRESENCE_MAX)

    async def update_presence(self) -> None:
        """Set the presence line (ignored when not connected)."""
        try:
            await self.change_presence(activity=discord.Game(name=self.presence_text()))
        except (discord.HTTPException, ConnectionError, AttributeError):
            log.debug("presence not updated", exc_info=True)

    async def record_vote(
        self, message_id: int, user_id: int, vote: int, question: str, top_id: str | None
    ) -> str:
        """Store one person's vote on an answer; the reply tells them what happened."""
        if self.querylog is None:
            return "Feedback is not recorded on this bot."
        try:
            previous = await self.querylog.vote(message_id, user_id, vote, question, top_id)
        except STORE_ERRORS:
            log.exception("could not record a vote")
            return "Sorry \u2014 your vote could not be saved right now."
        if previous == vote:
            return "You already voted that way."
        return "Thanks for the feedback!" if previous is None else "Your vote was changed."

    async def vote_counts(self, message_id: int) -> tuple[int, int] | None:
        """Thumbs up and down on an answer message (None if the log cannot say)."""
        if self.querylog is None:
            return None
        try:
            return await self.querylog.vote_counts(message_id)
        except STORE_ERRORS:
            log.exception("could not count the votes")
            return None

    def user_key(self, user_id: int) -> str | None:
        """The keyed hash that stands in for a user: the log's, or this process's own."""
        if self.querylog is not None:
            return self.querylog.key_for(user_id)
        return self._local_keys.key_for(user_id)

    def remember_reply(
        self, key: str, answer: Answer, user_id: int, guild_id: int | None, channel_id: int | None
    ) -> None:
        """Keep what a new reply's buttons need until the log has it."""
        state = remembered_state(answer, self.user_key(user_id), guild_id, channel_id)
        self.recent.remember(key, state)

    async def reply_state(self, key: str) -> ReplyState | None:
        """The question behind a reply's buttons: recent replies, then the query log."""
        state = self.recent.get(key)
        if state is not None or self.querylog is None:
            return state
        try:
            return await self.querylog.reply(key)
        except STORE_ERRORS:
            log.exception("could not read a reply's question from the log")
            return None

    def is_asker(self, state: ReplyState, user_id: int) -> bool:
        """Whether ``user_id`` asked the question behind ``state``."""
        return state.asker_key is not None and state.asker_key == self.user_key(user_id)

    async def page(self, state: ReplyState, k: int) -> Answer:
        """The question behind ``state`` answered again with ``k`` results (at most 25)."""
        context = AskContext(surface="more")
        return await self.service.ask(
            state.question, filters=state.filters, k=min(k, 25), context=context
        )

    async def may_administer(self, interaction: discord.Interaction) -> bool:
        """Whether the user may run admin commands here (:class:`~bot.discord.access.Access`)."""
        return await self.access.may_administer(interaction)

    async def guild_settings(self, guild_id: int | None) -> GuildSettings:
        """A server's settings (the defaults in DMs)."""
        return await self.access.settings_for(guild_id)

    async def claim_post(self, post_id: int, forum_id: int) -> bool:
        """Whether this process may answer a help post (False: it was answered already)."""
        if self.querylog is None:
            if post_id in self._claimed:
                return False
            self._claimed.add(post_id)
            return True
        try:
            return await self.querylog.claim_post(post_id, forum_id)
        except STORE_ERRORS:
            log.exception("could not note help post %s as answered; leaving it", post_id)
            return False

    async def forget_user(self, user_id: int) -> int:
        """Delete everything logged about one person, and the replies kept in memory."""
        self.recent.forget_asker(self.user_key(user_id) or "")
        if self.querylog is None:
            return 0
        return await self.querylog.forget(user_id)

    async def on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """One handler for every slash command: a short private sentence, a full log."""
        if isinstance(error, app_commands.CheckFailure):
            message = "You can't use that command here."
        else:
            name = interaction.command.name if interaction.command else "?"
            log.error("command /%s failed", name, exc_info=error)
            message = ERROR_MESSAGE
        await send_private(interaction, message)

    async def close(self) -> None:
        """Stop the watcher and the latency log, then disconnect."""
        self.latency_log.cancel()
        if self.watcher is not None:
            await self.watcher.stop()
        await super().close()
