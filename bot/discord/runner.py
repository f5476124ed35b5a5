"""``python -m bot run``: start the Discord bot with the shared service and query log."""

from __future__ import annotations

import logging
import os
import sys

import discord

from bot.discord.client import CorpusBot
from bot.querylog import open_log_from
from bot.service import Service
from bot.settings import Settings
from bot.shutdown import stop_on_signals

log = logging.getLogger(__name__)

TOKEN_ENV = "DISCORD_TOKEN"


def _say(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")


async def run_bot(settings: Settings) -> int:
    """Run until stopped (SIGTERM or SIGINT); returns the exit code."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        _say(f"{TOKEN_ENV} is not set: put the bot token from the Discord developer portal in it")
        return 2
    querylog = open_log_from(settings)
    await querylog.open()
    service = Service(settings, sink=querylog)
    try:
        await service.start()
        bot = CorpusBot(settings, service, settings.db_path.parent, querylog)
        stop_on_signals(bot.close)
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        _say(f"Discord rejected the token in {TOKEN_ENV}: check it in the developer portal")
        return 1
    except discord.PrivilegedIntentsRequired:
        _say("Discord refused the gateway intents this bot asked for")
        return 1
    finally:
        await querylog.close()
    return 0
