"""pytest fixtures; enable with ``pytest_plugins = ["fakediscord.fixtures"]``.

Override ``fake_discord_config`` in a test module or conftest to change the world.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from .config import FakeConfig, default_config
from .harness import patched_discord
from .server import FakeDiscord


@pytest.fixture
def fake_discord_config() -> FakeConfig:
    """The configuration ``fake_discord`` starts with (default: :func:`default_config`)."""
    return default_config()


@pytest_asyncio.fixture
async def fake_discord(fake_discord_config: FakeConfig) -> AsyncIterator[FakeDiscord]:
    """A started :class:`FakeDiscord` with discord.py patched to use it.

    Teardown fails the test if the fake's handlers raised (see ``fake.errors``).
    """
    async with FakeDiscord(fake_discord_config) as fake:
        with patched_discord(fake):
            yield fake
    assert not fake.errors, "fake discord handler errors:\n" + "\n".join(fake.errors)
