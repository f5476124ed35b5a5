"""Smoke tests: a tiny discord.py bot end to end against the fake Discord."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import discord
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from fakediscord import IDS, FakeDiscord, running_bot

pytest_plugins = ["fakediscord.fixtures"]

COLOURS = ["red", "green", "blue", "rebeccapurple"]
TIMEOUT = 5.0


class ConfirmView(discord.ui.View):
    """A view with one button that edits the message and sends a followup."""

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success, custom_id="confirm")
    async def confirm(
        self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]
    ) -> None:
        """Replace the message and thank the clicker privately."""
        await interaction.response.edit_message(
            content=f"confirmed by {interaction.user.name}", view=None
        )
        await interaction.followup.send("thanks", ephemeral=True)
        self.stop()


class TinyBot(commands.Bot):
    """Slash command with autocomplete + view, and a mention responder."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = False
        super().__init__(command_prefix="!", intents=intents)
        self.inbox: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.tree.add_command(colour)

    async def on_message(self, message: discord.Message) -> None:
        """Record user messages; answer mentions with a reply."""
        if message.author.bot:
            return
        self.inbox.put_nowait(message)
        if self.user is not None and self.user in message.mentions:
            await message.reply(f"you called, {message.author.name}?")


@app_commands.command(name="colour", description="Show a colour")
@app_commands.describe(name="Colour name", shade="Shade from 1 to 9")
async def colour(interaction: discord.Interaction, name: str, shade: int = 1) -> None:
    """Reply with an embed and a confirm button."""
    embed = discord.Embed(title=f"Colour {name}", description=f"shade {shade}")
    await interaction.response.send_message(embed=embed, view=ConfirmView())


@colour.autocomplete("name")
async def colour_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Suggest colours starting with what was typed."""
    return [app_commands.Choice(name=c, value=c) for c in COLOURS if c.startswith(current)]


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord) -> AsyncIterator[TinyBot]:
    """The tiny bot, connected to the fake and with its commands synced."""
    async with running_bot(TinyBot()) as client:
        await client.tree.sync()
        yield client


async def next_seen(bot: TinyBot) -> discord.Message:
    """The next message the bot's on_message saw."""
    return await asyncio.wait_for(bot.inbox.get(), TIMEOUT)


async def test_ready_identify_and_sync(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    identify = (await fake_discord.wait_for_gateway_op(2))["d"]
    assert identify["intents"] & (1 << 15) == 0
    assert fake_discord.heartbeats >= 1
    assert bot.user is not None and bot.user.id == IDS.bot
    guild = bot.get_guild(IDS.guild)
    assert guild is not None and guild.owner_id == IDS.owner
    assert guild.get_channel(IDS.general) is not None and guild.get_thread(IDS.thread) is not None
    sync = await fake_discord.wait_for_request("PUT", rf"/applications/{IDS.application}/commands")
    assert [c["name"] for c in sync.json] == ["colour"]
    assert sync.response[0]["id"] == fake_discord.commands()["colour"]["id"]


async def test_slash_command_embed_view_and_button(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    record = await fake_discord.send_slash_command(
        "colour", {"name": "red", "shade": 3}, user=IDS.admin
    )
    assert record.payload["data"]["id"] == fake_discord.commands()["colour"]["id"]
    callback = await record.wait_callback()
    assert callback["type"] == 4
    assert callback["data"]["embeds"][0]["title"] == "Colour red"
    assert callback["data"]["embeds"][0]["description"] == "shade 3"
    sent = await fake_discord.wait_for_message(IDS.general)
    assert sent.source == "callback" and sent.id == record.original_message_id
    assert sent.components[0]["components"][0]["custom_id"] == "confirm"

    click = await fake_discord.click_button(sent.id, "confirm", user=IDS.member)
    update = await click.wait_callback()
    assert update["type"] == 7 and update["data"]["content"] == "confirmed by member"
    assert update["data"]["components"] == []
    edited = await fake_discord.wait_for_edit(sent.id)
    assert edited.content == "confirmed by member"
    followup = await click.wait_followup()
    assert followup.content == "thanks" and followup.flags & 64


async def test_autocomplete_choices(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    choices = await fake_discord.autocomplete_choices("colour", {"name": "re"}, focused="name")
    assert [c["value"] for c in choices] == ["red", "rebeccapurple"]


async def test_mention_gets_a_reply(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    delivered = await fake_discord.send_message(
        f"<@{IDS.bot}> hello", author=IDS.member, channel_id=IDS.general
    )
    assert delivered is not None and delivered["content"] == f"<@{IDS.bot}> hello"
    seen = await next_seen(bot)
    assert seen.content == f"<@{IDS.bot}> hello"
    reply = await fake_discord.wait_for_message(IDS.general)
    assert reply.content == "you called, member?"
    assert (
        reply.message_reference is not None
        and reply.message_reference["message_id"] == delivered["id"]
    )
    assert reply.message["referenced_message"]["content"] == f"<@{IDS.bot}> hello"


async def test_content_blanked_without_intent(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    await fake_discord.send_message("secret words", author=IDS.member, channel_id=IDS.thread)
    seen = await next_seen(bot)
    assert seen.content == "" and isinstance(seen.channel, discord.Thread)
    await fake_discord.send_message("hello in DM", author=IDS.member, channel_id=IDS.dm)
    dm = await next_seen(bot)
    assert dm.content == "hello in DM" and dm.guild is None


async def test_resume_after_dropped_connection(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    session = fake_discord.gateway.connection
    assert session is not None and session.session is not None
    await fake_discord.drop_connection(code=4000)
    resumed = await fake_discord.wait_for_resume()
    assert resumed.session_id == session.session.session_id
    assert resumed.payload["seq"] >= 1
    assert fake_discord.gateway.connection is not None
    assert fake_discord.gateway.connection.path == "/gateway-resume"

    await fake_discord.drop_connection(reconnect_op=True)
    await fake_discord.wait_for_resume()
    record = await fake_discord.send_slash_command("colour", {"name": "blue"})
    assert (await record.wait_callback())["type"] == 4


async def test_rate_limited_callback_is_retried(fake_discord: FakeDiscord, bot: TinyBot) -> None:
    fault = fake_discord.fail_next(
        r"/interactions/\d+/[^/]+/callback", status=429, retry_after=0.05
    )
    record = await fake_discord.send_slash_command("colour", {"name": "green"})
    callback = await record.wait_callback()
    assert callback["type"] == 4 and fault.remaining == 0
    path = re.escape(f"/interactions/{record.id}/{record.token}/callback")
    limited = await fake_discord.wait_for_request("POST", path, include_faults=True)
    assert limited.status == 429
    accepted = await fake_discord.wait_for_request("POST", path)
    assert accepted.status == 200 and accepted.query["with_response"] in ("1", "true")
