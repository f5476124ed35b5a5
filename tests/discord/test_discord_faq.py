"""Curated answers (/faq) against the fake Discord: admins keep them, anyone posts one,
and a question that matches one gets it first, marked as curated."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from bot.discord.bot import CorpusBot
from bot.discord.cogs.admin import NOT_ALLOWED
from bot.discord.ui.embeds import CURATED_FOOTER
from fakediscord import IDS, FakeDiscord, UploadedFile
from tests.discord.support import EPHEMERAL, NO_PERMISSIONS, ask

pytest_plugins = ["fakediscord.fixtures"]
RESET = {
    "name": "reset password",
    "text": "Open **Settings → Account** and choose *Reset password*. @everyone",
    "link": "https://example.com/help/reset",
}


async def faq(
    fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, user: int = IDS.owner
) -> dict[str, Any]:
    record = await fake.send_slash_command(f"faq {sub}", options or {}, user=user)
    return dict(await record.wait_callback())


async def test_admins_keep_curated_answers_and_anyone_posts_one(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    added = await faq(fake_discord, "add", RESET)
    assert added["data"]["content"] == "Added \u201creset password\u201d."
    assert added["data"]["flags"] & EPHEMERAL
    taken = await faq(fake_discord, "add", {**RESET, "name": "Reset  PASSWORD"})
    assert taken["data"]["content"] == "There is already a curated answer named 'Reset PASSWORD'."
    record = await fake_discord.send_slash_command(
        "faq add", {"name": "x", "text": "y"}, user=IDS.member, member_permissions=NO_PERMISSIONS
    )
    assert (await record.wait_callback())["data"]["content"] == NOT_ALLOWED
    await faq(fake_discord, "add", {"name": "dojo basics", "text": "Dojo is Tesla's computer."})
    choices = await fake_discord.autocomplete_choices(
        "faq show", {"name": "res"}, focused="name", user=IDS.member
    )
    assert [c["value"] for c in choices] == ["reset password"]
    shown = await faq(fake_discord, "show", {"name": "RESET password"}, user=IDS.member)
    assert shown["type"] == 4 and not shown["data"].get("flags", 0) & EPHEMERAL  # for everyone
    embed = shown["data"]["embeds"][0]
    assert embed["title"] == "\N{PUSHPIN} reset password"
    assert embed["url"] == "https://example.com/help/reset"
    assert "**Settings → Account**" in embed["description"]  # admins' Markdown kept
    assert "@everyone" not in embed["description"]  # but mentions defused
    assert embed["footer"]["text"] == CURATED_FOOTER
    edited = await faq(fake_discord, "edit", {"name": "reset password", "text": "Ask an admin."})
    assert edited["data"]["content"] == "Changed \u201creset password\u201d."
    listed = await faq(fake_discord, "list")
    assert (
        listed["data"]["content"] == "2 curated answers:\n\u2022 dojo basics\n\u2022 reset password"
    )
    removed = await faq(fake_discord, "remove", {"name": "dojo basics"})
    assert removed["data"]["content"] == "Removed \u201cdojo basics\u201d."
    gone = await faq(fake_discord, "show", {"name": "dojo basics"})
    assert gone["data"]["flags"] & EPHEMERAL and "no curated answer" in gone["data"]["content"]
    with sqlite3.connect(corpus_bot.settings.db_path) as db:
        rows = db.execute("SELECT guild_id, name, text, link FROM faqs").fetchall()
    assert rows == [
        (IDS.guild, "reset password", "Ask an admin.", "https://example.com/help/reset")
    ]


async def test_a_matching_question_gets_the_curated_answer_first(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    await faq(fake_discord, "add", RESET)
    await faq(
        fake_discord,
        "add",
        {"name": "tesla dojo", "text": "Our notes on Dojo are pinned in #hardware."},
    )
    reply = await ask(fake_discord, "how do I reset my password?")
    assert [e["footer"]["text"] for e in reply.embeds] == [CURATED_FOOTER]  # the corpus has none
    both = await ask(fake_discord, "what is the tesla dojo supercomputer")
    assert both.embeds[0]["title"] == "\N{PUSHPIN} tesla dojo"
    assert "Dojo" in both.embeds[1]["title"] and both.embeds[1]["footer"]["text"] != CURATED_FOOTER
    plain = await ask(fake_discord, "how many GPUs does tesla use")  # no curated match
    assert len(plain.embeds) == 1 and plain.embeds[0]["footer"]["text"] != CURATED_FOOTER
    await fake_discord.send_message(f"<@{IDS.bot}> reset password please", author=IDS.member)
    mention = await fake_discord.wait_for_message(
        IDS.general, predicate=lambda m: m.message_reference is not None
    )
    assert mention.embeds[0]["title"] == "\N{PUSHPIN} reset password"


async def test_curated_answers_export_and_import_as_a_file(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    await faq(fake_discord, "add", RESET)
    record = await fake_discord.send_slash_command("faq export", user=IDS.owner)
    callback = await record.wait_callback()
    assert callback["data"]["flags"] & EPHEMERAL
    sent = await fake_discord.wait_for_message(predicate=lambda m: bool(m.files))
    data = sent.files[0].data
    document = json.loads(data)
    assert document["format"] == "corpus-bot-faq" and document["faqs"] == [RESET]
    await faq(fake_discord, "remove", {"name": "reset password"})
    upload = UploadedFile("file", "faq.json", "application/json", data)
    imported = await faq(fake_discord, "import", {"file": upload})
    assert imported["data"]["content"] == "Imported 1 curated answers."
    listed = await faq(fake_discord, "list")
    assert listed["data"]["content"] == "1 curated answers:\n\u2022 reset password"
    bad = UploadedFile("file", "faq.json", "application/json", b'{"format": "something else"}')
    refused = await faq(fake_discord, "import", {"file": bad})
    assert refused["data"]["content"] == "That file is not a curated-answer export of this bot."
