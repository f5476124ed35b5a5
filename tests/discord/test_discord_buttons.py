"""An answer's buttons against the fake Discord: they work after a restart, page only
for the asker, count votes, and delete an answer for its asker or an admin."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.discord.bot import CorpusBot
from bot.discord.ui.views import NOT_YOURS, TOO_OLD
from bot.querylog.stats import read_stats
from fakediscord import IDS, FakeDiscord, MessageRecord
from tests.discord.support import EPHEMERAL, ask, button_ids, buttons, running_corpus_bot

pytest_plugins = ["fakediscord.fixtures"]
UP, DOWN, BIN = "\N{THUMBS UP SIGN}", "\N{THUMBS DOWN SIGN}", "\N{WASTEBASKET}"


def vote_labels(components: list[dict[str, Any]]) -> dict[str, str | None]:
    return {
        b["emoji"]["name"]: b.get("label")
        for b in buttons(components)
        if (b.get("emoji") or {}).get("name") in (UP, DOWN)
    }


async def click(fake: FakeDiscord, message: MessageRecord, name: str, user: int) -> Any:
    record = await fake.click_button(message.id, button_ids(message.components)[name], user=user)
    return record, await record.wait_callback()


async def test_buttons_are_persistent_ids_that_name_the_reply(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    reply = await ask(fake_discord, "tesla supercomputer")
    ids = button_ids(reply.components)
    assert set(ids) == {UP, DOWN, "More results", BIN}
    key = ids[BIN].removeprefix("cb:delete:")
    assert ids == {
        UP: f"cb:vote:{key}:up",
        DOWN: f"cb:vote:{key}:down",
        "More results": f"cb:more:{key}:1",
        BIN: f"cb:delete:{key}",
    }
    with sqlite3.connect(corpus_bot.settings.db_path) as db:
        await corpus_bot.querylog.flush()  # type: ignore[union-attr]
        rows = db.execute("SELECT question FROM queries WHERE reply_key = ?", (key,)).fetchall()
    assert rows == [("tesla supercomputer",)]


async def test_more_results_pages_on_in_place_for_the_asker(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    reply = await ask(fake_discord, "tesla supercomputer")
    _, callback = await click(fake_discord, reply, "More results", IDS.member)
    assert callback["type"] == 6
    edited = await fake_discord.wait_for_edit(reply.id)
    assert "**[4]**" in edited.embeds[0]["description"]
    assert "**[1]**" not in edited.embeds[0]["description"]
    assert {UP, DOWN, BIN} <= set(button_ids(edited.components))  # still the asker's answer


async def test_another_members_more_results_is_their_own_private_copy(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    reply = await ask(fake_discord, "tesla supercomputer", user=IDS.member)
    record, callback = await click(fake_discord, reply, "More results", IDS.admin)
    assert callback["type"] == 5 and callback["data"]["flags"] & EPHEMERAL
    copy = await record.wait_followup()
    assert copy.flags & EPHEMERAL and "**[4]**" in copy.embeds[0]["description"]
    assert "**[1]**" in fake_discord.messages[reply.id]["embeds"][0]["description"]
    assert not [e for e in fake_discord.state.edits if e.id == reply.id]  # nobody else's changed
    ids = button_ids(copy.components)
    assert set(ids) <= {"More results"}  # a private copy: no votes, nothing to delete
    if ids:  # its own pages turn in place for whoever sees it
        stored = fake_discord.messages[copy.id]
        assert ids["More results"].endswith(":2:p") and stored["flags"] & EPHEMERAL


async def test_a_vote_updates_the_counts_on_the_buttons(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    reply = await ask(fake_discord, "D1 chip")
    assert vote_labels(reply.components) == {UP: None, DOWN: None}
    texts, labels = [], []
    for user, name in ((IDS.member, UP), (IDS.member, UP), (IDS.member, DOWN), (IDS.admin, UP)):
        record, callback = await click(fake_discord, reply, name, user)
        assert callback["type"] == 7  # the answer message itself is updated
        labels.append(vote_labels(callback["data"]["components"]))
        thanks = await record.wait_followup()
        assert thanks.flags & EPHEMERAL
        texts.append(thanks.content)
    assert texts == [
        "Thanks for the feedback!",
        "You already voted that way.",
        "Your vote was changed.",
        "Thanks for the feedback!",
    ]
    assert labels == [
        {UP: "1", DOWN: None},
        {UP: "1", DOWN: None},
        {UP: None, DOWN: "1"},
        {UP: "1", DOWN: "1"},
    ]
    stored = fake_discord.messages[reply.id]["components"]
    assert button_ids(stored) == button_ids(reply.components)  # the same buttons, new counts
    assert [b.get("url") for b in buttons(stored)] == [
        b.get("url") for b in buttons(reply.components)
    ]
    with sqlite3.connect(corpus_bot.settings.db_path) as db:
        votes = db.execute("SELECT vote, question, top_id FROM feedback ORDER BY id").fetchall()
    assert votes == [
        (-1, "D1 chip", "003_796cce0c68a26100.txt"),
        (1, "D1 chip", "003_796cce0c68a26100.txt"),
    ]
    assert read_stats(corpus_bot.settings.db_path).downvotes == 1


async def test_buttons_work_after_the_bot_restarted(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with running_corpus_bot(tmp_path):
        reply = await ask(fake_discord, "tesla supercomputer", user=IDS.member)
    async with running_corpus_bot(tmp_path) as restarted:
        assert restarted.recent.get(button_ids(reply.components)[BIN][-16:]) is None
        record, callback = await click(fake_discord, reply, UP, IDS.admin)
        assert callback["type"] == 7
        assert (await record.wait_followup()).content == "Thanks for the feedback!"
        voted = await fake_discord.wait_for_edit(reply.id)
        assert vote_labels(voted.components) == {UP: "1", DOWN: None}
        _, callback = await click(fake_discord, reply, "More results", IDS.member)
        assert callback["type"] == 6  # the asker is recognised after the restart
        edited = await fake_discord.wait_for_edit(reply.id)
        assert "**[4]**" in edited.embeds[0]["description"]
        assert {UP, DOWN, BIN} <= set(button_ids(edited.components))


async def test_the_asker_or_an_admin_deletes_an_answer(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    theirs = await ask(fake_discord, "what is dojo", user=IDS.admin)
    _, refused = await click(fake_discord, theirs, BIN, IDS.member)
    assert refused["data"]["content"] == NOT_YOURS and refused["data"]["flags"] & EPHEMERAL
    assert theirs.id in fake_discord.messages
    mine = await ask(fake_discord, "what is dojo", user=IDS.member)
    await fake_discord.send_message(f"<@{IDS.bot}> D1 chip", author=IDS.member)
    mention = await fake_discord.wait_for_message(
        IDS.general, predicate=lambda m: m.message_reference is not None
    )
    # the asker their own; the owner and an admin (Manage Server) anyone's
    for message, user in ((mine, IDS.member), (mention, IDS.owner), (theirs, IDS.admin)):
        _, callback = await click(fake_discord, message, BIN, user)
        assert callback["type"] == 6
        await fake_discord.wait_for_request("DELETE", r".*/messages/@original")
        assert message.id not in fake_discord.messages


async def test_a_forgotten_askers_buttons_say_so(
    fake_discord: FakeDiscord, corpus_bot: CorpusBot
) -> None:
    reply = await ask(fake_discord, "tesla supercomputer", user=IDS.member)
    forget = await fake_discord.send_slash_command("forget-me", user=IDS.member)
    await forget.wait_followup()
    for name in ("More results", UP):
        _, callback = await click(fake_discord, reply, name, IDS.member)
        assert callback["data"]["content"] == TOO_OLD and callback["data"]["flags"] & EPHEMERAL
