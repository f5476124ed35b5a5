"""``python -m bot run``: start the Discord bot with the shared service and query log.

Every way this can fail before or while connecting (no token, a rejected
token, Discord unreachable) ends with one line on stderr and a non-zero exit
code; the token is masked in every log record and never printed.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys

import aiohttp
import discord

from bot.app import running
from bot.discord.bot import CorpusBot
from bot.redact import install_redaction, redact, remove_redaction
from bot.settings import Settings
from bot.shutdown import stop_on_signals

log = logging.getLogger(__name__)

TOKEN_ENV = "DISCORD_TOKEN"
EXIT_FAILED = 1
EXIT_USAGE = 2
# Failures to reach Discord at all (DNS, refused connection, TLS, a gateway that never answers).
CONNECTION_ERRORS = (
    OSError,
    aiohttp.ClientError,
    discord.GatewayNotFound,
    discord.ConnectionClosed,
    discord.HTTPException,
    TimeoutError,
)


def _say(message: str, token: str = "") -> None:
    sys.stderr.write(f"error: {redact(message, (token,) if token else ())}\n")


class StartupLog:
    """Logging for ``run``: discord.py's handler on stderr (colours on a terminal), at
    ``log.level`` (INFO by default: start-up, the invite URL, command sync,
    reindexes) or everything with ``-v``.

    Until Discord accepts the token the records are held back: a bot that cannot
    start says so in one line, and one that can logs its whole start-up.
    """

    def __init__(self, settings: Settings, verbose: bool = False) -> None:
        """Install the handler, holding records back."""
        level = logging.DEBUG if verbose else getattr(logging, settings.log.level.upper())
        self.root = logging.getLogger()
        for handler in self.root.handlers[:]:  # the command line's plain handler
            self.root.removeHandler(handler)
        discord.utils.setup_logging(level=level, root=True)
        self.target = self.root.handlers[-1]
        self.root.removeHandler(self.target)
        self.held = logging.handlers.MemoryHandler(
            capacity=100_000, flushLevel=logging.CRITICAL + 1, target=self.target
        )
        self.root.addHandler(self.held)

    def release(self) -> None:
        """Write what was held back and log directly from now on."""
        if self.held in self.root.handlers:
            self.held.flush()
            self.root.removeHandler(self.held)
            self.root.addHandler(self.target)

    def discard(self) -> None:
        """Drop what was held back (the start failed and says why in one line)."""
        if self.held in self.root.handlers:
            self.held.setTarget(None)
            self.held.buffer.clear()
            self.root.removeHandler(self.held)
            self.root.addHandler(self.target)


async def run_bot(settings: Settings, verbose: bool = False) -> int:
    """Run until stopped (SIGTERM or SIGINT); returns the exit code."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        _say(f"{TOKEN_ENV} is not set: put the bot token from the Discord developer portal in it")
        return EXIT_USAGE
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        _say(f"{TOKEN_ENV} holds spaces, line breaks or control characters: set the token alone")
        return EXIT_USAGE
    startup = StartupLog(settings, verbose)
    redacting = install_redaction(token)
    try:
        code = await _run(settings, token, startup)
    except BaseException:  # a corpus that cannot be read, say: its own one-line error
        startup.discard()
        raise
    finally:
        remove_redaction(redacting)
    if code:
        startup.discard()
    startup.release()
    return code


async def _run(settings: Settings, token: str, startup: StartupLog) -> int:
    """Start the service and the bot; map connection failures to one line."""
    try:
        async with running(settings, fresh=False) as app:
            wanted = bool(settings.discord.auto_answer_channels)
            if not wanted and app.querylog is not None:
                wanted = await app.querylog.auto_answer_configured()
            for message_content in (True, False) if wanted else (False,):
                bot = CorpusBot(
                    settings,
                    app.service,
                    settings.db_path.parent,
                    app.querylog,
                    message_content=message_content,
                )
                stop_on_signals(bot.close)
                try:
                    await _connect(bot, token, startup)
                except discord.PrivilegedIntentsRequired:
                    if not message_content:
                        raise
                    log.warning(MISSING_INTENT)
                    continue
                break
    except discord.LoginFailure:
        startup.discard()
        _say(f"Discord rejected the token in {TOKEN_ENV}: check it in the developer portal")
        return EXIT_FAILED
    except discord.PrivilegedIntentsRequired:
        startup.discard()
        _say("Discord refused the gateway intents this bot asked for")
        return EXIT_FAILED
    except CONNECTION_ERRORS as exc:
        log.debug("could not connect to Discord", exc_info=True)
        startup.discard()
        _say(f"cannot connect to Discord: {_describe(exc)}", token)
        return EXIT_FAILED
    return 0


MISSING_INTENT = (
    "Discord refused the Message Content intent that help channels answered without a "
    "mention need: enable it in the Developer Portal (your application → Bot → Privileged "
    "Gateway Intents → Message Content Intent) and restart. Until then the bot answers "
    "/ask, mentions and DMs only."
)


async def _connect(bot: CorpusBot, token: str, startup: StartupLog) -> None:
    """Log in and stay connected until the bot is closed."""
    async with bot:
        await bot.login(token)
        startup.release()  # the token is good: the start-up is worth reading
        await bot.connect()


def _describe(exc: BaseException) -> str:
    """A one-line description of a connection failure."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
