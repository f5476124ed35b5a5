"""The command line's progress bar for long builds."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from bot.app import build_service
from bot.cli.progress import ProgressBar, follow
from bot.model import BuildProgress
from bot.settings import load_settings
from tests.conftest import SEEDS


def test_the_bar_follows_each_stage() -> None:
    out = io.StringIO()
    bar = ProgressBar(out, disable=False, redraw=0)
    bar.show(None)
    bar.show(BuildProgress("reading", 0, 40))
    bar.show(BuildProgress("reading", 25, 40))
    assert "reading files" in out.getvalue() and "25/40" in out.getvalue()
    bar.show(BuildProgress("encoding", 3, 9))
    assert "encoding passages" in out.getvalue() and "3/9" in out.getvalue()
    bar.close()
    bar.close()  # twice is fine


def test_off_a_terminal_nothing_is_drawn() -> None:
    out = io.StringIO()
    bar = ProgressBar(out)  # disable=None: tqdm draws only on a terminal
    bar.show(BuildProgress("reading", 5, 10))
    bar.close()
    assert out.getvalue() == ""


async def test_follow_shows_a_real_build_until_cancelled(tmp_path: Path) -> None:
    settings = load_settings(
        env={}, overrides={"corpus.dir": str(SEEDS), "db.path": str(tmp_path / "log.sqlite3")}
    )
    service = build_service(settings)
    out = io.StringIO()
    shown = asyncio.create_task(follow(service, ProgressBar(out, disable=False), 0.001))
    report = await service.reindex()
    await asyncio.sleep(0.01)
    shown.cancel()
    await asyncio.gather(shown, return_exceptions=True)
    assert report.ok and shown.done()
