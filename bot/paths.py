"""Folders and files the bot writes are its own: created readable by their owner only.

With a permissive umask (000) Python's defaults would leave them writable by
everyone on the machine; these helpers set the modes explicitly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zlib
from pathlib import Path
from typing import Any

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


def private_open(path: Path) -> Any:
    """A new file (it must not exist yet), owner-only, open for writing bytes."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    return os.fdopen(descriptor, "wb")


def checksum(path: Path, size: int = 16) -> str:
    """A file's BLAKE2b digest (``size`` bytes, hex), read in blocks."""
    digest = hashlib.blake2b(digest_size=size)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def file_crc(path: Path) -> int:
    """A file's CRC-32, read in blocks (catches damage at several GB a second)."""
    crc = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    return crc


def replace_json(path: Path, value: Any) -> None:
    """Write ``value`` as JSON to ``path`` in one rename (owner-only)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(value, out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_manifest(path: Path, limit: int, error: type[Exception]) -> Any:
    """The JSON of a small manifest file, read no further than ``limit`` bytes; raises
    ``error`` saying what is wrong when it is larger or not JSON."""
    with path.open("rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise error("the manifest is too large")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(f"the manifest is not JSON ({exc})") from None
