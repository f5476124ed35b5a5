"""Many simultaneous questions through the fake Discord: all acknowledged, all answered."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import build_service
from bot.discord.bot import CorpusBot
from bot.settings import load_settings
from fakediscord import IDS, FakeDiscord, running_bot
from tests.conftest import SEEDS

pytest_plugins = ["fakediscord.fixtures"]

QUESTIONS = ["what is dojo", "D1 chip", "5,760 GPUs", "How do I bake sourdough?", "vision only"]


async def test_200_simultaneous_asks_are_all_acknowledged_and_answered(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    settings = load_settings(
        env={},
        overrides={
            "corpus.dir": str(SEEDS),
            "db.path": str(tmp_path / "log.sqlite3"),
            "corpus.index_cache": str(tmp_path / "index"),
            "discord.cooldown_rate": 1000,
            "discord.guild_rate": 100_000,
        },
    )
    service = build_service(settings)
    await service.start()
    async with running_bot(CorpusBot(settings, service, tmp_path)):
        identifies = [op for op in fake_discord.gateway_ops if op.get("op") == 2]
        records = await asyncio.gather(
            *(
                fake_discord.send_slash_command(
                    "ask", {"question": QUESTIONS[n % len(QUESTIONS)]}, user=IDS.member
                )
                for n in range(200)
            )
        )
        callbacks = await asyncio.gather(*(r.wait_callback(timeout=30) for r in records))
        replies = await asyncio.gather(*(r.wait_followup(timeout=60) for r in records))
        assert [c["type"] for c in callbacks] == [5] * 200
        assert all(reply.embeds for reply in replies)
        titles = {reply.embeds[0]["title"] for reply in replies}
        assert "Not in the corpus" in titles and len(titles) >= 4
        # the gateway stayed up: no new IDENTIFY, heartbeats acknowledged throughout
        assert [op for op in fake_discord.gateway_ops if op.get("op") == 2] == identifies
        assert fake_discord.heartbeats >= 1
