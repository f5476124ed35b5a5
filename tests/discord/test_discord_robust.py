"""The real bot against the fake Discord under hostile input, REST faults and gateway drops."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import discord
import pytest_asyncio

from bot.answer.build import Answer
from bot.app import build_service
from bot.discord.bot import CorpusBot
from bot.discord.cogs.ask import EMPTY_QUESTION
from fakediscord import IDS, FakeDiscord, MessageRecord, running_bot
from fakediscord.recorder import RecordedRequest
from tests.discord.support import (
    EPHEMERAL,
    MANAGE_GUILD,
    NO_PERMISSIONS,
    ask,
    bot_settings,
    buttons,
    running_corpus_bot,
)
from tests.test_hostile import HOSTILE, LONG, assert_inert

pytest_plugins = ["fakediscord.fixtures"]

NOTE = re.compile(r"\*Your question was cut to its first [\d,]+ characters\.\*")


@pytest_asyncio.fixture
async def corpus_bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[CorpusBot]:
    async with running_corpus_bot(tmp_path, **{"discord.guild_rate": 1000}) as bot:
        yield bot


async def reply_in(fake: FakeDiscord, channel_id: int) -> MessageRecord:
    """The bot's next message posted in the channel (not an interaction followup)."""
    return await fake.wait_for_message(channel_id, predicate=lambda m: m.source == "channel")


def message_payload(reply: MessageRecord) -> dict[str, Any]:
    """Everything the bot sent that a reader sees."""
    return {
        "content": reply.content,
        "embeds": reply.embeds,
        "labels": [b.get("label") for b in buttons(reply.components)],
    }


def link_targets(reply: MessageRecord) -> list[str]:
    urls = [b["url"] for b in buttons(reply.components) if "url" in b]
    for embed in reply.embeds:
        urls += [embed["url"]] if "url" in embed else []
        texts = [embed.get("description") or ""] + [f["value"] for f in embed.get("fields", [])]
        urls += [m for text in texts for m in re.findall(r"\]\(([^)\s]*)\)", text)]
    return urls


async def test_hostile_slash_questions_never_ping_and_are_never_echoed_raw(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    for question in HOSTILE[:-1]:
        reply = await ask(fake_discord, question.replace("\x00", ""))
        assert reply.allowed_mentions == {"parse": []}
        assert reply.embeds and reply.embeds[0]["title"]
        assert_inert(message_payload(reply))
        assert all(url.startswith(("https://", "http://")) for url in link_targets(reply))


async def test_hostile_mentions_never_ping(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    for question in ("@everyone dojo @here", "<@&123456789012345678> D1 chip", "🙂🔥", "?!"):
        await fake_discord.send_message(
            f"<@{IDS.bot}> {question}", author=IDS.member, channel_id=IDS.general
        )
        reply = await reply_in(fake_discord, IDS.general)
        assert reply.allowed_mentions == {"parse": [], "replied_user": False}
        assert reply.embeds, reply.content
        assert_inert(message_payload(reply))


async def test_a_blank_slash_question_is_refused_privately(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    for blank in ("   ", "\x00\x00"):
        record = await fake_discord.send_slash_command("ask", {"question": blank})
        callback = await record.wait_callback()
        assert callback["type"] == 4 and callback["data"]["flags"] & EPHEMERAL
        assert callback["data"]["content"] == EMPTY_QUESTION


async def test_long_questions_are_cut_with_a_visible_note_on_every_surface(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    slash = await ask(fake_discord, LONG[:6000])  # Discord's longest slash option
    description = slash.embeds[0]["description"]
    assert NOTE.match(description), description[:200]
    assert "Dojo" in slash.embeds[0]["title"]
    longer = await ask(fake_discord, LONG)  # past any limit Discord enforces
    assert NOTE.match(longer.embeds[0]["description"])
    await fake_discord.send_message(
        f"<@{IDS.bot}> {LONG[:3990]}", author=IDS.member, channel_id=IDS.general
    )
    mention = await reply_in(fake_discord, IDS.general)
    assert NOTE.match(mention.embeds[0]["description"])
    assert len(mention.content) <= 2000


async def test_links_with_other_schemes_are_never_sent(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    bad = {
        "js.md": "javascript:alert(1)",
        "data.md": "data:text/html,<b>x</b>",
        "ftp.md": "ftp://files.example.com/zeppelin",
        "empty-host.md": "https://",
        "paren.md": "http://x.example/)[y](javascript:alert(1)",
    }
    for name, url in bad.items():
        (corpus / name).write_text(
            f"---\ntitle: Zeppelin {name}\nurl: '{url}'\nsource: Zeppelin News\n"
            f"related:\n  - title: More zeppelins\n    url: '{url}'\n---\n"
            "The zeppelin airship floated over the harbour.\n"
        )
    settings = bot_settings(tmp_path, **{"corpus.dir": str(corpus)})
    service = build_service(settings)
    await service.start()
    async with running_bot(CorpusBot(settings, service, tmp_path)):
        reply = await ask(fake_discord, "zeppelin airship")
    assert reply.embeds[0]["title"].startswith("Zeppelin")
    assert link_targets(reply) == []
    assert_inert(message_payload(reply))
    assert "url" not in reply.embeds[0]


async def test_per_guild_rate_limit_is_friendly_and_spares_dms(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    overrides = {"discord.guild_rate": 2, "discord.guild_seconds": 600.0}
    settings = bot_settings(tmp_path, **overrides)
    service = build_service(settings)
    await service.start()
    async with running_bot(CorpusBot(settings, service, tmp_path)):
        await ask(fake_discord, "dojo", user=IDS.member)
        await ask(fake_discord, "D1 chip", user=IDS.admin)
        third = await fake_discord.send_slash_command(
            "ask", {"question": "tesla gpus"}, user=IDS.owner
        )
        callback = await third.wait_callback()
        assert callback["type"] == 4 and callback["data"]["flags"] & EPHEMERAL
        assert callback["data"]["content"].startswith("This server is asking a lot right now")
        await fake_discord.send_message(
            f"<@{IDS.bot}> dojo", author=IDS.owner, channel_id=IDS.general
        )
        refused = await reply_in(fake_discord, IDS.general)
        assert refused.content.startswith("This server is asking a lot right now")
        assert not refused.embeds
        await fake_discord.send_message("D1 chip", author=IDS.member, channel_id=IDS.dm)
        dm = await reply_in(fake_discord, IDS.dm)
        assert "Dojo" in dm.embeds[0]["title"]


async def test_followup_429_and_502_are_retried(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    webhook = rf"/webhooks/{IDS.application}/[^/]+"
    for status in (429, 502):
        fault = fake_discord.fail_next(webhook, method="POST", status=status)
        reply = await ask(fake_discord, "D1 chip")
        assert "Dojo" in reply.embeds[0]["title"] and fault.remaining == 0
        failed = await fake_discord.wait_for_request(
            "POST", webhook, include_faults=True, predicate=partial(has_status, status)
        )
        assert failed.fault


async def test_channel_message_429_and_502_are_retried(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    route = rf"/channels/{IDS.general}/messages"
    for status in (429, 502):
        fault = fake_discord.fail_next(route, method="POST", status=status)
        await fake_discord.send_message(
            f"<@{IDS.bot}> D1 chip", author=IDS.member, channel_id=IDS.general
        )
        reply = await reply_in(fake_discord, IDS.general)
        assert "Dojo" in reply.embeds[0]["title"] and fault.remaining == 0


async def test_gateway_drop_while_a_question_is_being_answered(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    answering, release = asyncio.Event(), asyncio.Event()
    real_ask = corpus_bot.service.ask

    async def held_ask(*args: Any, **kwargs: Any) -> Answer:
        answering.set()
        await release.wait()
        return await real_ask(*args, **kwargs)

    corpus_bot.service.ask = held_ask  # type: ignore[method-assign]
    record = await fake_discord.send_slash_command("ask", {"question": "D1 chip"})
    assert (await record.wait_callback())["type"] == 5
    await asyncio.wait_for(answering.wait(), 5)
    await fake_discord.drop_connection(code=4000)
    release.set()  # the answer goes out over REST, whether or not the gateway is back yet
    reply = await record.wait_followup()
    assert "Dojo" in reply.embeds[0]["title"]
    await fake_discord.wait_for_resume()
    corpus_bot.service.ask = real_ask  # type: ignore[method-assign]
    later = await ask(fake_discord, "tesla supercomputer")
    assert later.embeds[0]["title"]
    assert not fake_discord.errors


async def test_admin_verbs_are_checked_again_by_the_bot(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    in_dm = await fake_discord.send_slash_command("reindex", user=IDS.member, channel_id=IDS.dm)
    callback = await in_dm.wait_callback()
    assert callback["data"]["content"] == "Only server admins (Manage Server) can do that."
    for name in ("reindex", "stats"):
        refused = await fake_discord.send_slash_command(
            name, user=IDS.member, member_permissions=NO_PERMISSIONS
        )
        assert (await refused.wait_callback())["data"]["flags"] & EPHEMERAL
    admin = await fake_discord.send_slash_command(
        "reindex", user=IDS.admin, member_permissions=MANAGE_GUILD
    )
    assert (await admin.wait_callback())["type"] == 5


async def test_sync_is_for_owners_only(fake_discord: FakeDiscord, corpus_bot: CorpusBot) -> None:
    await fake_discord.wait_for_command_sync()  # the one at start-up
    await fake_discord.send_message(f"<@{IDS.bot}> sync", author=IDS.admin, channel_id=IDS.general)
    answered = await reply_in(fake_discord, IDS.general)
    assert answered.embeds and "Synced" not in answered.content
    await fake_discord.send_message(f"<@{IDS.bot}> sync", author=IDS.owner, channel_id=IDS.general)
    synced = await reply_in(fake_discord, IDS.general)
    assert synced.content.startswith("Synced ") and synced.allowed_mentions == {"parse": []}
    puts = [r for r in fake_discord.requests if r.method == "PUT" and "commands" in r.path]
    assert len(puts) == 2


async def test_no_command_takes_a_path(fake_discord: FakeDiscord, corpus_bot: CorpusBot) -> None:
    synced = await fake_discord.wait_for_command_sync()
    options = {c["name"]: sorted(o["name"] for o in c.get("options", [])) for c in synced}
    assert options == {
        "ask": ["private", "question", "since", "source", "topic", "until"],
        "help": [],
        "reindex": [],
        "stats": ["days", "show"],
        "forget-me": [],
        "config": ["admin-role", "answer-in", "auto-answer", "show"],
        "faq": ["add", "edit", "export", "import", "list", "remove", "show"],
        "Ask the corpus": [],
    }
    stats = next(c for c in synced if c["name"] == "stats")
    show = next(o for o in stats["options"] if o["name"] == "show")
    assert [c["value"] for c in show["choices"]] == ["summary", "unanswered"]  # no free text
    assert corpus_bot.settings.discord.owner_ids == (IDS.owner,)


async def test_a_failing_mention_gets_one_sentence(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Answer:
        raise RuntimeError("index exploded")

    corpus_bot.service.ask = broken  # type: ignore[method-assign]
    await fake_discord.send_message(f"<@{IDS.bot}> dojo", author=IDS.member, channel_id=IDS.general)
    reply = await reply_in(fake_discord, IDS.general)
    assert reply.content.startswith("Sorry") and "exploded" not in reply.content
    assert isinstance(reply.allowed_mentions, dict)
    assert discord.AllowedMentions.none().to_dict()["parse"] == reply.allowed_mentions["parse"]


def has_status(status: int, record: RecordedRequest) -> bool:
    return record.status == status
