"""Two shard processes of one bot side by side against the fake Discord: each answers
only the servers of its own shard (``(guild_id >> 22) % shard_count``)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from fakediscord import (
    IDS,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeUser,
    default_config,
    patched_discord,
)
from tests.discord.processes import read_until, start_bot, stop_bot

TOKEN = "MTIwMDAwMDAwMDAwMDAwMDAwMQ.GfAkEt.sh4rd-t0k3n"
OTHER_GUILD, OTHER_CHANNEL = 1200000000004194404, 1200000000004194405  # shard 0 of 2
# IDS.guild (1200000000000000100) is on shard 1 of 2


@pytest_asyncio.fixture
async def two_guilds() -> AsyncIterator[FakeDiscord]:
    """The default world plus a second server that falls on the other shard."""
    config = default_config(token=TOKEN)
    bot = config.bot
    member = next(m.user for m in config.guilds[0].members if m.user.id == IDS.member)
    config.guilds.append(
        FakeGuild(
            OTHER_GUILD,
            "Other Guild",
            owner_id=IDS.owner,
            channels=[FakeChannel(OTHER_CHANNEL, "general")],
            members=[FakeMember(bot), FakeMember(member), FakeMember(FakeUser(IDS.owner, "owner"))],
        )
    )
    async with FakeDiscord(config) as fake:
        with patched_discord(fake):
            yield fake


async def start_shard(fake: FakeDiscord, shard: int, folder: Path) -> asyncio.subprocess.Process:
    env = {
        "DISCORD_TOKEN": TOKEN,
        "BOT_DISCORD_SHARD_COUNT": "2",
        "BOT_DISCORD_SHARD_IDS": str(shard),
        "BOT_CORPUS_INDEX_CACHE": str(folder / "index"),
    }
    return await start_bot(fake.api_url, fake.gateway_url, folder / "log.sqlite3", env)


def questions(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as conn:
        return [(g, q) for g, q in conn.execute("SELECT guild_id, question FROM queries")]


async def test_two_shard_processes_each_answer_their_own_servers(
    two_guilds: FakeDiscord, tmp_path: Path
) -> None:
    folders = [tmp_path / "shard0", tmp_path / "shard1"]
    processes = [await start_shard(two_guilds, n, folders[n]) for n in (0, 1)]
    logs: list[list[str]] = [[], []]
    try:
        ready = (
            read_until(p, lines, "invite URL") for p, lines in zip(processes, logs, strict=True)
        )
        await asyncio.wait_for(asyncio.gather(*ready), 120)
        assert all(any("invite URL" in line for line in lines) for lines in logs), logs
        await two_guilds.wait_for_shards(2)
        identified = sorted(op["d"]["shard"] for op in two_guilds.gateway_ops if op["op"] == 2)
        assert identified == [[0, 2], [1, 2]]
        await two_guilds.send_message(
            f"<@{IDS.bot}> what is dojo", author=IDS.member, channel_id=OTHER_CHANNEL
        )
        await two_guilds.send_message(
            f"<@{IDS.bot}> how many GPUs does tesla use", author=IDS.member, channel_id=IDS.general
        )
        for channel in (OTHER_CHANNEL, IDS.general):
            reply = await two_guilds.wait_for_message(channel, timeout=30)
            assert reply.embeds and reply.message_reference is not None
        latency = await shard_latency_in_stats(two_guilds)
        assert latency.startswith("shard 1: ") and latency.endswith(" ms")  # its own shard only
    finally:  # both bots stop whatever happened above
        outputs = [await stop_bot(p, lines) for p, lines in zip(processes, logs, strict=True)]
    for n, output in enumerate(outputs):
        assert processes[n].returncode == 0, output
        assert f"shard {n} of 2 ready: 1 servers" in output, output
    assert [q for _g, q in questions(folders[0] / "log.sqlite3")] == ["what is dojo"]
    served = questions(folders[1] / "log.sqlite3")
    assert served[0] == (IDS.guild, "how many GPUs does tesla use")
    assert all(guild == IDS.guild for guild, _q in served)


async def shard_latency_in_stats(fake: FakeDiscord) -> str:
    """``/stats`` in the first server until its shard's latency is known (a heartbeat)."""
    for _ in range(40):
        record = await fake.send_slash_command("stats", user=IDS.owner, channel_id=IDS.general)
        await record.wait_callback(timeout=30)
        report = await record.wait_followup(timeout=30)
        fields = {f["name"]: f["value"] for f in report.embeds[0].get("fields", [])}
        if "Gateway latency (this process)" in fields:
            return str(fields["Gateway latency (this process)"])
        await asyncio.sleep(0.25)
    raise AssertionError("no shard latency in /stats")
