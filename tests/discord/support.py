"""Shared helpers for the tests that run the real bot against the fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import discord

from bot.app import build_service
from bot.discord.bot import CorpusBot
from bot.querylog.writer import open_log_from
from bot.settings import Settings, load_settings
from fakediscord import IDS, FakeDiscord, MessageRecord, running_bot
from tests.conftest import SEEDS

EPHEMERAL = 64
MANAGE_GUILD = str(discord.Permissions(manage_guild=True).value)
MANAGE_GUILD_BIT = discord.Permissions(manage_guild=True).value
NO_PERMISSIONS = str(discord.Permissions(send_messages=True).value)


def bot_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings over the seeds with state in ``tmp_path`` and the fake's owner as owner."""
    values = {
        "corpus.dir": str(SEEDS),
        "db.path": str(tmp_path / "log.sqlite3"),
        "corpus.index_cache": str(tmp_path / "index"),
        "discord.owner_ids": (IDS.owner,),
        "discord.cooldown_rate": 100,
    }
    values.update(overrides)
    return load_settings(env={}, overrides=values)


@asynccontextmanager
async def running_corpus_bot(tmp_path: Path, **overrides: Any) -> AsyncIterator[CorpusBot]:
    """The real bot with a real query log, connected to the (already started) fake."""
    settings = bot_settings(tmp_path, **overrides)
    querylog = open_log_from(settings)
    await querylog.open()
    service = build_service(settings, sink=querylog)
    await service.start()
    try:
        async with running_bot(CorpusBot(settings, service, tmp_path, querylog)) as bot:
            yield bot
    finally:
        await querylog.close()


def buttons(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every component of every action row."""
    return [item for row in components for item in row["components"]]


def button_ids(components: list[dict[str, Any]]) -> dict[str, str]:
    """The custom ids of the buttons that have one, by text label ("More results",
    "Solved"), else by emoji (👍 and 👎, whose label is a count, and 🗑)."""
    found: dict[str, str] = {}
    for b in buttons(components):
        if "custom_id" in b:
            label = b.get("label") or ""
            name = label if label and not label.isdigit() else (b.get("emoji") or {}).get("name")
            found[str(name)] = b["custom_id"]
    return found


async def ask(
    fake: FakeDiscord, question: str, user: int = IDS.member, **options: str
) -> MessageRecord:
    """``/ask`` as a member; asserts the deferral and returns the answer message."""
    record = await fake.send_slash_command("ask", {"question": question, **options}, user=user)
    callback = await record.wait_callback()
    assert callback["type"] == 5  # deferred within Discord's 3 seconds
    return await record.wait_followup()
