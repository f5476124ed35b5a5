"""Pointing discord.py at the fake and running a bot against it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import discord
import discord.asset
import discord.gateway
import discord.http
import yarl

from .recorder import WaitTimeout
from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def patched_discord(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base, default gateway and CDN at ``fake``; restore on exit."""
    saved = (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
        discord.asset.Asset.BASE,
    )
    discord.http.Route.BASE = fake.api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    discord.asset.Asset.BASE = fake.cdn_url
    try:
        yield
    finally:
        route_base, gateway, asset_base = saved
        discord.http.Route.BASE = route_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
        discord.asset.Asset.BASE = asset_base


@contextlib.asynccontextmanager
async def running_bot(
    bot: ClientT,
    *,
    token: str = "fake-token",
    timeout: float = 10.0,
    guild_ready_timeout: float | None = 0.2,
    skip_identify_delay: bool = True,
) -> AsyncIterator[ClientT]:
    """Log in, connect in a background task, wait for ``on_ready``; close cleanly on exit.

    discord.py waits ``guild_ready_timeout`` (default 2 s) after the last GUILD_CREATE
    before firing ``on_ready``; this lowers it unless ``guild_ready_timeout=None``.
    Its default ``before_identify_hook`` sleeps 5 s before every re-IDENTIFY (after an
    invalid session); ``skip_identify_delay`` replaces it with a no-op on this instance.
    Requires :func:`patched_discord` to be active.
    """
    if guild_ready_timeout is not None:
        bot._connection.guild_ready_timeout = guild_ready_timeout
    if skip_identify_delay:
        bot.before_identify_hook = _identify_now  # type: ignore[method-assign]
    connect: asyncio.Task[None] | None = None
    try:
        await asyncio.wait_for(bot.login(token), timeout)
        connect = asyncio.create_task(bot.connect(reconnect=True), name="fakediscord-bot-connect")
        await _wait_ready(bot, connect, timeout)
        yield bot
    finally:
        await bot.close()
        if connect is not None:
            await asyncio.wait_for(connect, timeout)


async def _identify_now(shard_id: int | None, *, initial: bool = False) -> None:
    """Replacement for Client.before_identify_hook without the 5 s sleep."""


async def _wait_ready(bot: discord.Client, connect: asyncio.Task[None], timeout: float) -> None:
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait(
        {ready, connect}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    if ready in done:
        return
    ready.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await ready
    if connect in done:
        connect.result()
        raise RuntimeError("bot.connect() returned before the bot became ready")
    raise WaitTimeout(f"bot not ready within {timeout}s")
