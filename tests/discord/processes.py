"""``python -m bot run`` in a child process against a given Discord (the fake, or a
closed port), for the tests of start-up, intents and shards."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import ROOT

RUN_AGAINST = ROOT / "tests" / "scripts" / "run_against.py"


async def start_bot(
    api_base: str,
    gateway: str,
    db: Path,
    env: dict[str, str],
    *,
    stdout: int = asyncio.subprocess.DEVNULL,
) -> asyncio.subprocess.Process:
    """The bot, logging to ``db``, with ``env`` over the environment (without its own
    ``BOT_`` and ``DISCORD_`` variables); stderr is a pipe."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DISCORD_"))}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(RUN_AGAINST),
        api_base,
        gateway,
        "--",
        "run",
        "--db",
        str(db),
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
    )


async def read_until(process: asyncio.subprocess.Process, lines: list[str], text: str) -> None:
    """Read stderr into ``lines`` until a line holds ``text`` (or the output ends)."""
    assert process.stderr is not None
    while not any(text in line for line in lines):
        line = await process.stderr.readline()
        if not line:
            return
        lines.append(line.decode())


async def stop_bot(process: asyncio.subprocess.Process, lines: list[str]) -> str:
    """SIGTERM the bot if it still runs (by its process id), read the rest of stderr,
    wait for it; returns everything it wrote to stderr."""
    assert process.stderr is not None
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    rest = await asyncio.wait_for(process.stderr.read(), 60)
    await process.wait()
    return "".join(lines) + rest.decode()
