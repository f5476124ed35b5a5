"""Watch the corpus folder and reindex after changes.

File events come from watchfiles (inotify, FSEvents, ReadDirectoryChangesW
through the Rust ``notify`` library): a burst of changes (a ``git pull``, a
copy of many files) is one reindex once the folder has been quiet for the
settle delay. Where file events cannot be had (no watchfiles, an inotify
watch limit reached, a file system without events), the folder is polled
instead every ``interval`` seconds, said in one warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.corpus.files import visible_files

log = logging.getLogger(__name__)

# The longest a burst of changes is gathered before reindexing anyway.
BURST_MAX_SECONDS = 60.0


def folder_signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the visible files under ``root``."""
    entries: list[tuple[str, int, int]] = []
    for _folder, files in visible_files(root):
        for entry in files:
            try:
                info = os.stat(entry.path)
            except OSError:
                continue
            entries.append((entry.path, info.st_size, info.st_mtime_ns))
    return tuple(sorted(entries))


def visible_change(root: Path) -> Callable[[Any, str], bool]:
    """A watchfiles filter: changes to files the corpus reads (none hidden, nor in a
    hidden folder, below ``root``)."""
    base = str(root.resolve())

    def wanted(_change: Any, path: str) -> bool:
        relative = os.path.relpath(path, base)
        return not any(part.startswith(".") for part in Path(relative).parts)

    return wanted


class CorpusWatcher:
    """Calls ``reindex`` when the corpus folder's files change: on file events, once
    quiet for ``settle`` seconds; by polling every ``interval`` s where events fail."""

    def __init__(
        self,
        root: Path,
        interval: float,
        reindex: Callable[[], Awaitable[object]],
        settle: float = 2.0,
        events: bool = True,
    ) -> None:
        """Watch ``root``; nothing runs until :meth:`start` (``events`` false: poll)."""
        self.root = root
        self.interval = interval
        self.reindex = reindex
        self.settle = settle
        self.events = events
        self.mode = ""  # "events" or "polling", once started
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def start(self) -> None:
        """Start watching in the background."""
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="corpus-watcher")

    async def _run(self) -> None:
        if self.events:
            try:
                await self._on_events()
                return
            except ImportError:  # pragma: no cover - watchfiles is a dependency
                log.warning("watchfiles is not installed; polling the corpus folder instead")
            except (OSError, RuntimeError) as exc:  # notify's errors arrive as these
                log.warning("no file events for %s (%s); polling it instead", self.root, exc)
        await self._poll()

    async def _on_events(self) -> None:
        from watchfiles import awatch

        self.mode = "events"
        changes = awatch(
            self.root,
            watch_filter=visible_change(self.root),
            debounce=int(BURST_MAX_SECONDS * 1000),
            step=max(50, int(self.settle * 1000)),
            stop_event=self._stop,
            recursive=True,
            ignore_permission_denied=True,
        )
        async for found in changes:
            log.info("corpus folder changed (%d files); reindexing", len(found))
            await self.reindex()

    async def _poll(self) -> None:
        self.mode = "polling"
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
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
