"""What support communities use besides /ask, against the fake Discord: the message menu
"Ask the corpus", curated answers (/faq), per-server settings (/config) and help channels
answered without a mention."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.discord.bot import CorpusBot
from bot.discord.cogs.admin import NOT_ALLOWED
from bot.discord.cogs.ask import ASK_MENU, NO_TEXT
from fakediscord import (
    IDS,
    FakeConfig,
    FakeDiscord,
    FakeMember,
    FakeRole,
    FakeUser,
    default_config,
)
from tests.discord.support import (
    EPHEMERAL,
    MANAGE_GUILD_BIT,
    NO_PERMISSIONS,
    ask,
    buttons,
    running_corpus_bot,
)

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


HELPERS = 1200000000000000303
HELPER = 1200000000000000204


@pytest.fixture
def fake_discord_config() -> FakeConfig:
    """The default world, with a Helpers role (no permissions) and one helper in it."""
    config = default_config()
    guild = config.guilds[0]
    guild.roles.append(FakeRole(HELPERS, "Helpers", 0, position=1))
    guild.members.append(FakeMember(FakeUser(HELPER, "helper"), [HELPERS]))
    return config


async def config_command(
    fake: FakeDiscord, name: str, options: dict[str, Any] | None = None, user: int = IDS.owner
) -> dict[str, Any]:
    record = await fake.send_slash_command(f"config {name}", options or {}, user=user)
    callback = await record.wait_callback()
    assert callback["data"]["flags"] & EPHEMERAL
    return dict(callback["data"])


def fields(data: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in data["embeds"][0]["fields"]}


async def test_config_is_an_admin_command_of_the_server(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    command = fake_discord.commands()["config"]
    assert int(command["default_member_permissions"]) == MANAGE_GUILD_BIT
    assert command["contexts"] == [0]  # not offered in DMs
    assert {o["name"] for o in command["options"]} == {
        "show",
        "answer-in",
        "auto-answer",
        "admin-role",
    }
    shown = await config_command(fake_discord, "show")
    assert fields(shown) == {
        "Answers in": "every channel",
        "Answers without a mention in": "no channel (answers need /ask or a mention)",
        "Admin role (beside Manage Server)": "none",
    }
    record = await fake_discord.send_slash_command(
        "config show", user=IDS.member, member_permissions=NO_PERMISSIONS
    )
    assert (await record.wait_callback())["data"]["content"] == NOT_ALLOWED


async def test_an_allow_list_keeps_the_bot_to_some_channels(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    done = await config_command(
        fake_discord, "answer-in", {"channel": IDS.general, "enabled": True}
    )
    assert done["content"] == f"Answering in <#{IDS.general}>."
    assert fields(done)["Answers in"] == f"<#{IDS.general}>"
    with sqlite3.connect(corpus_bot.settings.db_path) as db:
        stored = db.execute("SELECT guild_id, settings FROM guild_settings").fetchall()
    assert stored[0][0] == IDS.guild and str(IDS.general) in stored[0][1]
    elsewhere = await fake_discord.send_slash_command(
        "ask", {"question": "what is dojo"}, user=IDS.member, channel_id=IDS.other
    )
    refused = await elsewhere.wait_callback()
    assert refused["data"]["flags"] & EPHEMERAL
    assert refused["data"]["content"] == f"On this server I answer only in <#{IDS.general}>."
    mark = len(fake_discord.state.created)
    await fake_discord.send_message(f"<@{IDS.bot}> dojo", author=IDS.member, channel_id=IDS.other)
    await fake_discord.send_message(f"<@{IDS.bot}> dojo", author=IDS.member, channel_id=IDS.thread)
    reply = await fake_discord.wait_for_message(IDS.thread)  # a thread of #general: answered
    assert "Dojo" in reply.embeds[0]["title"]
    assert all(m.channel_id != IDS.other for m in list(fake_discord.state.created)[mark:])
    answered = await ask(fake_discord, "what is dojo")  # in #general
    assert "Dojo" in answered.embeds[0]["title"]
    await config_command(fake_discord, "answer-in", {"channel": IDS.general, "enabled": False})
    shown = await config_command(fake_discord, "show")
    assert fields(shown)["Answers in"] == "every channel"


async def test_an_admin_role_may_run_admin_commands(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    async def stats_as_helper() -> str:
        record = await fake_discord.send_slash_command("stats", user=HELPER)
        callback = await record.wait_callback()
        if callback["type"] == 5:  # deferred: the stats follow
            return str((await record.wait_followup()).embeds[0]["title"])
        return str(callback["data"]["content"])

    assert await stats_as_helper() == NOT_ALLOWED
    done = await config_command(fake_discord, "admin-role", {"role": HELPERS})
    assert done["content"] == f"Admin role: <@&{HELPERS}>."
    assert fields(done)["Admin role (beside Manage Server)"] == f"<@&{HELPERS}>"
    assert (await stats_as_helper()).startswith("Questions")
    await config_command(fake_discord, "admin-role")
    assert await stats_as_helper() == NOT_ALLOWED


async def test_integrations_overrides_rule_over_the_bots_own_check(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    async def reindex_as_member() -> int:
        record = await fake_discord.send_slash_command("reindex", user=IDS.member)
        return int((await record.wait_callback())["type"])

    assert await reindex_as_member() == 4  # refused: a plain member
    # the server's admins grant /reindex to the member in Server Settings -> Integrations
    await fake_discord.set_command_permissions(
        IDS.guild, "reindex", [{"id": IDS.member, "type": 2, "permission": True}]
    )
    assert await reindex_as_member() == 5  # deferred: it runs
    # ... then deny it to everyone in #general, whatever else allows it
    await fake_discord.set_command_permissions(
        IDS.guild,
        "reindex",
        [
            {"id": IDS.member, "type": 2, "permission": True},
            {"id": IDS.general, "type": 3, "permission": False},
        ],
    )
    assert await reindex_as_member() == 4
