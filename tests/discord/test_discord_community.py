"""What support communities use besides /ask, against the fake Discord: the message menu
"Ask the corpus", curated answers (/faq), per-server settings (/config) and help channels
answered without a mention."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.discord.bot import CorpusBot
from bot.discord.cogs.admin import NOT_ALLOWED
from bot.discord.cogs.ask import ASK_MENU, NO_TEXT
from bot.discord.ui.views import NOT_YOURS
from fakediscord import (
    IDS,
    ChannelType,
    FakeChannel,
    FakeConfig,
    FakeDiscord,
    FakeMember,
    FakeRole,
    FakeUser,
    MessageRecord,
    default_config,
)
from tests.discord.support import (
    EPHEMERAL,
    MANAGE_GUILD_BIT,
    NO_PERMISSIONS,
    ask,
    button_ids,
    buttons,
    running_corpus_bot,
)

pytest_plugins = ["fakediscord.fixtures"]


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
FORUM = 1200000000000000410
HELP = 1200000000000000411
SOLVED_TAG, BUG_TAG = 1200000000000000420, 1200000000000000421


@pytest.fixture
def fake_discord_config() -> FakeConfig:
    """The default world with a Helpers role (no permissions) and one helper in it, a
    help forum with a "Solved" tag, and a help text channel."""
    config = default_config()
    guild = config.guilds[0]
    guild.roles.append(FakeRole(HELPERS, "Helpers", 0, position=1))
    guild.members.append(FakeMember(FakeUser(HELPER, "helper"), [HELPERS]))
    tags: list[dict[str, object]] = [
        {"id": str(BUG_TAG), "name": "Bug"},
        {"id": str(SOLVED_TAG), "name": "Solved"},
    ]
    forum = FakeChannel(FORUM, "help-forum", ChannelType.FORUM, position=2, available_tags=tags)
    guild.channels += [forum, FakeChannel(HELP, "help", position=3)]
    forum.guild_id = guild.channels[-1].guild_id = guild.id
    return config


@pytest_asyncio.fixture
async def helpdesk_bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[CorpusBot]:
    """The bot with the help forum and the help channel answered without a mention."""
    async with running_corpus_bot(
        tmp_path, **{"discord.auto_answer_channels": (FORUM, HELP)}
    ) as bot:
        yield bot


async def logged(bot: CorpusBot, question: str) -> None:
    """Wait until the query log holds ``question``: the bot has decided on it."""
    assert bot.querylog is not None
    for _ in range(200):
        await bot.querylog.flush()
        with sqlite3.connect(bot.settings.db_path) as db:
            if db.execute("SELECT 1 FROM queries WHERE question = ?", (question,)).fetchone():
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{question!r} was never logged")


def posted_in(fake: FakeDiscord, channel_id: int) -> list[MessageRecord]:
    return [m for m in fake.state.created if m.channel_id == channel_id]


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


async def test_a_new_forum_post_is_answered_inside_it_once(
    fake_discord: FakeDiscord, helpdesk_bot: CorpusBot
) -> None:
    identify = (await fake_discord.wait_for_gateway_op(2))["d"]
    assert identify["intents"] & (1 << 15)  # auto-answer asks for the message content intent
    post, delivered = await fake_discord.create_forum_post(
        FORUM, "GPUs at Tesla", "how many GPUs does tesla use for training?", author=IDS.member
    )
    assert delivered is not None and delivered["content"]  # the intent brings the text
    answer = await fake_discord.wait_for_message(post.id)
    assert answer.embeds[0]["title"].startswith("How Tesla is using a supercomputer")
    assert answer.message_reference is not None
    assert answer.message_reference["message_id"] == str(post.id)
    assert button_ids(answer.components)["Solved"].startswith("cb:solved:")
    # the same first message again (a replayed event, another process): not answered twice
    await fake_discord.dispatch("MESSAGE_CREATE", delivered)
    # a reply inside the post is not a new question
    await fake_discord.send_message("what is dojo?", author=IDS.admin, channel_id=post.id)
    await logged(helpdesk_bot, "GPUs at Tesla. how many GPUs does tesla use for training?")
    follow_up = await fake_discord.create_forum_post(
        FORUM, "Dojo", "what is the D1 chip in dojo?", author=IDS.admin
    )
    await fake_discord.wait_for_message(follow_up[0].id)
    assert len(posted_in(fake_discord, post.id)) == 1


async def test_solved_tags_the_post_for_its_author(
    fake_discord: FakeDiscord, helpdesk_bot: CorpusBot
) -> None:
    post, _ = await fake_discord.create_forum_post(
        FORUM,
        "Dojo chip",
        "what is the D1 chip in tesla's dojo?",
        author=IDS.member,
        tags=[BUG_TAG],
    )
    answer = await fake_discord.wait_for_message(post.id)
    solved = button_ids(answer.components)["Solved"]
    other = await fake_discord.click_button(answer.id, solved, user=HELPER)
    assert (await other.wait_callback())["data"]["content"] == NOT_YOURS
    record = await fake_discord.click_button(answer.id, solved, user=IDS.member)
    callback = await record.wait_callback()
    assert callback["type"] == 7
    assert "Solved" not in [b.get("label") for b in buttons(callback["data"]["components"])]
    note = await record.wait_followup()
    assert note.content == "Marked as solved: tagged \u201cSolved\u201d." and note.flags & EPHEMERAL
    assert fake_discord.channel(post.id).applied_tags == [BUG_TAG, SOLVED_TAG]


async def test_an_unanswerable_forum_post_is_left_alone(
    fake_discord: FakeDiscord, helpdesk_bot: CorpusBot
) -> None:
    post, _ = await fake_discord.create_forum_post(
        FORUM, "Bread", "what is the best recipe for banana bread?", author=IDS.member
    )
    await logged(helpdesk_bot, "Bread. what is the best recipe for banana bread?")
    assert posted_in(fake_discord, post.id) == []


async def test_questions_in_a_help_channel_need_no_mention(
    fake_discord: FakeDiscord, helpdesk_bot: CorpusBot
) -> None:
    await fake_discord.send_message(
        "thanks all, see you tomorrow", author=IDS.member, channel_id=HELP
    )
    await fake_discord.send_message(
        "how many GPUs does tesla use for training its AI", author=IDS.member, channel_id=HELP
    )
    answer = await fake_discord.wait_for_message(HELP)
    assert answer.embeds[0]["title"].startswith("How Tesla is using a supercomputer")
    assert "Solved" not in [b.get("label") for b in buttons(answer.components)]
    await fake_discord.send_message(
        "what is the D1 chip in dojo?", author=IDS.member, channel_id=IDS.general
    )
    await logged(helpdesk_bot, "how many GPUs does tesla use for training its AI")
    with sqlite3.connect(helpdesk_bot.settings.db_path) as db:
        questions = [q for (q,) in db.execute("SELECT question FROM queries")]
    assert "thanks all, see you tomorrow" not in questions  # not a question: not even asked
    assert len(posted_in(fake_discord, HELP)) == 1
    assert posted_in(fake_discord, IDS.general) == []  # not a help channel: mentions only


async def test_auto_answer_set_per_server_with_config(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    done = await config_command(fake_discord, "auto-answer", {"channel": FORUM, "enabled": True})
    assert done["content"].startswith(f"Auto-answer on in <#{FORUM}>.")
    assert "Message Content intent" in done["content"]  # this bot started without it
    assert fields(done)["Answers without a mention in"] == f"<#{FORUM}>"
    assert corpus_bot.querylog is not None and await corpus_bot.querylog.auto_answer_configured()
