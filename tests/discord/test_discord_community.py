"""What support communities use besides /ask, against the fake Discord: the message menu
"Ask the corpus", curated answers (/faq), per-server settings (/config) and help channels
answered without a mention."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.discord.bot import CorpusBot
from bot.discord.cogs.ask import ASK_MENU, NO_TEXT
from fakediscord import IDS, FakeDiscord
from tests.discord.support import EPHEMERAL, buttons, running_corpus_bot

pytest_plugins = ["fakediscord.fixtures"]


@pytest_asyncio.fixture
async def corpus_bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[CorpusBot]:
    async with running_corpus_bot(tmp_path) as bot:
        yield bot


async def test_ask_the_corpus_about_a_members_message(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    menu = fake_discord.commands()[ASK_MENU]
    assert menu["type"] == 3  # a message context menu
    posted = await fake_discord.send_message(
        "hey all, how many GPUs does tesla use for training?", author=IDS.member
    )
    assert posted is not None and posted["content"] == ""  # the bot reads no channel text
    record = await fake_discord.send_message_command(ASK_MENU, int(posted["id"]), user=IDS.admin)
    callback = await record.wait_callback()
    assert callback["type"] == 5 and not callback.get("data", {}).get("flags", 0) & EPHEMERAL
    answer = await record.wait_followup()
    assert answer.embeds[0]["title"].startswith("How Tesla is using a supercomputer")
    assert answer.content.startswith("Answering https://discord.com/channels/")
    assert answer.content.endswith(f"/{IDS.general}/{posted['id']}")
    assert any(b.get("custom_id", "").startswith("cb:delete:") for b in buttons(answer.components))


async def test_ask_the_corpus_about_a_message_without_text(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    posted = await fake_discord.send_message(f"<@{IDS.bot}>", author=IDS.member)
    await fake_discord.wait_for_message(IDS.general)  # the bare mention gets help
    assert posted is not None
    record = await fake_discord.send_message_command(ASK_MENU, int(posted["id"]), user=IDS.admin)
    callback = await record.wait_callback()
    assert callback["data"]["content"] == NO_TEXT and callback["data"]["flags"] & EPHEMERAL
