"""The bot against the fake Discord with its query log on a real PostgreSQL server:
answers, votes, buttons after a restart, server settings, curated answers and /stats."""

from __future__ import annotations

from pathlib import Path

from fakediscord import IDS, FakeDiscord
from tests.discord.support import EPHEMERAL, ask, button_ids, running_corpus_bot

pytest_plugins = ["fakediscord.fixtures", "tests.postgres"]


async def test_everything_stored_works_on_postgres(
    fake_discord: FakeDiscord, pg_url: str, tmp_path: Path
) -> None:
    on_postgres = {"db.url": pg_url}
    async with running_corpus_bot(tmp_path, **on_postgres):
        reply = await ask(fake_discord, "tesla supercomputer", user=IDS.member)
        added = await fake_discord.send_slash_command(
            "faq add", {"name": "dojo basics", "text": "Pinned in #hardware."}, user=IDS.owner
        )
        assert (await added.wait_callback())["data"]["content"] == "Added \u201cdojo basics\u201d."
        config = await fake_discord.send_slash_command(
            "config admin-role", {"role": IDS.admin_role}, user=IDS.owner
        )
        assert (await config.wait_callback())["data"]["flags"] & EPHEMERAL
    ids = button_ids(reply.components)
    async with running_corpus_bot(tmp_path, **on_postgres):  # a restart: state from the server
        vote = await fake_discord.click_button(reply.id, ids["\N{THUMBS UP SIGN}"], user=IDS.admin)
        assert (await vote.wait_callback())["type"] == 7
        await fake_discord.wait_for_edit(reply.id)
        more = await fake_discord.click_button(reply.id, ids["More results"], user=IDS.member)
        assert (await more.wait_callback())["type"] == 6  # the asker, known after the restart
        curated = await ask(fake_discord, "dojo basics please")
        assert curated.embeds[0]["title"] == "\N{PUSHPIN} dojo basics"
        stats = await fake_discord.send_slash_command("stats", user=IDS.owner)
        await stats.wait_callback()
        summary = await stats.wait_followup()
        fields = {f["name"]: f["value"] for f in summary.embeds[0]["fields"]}
        assert summary.embeds[0]["description"].startswith("3 questions")
        assert fields["Per surface"] == "slash 2, more 1"
        assert fields["Feedback"] == "1 votes, 0% \N{THUMBS DOWN SIGN}"
