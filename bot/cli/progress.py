"""A progress bar for long builds on the command line (tqdm, on stderr, only on a
terminal: a redirected or piped run prints nothing extra)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any, TextIO

from tqdm import tqdm

from bot.model import BuildProgress
from bot.service import Service

LABELS = {"reading": "reading files", "encoding": "encoding passages", "indexing": "indexing"}
UNITS = {"reading": " files", "encoding": " passages"}
POLL_SECONDS = 0.1


class ProgressBar:
    """One bar per stage of a build, following :attr:`Service.progress`."""

    def __init__(
        self, file: TextIO | None = None, disable: bool | None = None, redraw: float = 0.2
    ) -> None:
        """A bar on ``file`` (stderr); ``disable`` None: shown only on a terminal;
        redrawn at most every ``redraw`` seconds."""
        self._file = file or sys.stderr
        self._disable = disable
        self._redraw = redraw
        self._bar: Any = None
        self._stage = ""

    def show(self, progress: BuildProgress | None) -> None:
        """Move the bar to ``progress`` (a new stage starts a new bar)."""
        if progress is None or progress.total <= 0:
            return
        if progress.stage != self._stage:
            self.close()
            self._stage = progress.stage
            self._bar = tqdm(
                total=progress.total,
                desc=LABELS.get(progress.stage, progress.stage),
                file=self._file,
                disable=self._disable,
                unit=UNITS.get(progress.stage, ""),
                mininterval=self._redraw,
                leave=False,
                dynamic_ncols=True,
            )
        if self._bar.total != progress.total:
            self._bar.total = progress.total
        self._bar.update(progress.done - self._bar.n)

    def close(self) -> None:
        """Take the bar away."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


async def follow(service: Service, bar: ProgressBar, interval: float = POLL_SECONDS) -> None:
    """Show the service's build progress on ``bar`` until cancelled."""
    try:
        while True:
            bar.show(service.progress)
            await asyncio.sleep(interval)
    finally:
        bar.close()
