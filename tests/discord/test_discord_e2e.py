"""The real bot, unmodified, against the fake Discord served on 127.0.0.1."""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_service
from bot.discord.bot import CorpusBot
from bot.discord.ui.replies import ERROR_MESSAGE
from bot.index import assemble
from bot.querylog.stats import read_stats
from bot.querylog.writer import QueryLog
from fakediscord import IDS, FakeDiscord, FakeUser, WaitTimeout, running_bot
from tests.discord.support import (
    EPHEMERAL,
    MANAGE_GUILD,
    MANAGE_GUILD_BIT,
    NO_PERMISSIONS,
    ask,
    bot_settings,
    buttons,
    running_corpus_bot,
)

pytest_plugins = ["fakediscord.fixtures"]


async def test_login_syncs_commands_once(fake_discord: FakeDiscord, corpus_bot: CorpusBot) -> None:
    sync = await fake_discord.wait_for_request("PUT", rf"/applications/{IDS.application}/commands")
    commands = {command["name"]: command for command in sync.json}
    assert set(commands) == {
        "ask",
        "help",
        "reindex",
        "stats",
        "forget-me",
        "config",
        "faq",
        "Ask the corpus",
    }
    assert int(commands["reindex"]["default_member_permissions"]) == MANAGE_GUILD_BIT
    assert int(commands["stats"]["default_member_permissions"]) == MANAGE_GUILD_BIT
    assert commands["forget-me"].get("default_member_permissions") is None
    for admin_only in ("reindex", "stats", "config"):  # server commands: not offered in DMs
        assert commands[admin_only]["contexts"] == [0]
        assert commands[admin_only]["dm_permission"] is False
    assert commands["forget-me"].get("dm_permission") is not False  # anyone, anywhere
    options = {o["name"]: o for o in commands["ask"]["options"]}
    assert options["topic"]["autocomplete"] and options["source"]["autocomplete"]
    assert options["question"]["required"] and not options["since"]["required"]
    identify = (await fake_discord.wait_for_gateway_op(2))["d"]
    assert identify["intents"] & (1 << 15) == 0  # no privileged message content intent
    assert (corpus_bot.state_dir / "commands.sha256").read_text() == corpus_bot.command_hash()
    assert "applications.commands" in corpus_bot.invite_url()
    assert corpus_bot.presence_text() == "/ask me about AI, AI in Autos, AI Hardware"


async def test_restart_with_the_same_commands_does_not_sync(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    settings = bot_settings(tmp_path)
    for _ in range(2):
        service = build_service(settings)
        await service.start()
        async with running_bot(CorpusBot(settings, service, tmp_path)) as bot:
            assert bot.user is not None
    puts = [r for r in fake_discord.requests if r.method == "PUT" and "commands" in r.path]
    assert len(puts) == 1


async def test_ask_replies_with_embed_citations_and_buttons(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    reply = await ask(fake_discord, "how many GPUs does tesla use")
    embed = reply.embeds[0]
    assert embed["title"] == "How Tesla is using a supercomputer to train its self-driving tech"
    assert embed["url"] == "https://www.popsci.com/technology/tesla-self-driving-supercomputer/"
    assert "**GPUs**" in embed["description"]
    assert "**[1]** [How Tesla is using a supercomputer" in embed["description"]
    assert "Popular Science, 2021-06-26" in embed["description"]
    assert embed["fields"][0]["name"] == "Related"
    labels = [b.get("label") for b in buttons(reply.components)]
    assert labels[0] == "[1] Popular Science" and "More results" in labels
    assert all(
        b["url"].startswith("https://") for b in buttons(reply.components) if b["style"] == 5
    )
    assert reply.allowed_mentions == {"parse": []}


async def test_autocomplete_offers_corpus_topics_and_sources(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    topics = await fake_discord.autocomplete_choices(
        "ask", {"question": "x", "topic": "ai"}, focused="topic"
    )
    assert [c["value"] for c in topics] == ["AI", "AI in Autos", "AI Hardware"]
    sources = await fake_discord.autocomplete_choices(
        "ask", {"question": "x", "source": "tech"}, focused="source"
    )
    assert [c["value"] for c in sources] == ["TechCrunch"]


async def test_filters_narrow_the_answer(fake_discord: FakeDiscord, corpus_bot: CorpusBot) -> None:
    reply = await ask(fake_discord, "tesla supercomputer", source="TechCrunch")
    assert reply.embeds[0]["title"].startswith("Tesla backs vision-only approach")
    assert "**[2]**" not in reply.embeds[0]["description"]
    bad = await fake_discord.send_slash_command(
        "ask", {"question": "dojo", "since": "last tuesday"}, user=IDS.member
    )
    callback = await bad.wait_callback()
    assert callback["type"] == 4 and callback["data"]["flags"] & EPHEMERAL
    assert "is not a date" in callback["data"]["content"]


async def test_no_answer_says_so(fake_discord: FakeDiscord, corpus_bot: CorpusBot) -> None:
    reply = await ask(fake_discord, "How do I bake sourdough?")
    assert reply.embeds[0]["title"] == "Not in the corpus"
    assert "couldn't find an answer" in reply.embeds[0]["description"]


async def test_mention_in_a_channel_gets_a_threaded_reply(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    sent = await fake_discord.send_message(
        f"<@{IDS.bot}> what did Musk say about Dojo spending? @everyone",
        author=IDS.member,
        channel_id=IDS.general,
    )
    assert sent is not None
    reply = await fake_discord.wait_for_message(IDS.general)
    assert reply.message_reference is not None
    assert reply.message_reference["message_id"] == sent["id"]
    assert reply.allowed_mentions == {"parse": [], "replied_user": False}
    assert reply.embeds[0]["title"].startswith("Elon Musk Is Spending $1B")


async def test_mention_in_a_thread_and_a_dm(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    await fake_discord.send_message(
        f"<@{IDS.bot}> D1 chip", author=IDS.member, channel_id=IDS.thread
    )
    reply = await fake_discord.wait_for_message(IDS.thread)
    assert "Dojo" in reply.embeds[0]["title"]
    await fake_discord.send_message("vision-only autonomy", author=IDS.member, channel_id=IDS.dm)
    dm_reply = await fake_discord.wait_for_message(IDS.dm)
    assert dm_reply.embeds[0]["title"].startswith("Tesla backs vision-only")


async def test_bare_mention_gets_help(fake_discord: FakeDiscord, corpus_bot: CorpusBot) -> None:
    await fake_discord.send_message(f"<@{IDS.bot}>", author=IDS.member, channel_id=IDS.general)
    reply = await fake_discord.wait_for_message(IDS.general)
    assert reply.content.startswith("**Ask me about the articles in my corpus.**")
    assert "Topics include: AI" in reply.content


async def test_other_bots_and_plain_messages_are_ignored(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    other_bot = FakeUser(1200000000000000999, "otherbot", bot=True)
    await fake_discord.send_message(f"<@{IDS.bot}> dojo", author=other_bot, channel_id=IDS.general)
    await fake_discord.send_message("dojo chat", author=IDS.member, channel_id=IDS.general)
    with pytest.raises(WaitTimeout):
        await fake_discord.wait_for_message(IDS.general, timeout=1.0)


async def test_help_is_private(fake_discord: FakeDiscord, corpus_bot: CorpusBot) -> None:
    record = await fake_discord.send_slash_command("help", user=IDS.member)
    callback = await record.wait_callback()
    assert callback["data"]["flags"] & EPHEMERAL
    assert "/ask question:<text>" in callback["data"]["content"]


async def test_a_private_answer_is_seen_only_by_the_asker(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    record = await fake_discord.send_slash_command(
        "ask", {"question": "what is dojo", "private": True}, user=IDS.member
    )
    callback = await record.wait_callback()
    assert callback["type"] == 5 and callback["data"]["flags"] & EPHEMERAL
    answer = await record.wait_followup()
    assert answer.flags & EPHEMERAL and "Dojo" in answer.embeds[0]["description"]
    public = await ask(fake_discord, "what is dojo")
    assert not public.flags & EPHEMERAL  # the default stays public


async def test_reindex_for_admins_only(fake_discord: FakeDiscord, corpus_bot: CorpusBot) -> None:
    refused = await fake_discord.send_slash_command(
        "reindex", user=IDS.member, member_permissions=NO_PERMISSIONS
    )
    callback = await refused.wait_callback()
    assert callback["data"]["flags"] & EPHEMERAL
    assert callback["data"]["content"] == "Only server admins (Manage Server) can do that."
    allowed = await fake_discord.send_slash_command(
        "reindex", user=IDS.admin, member_permissions=MANAGE_GUILD
    )
    assert (await allowed.wait_callback())["type"] == 5
    report = await allowed.wait_followup()
    assert report.embeds[0]["title"] == "Reindexed: 5 documents"
    assert (
        "added 0 \u00b7 changed 0 \u00b7 removed 0 \u00b7 skipped 0"
        in report.embeds[0]["description"]
    )
    owner = await fake_discord.send_slash_command(
        "reindex", user=IDS.owner, member_permissions=NO_PERMISSIONS
    )
    assert (await owner.wait_callback())["type"] == 5


async def test_a_long_reindex_shows_its_progress_then_the_report(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(3):
        (corpus / f"note-{n}.md").write_text(f"# Note {n}\n\nAbout topic {n}.\n")
    async with running_corpus_bot(tmp_path, **{"corpus.dir": str(corpus)}) as bot:
        for n in range(3, 40):
            (corpus / f"note-{n}.md").write_text(f"# Note {n}\n\nAbout topic {n}.\n")
        reading = assemble.read_one

        def slow_read(*args: Any) -> Any:
            time.sleep(0.03)  # 37 new files: about a second of reading
            return reading(*args)

        monkeypatch.setattr(assemble, "read_one", slow_read)
        cog = bot.get_cog("AdminCog")
        assert cog is not None
        monkeypatch.setattr(cog, "progress_seconds", 0.1)
        record = await fake_discord.send_slash_command(
            "reindex", user=IDS.admin, member_permissions=MANAGE_GUILD
        )
        assert (await record.wait_callback())["type"] == 5
        first = await record.wait_edit()
        assert re.fullmatch(r"Reading and analysing files: \d+ of 37", first.content or "")
        while True:  # progress edits, then the report in the same message
            edit = await record.wait_edit()
            if edit.embeds:
                break
            assert (edit.content or "").startswith("Reading and analysing files")
        assert edit.embeds[0]["title"] == "Reindexed: 40 documents"
        assert not edit.content and not record.followups.items


async def test_cooldown_is_friendly(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    settings = bot_settings(
        tmp_path, **{"discord.cooldown_rate": 1, "discord.cooldown_seconds": 60.0}
    )
    service = build_service(settings)
    await service.start()
    async with running_bot(CorpusBot(settings, service, tmp_path)):
        await ask(fake_discord, "dojo")
        second = await fake_discord.send_slash_command("ask", {"question": "dojo"}, user=IDS.member)
        callback = await second.wait_callback()
        assert callback["data"]["flags"] & EPHEMERAL
        assert callback["data"]["content"].startswith("You're asking quickly")


async def test_errors_reach_the_user_as_one_private_sentence(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("index exploded")

    corpus_bot.service.ask = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        record = await fake_discord.send_slash_command("ask", {"question": "dojo"}, user=IDS.member)
        await record.wait_callback()
        followup = await record.wait_followup()
    assert followup.content == ERROR_MESSAGE and followup.flags & EPHEMERAL
    deleted = await fake_discord.wait_for_request(
        "DELETE", rf"/webhooks/{IDS.application}/{record.token}/messages/@original"
    )
    assert deleted.status in (200, 204)
    assert any("index exploded" in (r.exc_text or "") for r in caplog.records)


async def test_questions_survive_a_reconnect_and_are_logged(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    await fake_discord.drop_connection(code=4000)
    await fake_discord.wait_for_resume()
    reply = await ask(fake_discord, "D1 chip and training tile")
    assert "Dojo" in reply.embeds[0]["title"]
    await fake_discord.send_message(f"<@{IDS.bot}> dojo", author=IDS.member, channel_id=IDS.general)
    await fake_discord.wait_for_message(
        IDS.general, predicate=lambda m: m.message_reference is not None
    )
    querylog = corpus_bot.service.sink
    assert isinstance(querylog, QueryLog)
    await querylog.flush()
    stats = read_stats(corpus_bot.settings.db_path)
    assert stats.by_surface == {"slash": 1, "mention": 1}


async def test_stats_for_admins_with_a_chart(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    await ask(fake_discord, "what is dojo")
    await ask(fake_discord, "How do I bake sourdough?")
    refused = await fake_discord.send_slash_command(
        "stats", user=IDS.member, member_permissions=NO_PERMISSIONS
    )
    assert "Only server admins" in (await refused.wait_callback())["data"]["content"]
    record = await fake_discord.send_slash_command(
        "stats", user=IDS.admin, member_permissions=MANAGE_GUILD
    )
    await record.wait_callback()
    report = await record.wait_followup()
    embed = report.embeds[0]
    assert embed["title"] == "Questions in the last 30 days"
    assert embed["description"].startswith("2 questions \u00b7 50% answered")
    assert embed["image"]["url"] == "attachment://stats.png"
    assert report.files and report.files[0].filename == "stats.png"
    assert report.files[0].data.startswith(b"\x89PNG")
    unanswered = next(f for f in embed["fields"] if f["name"] == "Top unanswered")
    assert "How do I bake sourdough?" in unanswered["value"]


async def test_stats_unanswered_attaches_a_csv_for_review(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    nothing = await fake_discord.send_slash_command(
        "stats", {"show": "unanswered"}, user=IDS.admin, member_permissions=MANAGE_GUILD
    )
    await nothing.wait_callback()
    assert "Nothing to review in the last 30 days" in (await nothing.wait_followup()).content
    await ask(fake_discord, "what is dojo")
    await ask(fake_discord, "How do I bake sourdough?")
    record = await fake_discord.send_slash_command(
        "stats", {"show": "unanswered", "days": 7}, user=IDS.admin, member_permissions=MANAGE_GUILD
    )
    await record.wait_callback()
    report = await record.wait_followup()
    assert report.flags & EPHEMERAL and report.content.startswith("1 to review from the last 7")
    assert report.files and report.files[0].filename == "unanswered.csv"
    lines = report.files[0].data.decode().splitlines()
    assert lines[0] == "kind,when,surface,question,article" and len(lines) == 2
    assert lines[1].startswith("unanswered,") and ",slash,How do I bake sourdough?," in lines[1]


async def test_forget_me_removes_only_my_rows(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    await ask(fake_discord, "what is dojo", user=IDS.member)
    await ask(fake_discord, "D1 chip", user=IDS.admin)
    record = await fake_discord.send_slash_command("forget-me", user=IDS.member)
    await record.wait_callback()
    done = await record.wait_followup()
    assert done.content == "Done: 1 entries about you were deleted from the log."
    assert done.flags & EPHEMERAL
    with sqlite3.connect(corpus_bot.settings.db_path) as db:
        assert [r[0] for r in db.execute("SELECT question FROM queries")] == ["D1 chip"]
