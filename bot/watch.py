"""Watch the corpus folder and reindex after changes (polling: works on every platform)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.corpus.files import visible_files

log = logging.getLogger(__name__)


def folder_signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the visible files under ``root``."""
    entries: list[tuple[str, int, int]] = []
    for folder, files in visible_files(root):
        for name in files:
            path = os.path.join(folder, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            entries.append((path, info.st_size, info.st_mtime_ns))
    return tuple(sorted(entries))


class CorpusWatcher:
    """Calls ``reindex`` when the corpus folder's files change, checking every ``interval`` s."""

    def __init__(
        self, root: Path, interval: float, reindex: Callable[[], Awaitable[object]]
    ) -> None:
        """Watch ``root``; nothing runs until :meth:`start`."""
        self.root = root
        self.interval = interval
        self.reindex = reindex
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start watching in the background."""
        self._task = asyncio.create_task(self._run(), name="corpus-watcher")

    async def _run(self) -> None:
        last = await asyncio.to_thread(folder_signature, self.root)
        while True:
            await asyncio.sleep(self.interval)
            current = await asyncio.to_thread(folder_signature, self.root)
            if current != last:
                log.info("corpus folder changed; reindexing")
                await self.reindex()
                last = current

    async def stop(self) -> None:
        """Stop watching."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
