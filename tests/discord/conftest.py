"""Fixtures of the Discord tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.discord.bot import CorpusBot
from fakediscord import FakeDiscord
from tests.discord.support import running_corpus_bot


@pytest_asyncio.fixture
async def corpus_bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[CorpusBot]:
    """The real bot over the seeds, with a real query log, connected to the fake."""
    async with running_corpus_bot(tmp_path) as bot:
        yield bot
