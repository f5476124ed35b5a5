"""A fake Discord (REST + gateway on 127.0.0.1) for end-to-end tests of discord.py bots.

Typical use::

    async with FakeDiscord(default_config()) as fake:
        with patched_discord(fake):
            async with running_bot(MyBot()):
                rec = await fake.send_slash_command("ping")
                assert (await rec.wait_callback())["data"]["content"] == "pong"

Fixtures live in :mod:`fakediscord.fixtures`.
"""

from __future__ import annotations

from .config import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    IDS,
    ChannelType,
    DefaultIds,
    FakeChannel,
    FakeConfig,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    default_config,
)
from .faults import Fault
from .harness import patched_discord, running_bot
from .recorder import (
    EventLog,
    GatewayEvent,
    InteractionRecord,
    MessageRecord,
    RecordedRequest,
    UploadedFile,
    WaitTimeout,
)
from .server import FakeDiscord

__all__ = [
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "IDS",
    "ChannelType",
    "DefaultIds",
    "EventLog",
    "FakeChannel",
    "FakeConfig",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Fault",
    "GatewayEvent",
    "InteractionRecord",
    "MessageRecord",
    "RecordedRequest",
    "UploadedFile",
    "WaitTimeout",
    "default_config",
    "patched_discord",
    "running_bot",
]
