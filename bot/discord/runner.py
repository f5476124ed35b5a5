"""``python -m bot run``: start the Discord bot with the shared service and query log.

Every way this can fail before or while connecting (no token, a rejected
token, Discord unreachable) ends with one line on stderr and a non-zero exit
code; the token is masked in every log record and never printed.
"""

from __future__ import annotations

import logging
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


async def run_bot(settings: Settings) -> int:
    """Run until stopped (SIGTERM or SIGINT); returns the exit code."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        _say(f"{TOKEN_ENV} is not set: put the bot token from the Discord developer portal in it")
        return EXIT_USAGE
    redacting = install_redaction(token)
    try:
        return await _run(settings, token)
    finally:
        remove_redaction(redacting)


async def _run(settings: Settings, token: str) -> int:
    """Start the service and the bot; map connection failures to one line."""
    try:
        async with running(settings) as app:
            bot = CorpusBot(settings, app.service, settings.db_path.parent, app.querylog)
            stop_on_signals(bot.close)
            async with bot:
                await bot.start(token)
    except discord.LoginFailure:
        _say(f"Discord rejected the token in {TOKEN_ENV}: check it in the developer portal")
        return EXIT_FAILED
    except discord.PrivilegedIntentsRequired:
        _say("Discord refused the gateway intents this bot asked for")
        return EXIT_FAILED
    except CONNECTION_ERRORS as exc:
        log.debug("could not connect to Discord", exc_info=True)
        _say(f"cannot connect to Discord: {_describe(exc)}", token)
        return EXIT_FAILED
    return 0


def _describe(exc: BaseException) -> str:
    """A one-line description of a connection failure."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
