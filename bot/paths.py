"""Folders and files the bot writes are its own: created readable by their owner only.

With a permissive umask (000) Python's defaults would leave them writable by
everyone on the machine; these helpers set the modes explicitly.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> None:
    """Create ``path`` and any missing parents, each with mode 0700 (existing ones untouched)."""
    missing: list[Path] = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=FOLDER_MODE)
        with contextlib.suppress(OSError):
            os.chmod(folder, FOLDER_MODE)  # mkdir's mode is narrowed by the umask only


def private_file(path: Path) -> None:
    """Make an existing file (and SQLite's -wal and -shm beside it) owner-only."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(OSError):
            if candidate.exists() and candidate.stat().st_mode & 0o077:
                os.chmod(candidate, FILE_MODE)
