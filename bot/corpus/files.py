"""Finding corpus files and reading them safely: visible files only, no links out of the
folder, no FIFOs, a size limit, text in legacy encodings.

A file that cannot be read raises :class:`SkipFile` with the reason; nothing here
raises anything else for a bad file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

DEFAULT_EXTENSIONS: tuple[str, ...] = (".md", ".markdown", ".mdx", ".txt")


class SkipFile(Exception):
    """Raised inside the loader when a file must be skipped; carries the reason."""


def visible_files(root: Path) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
    """``(folder, its files)`` of every visible folder under ``root``, depth first, in
    name order; hidden names (a leading dot) and links to folders are passed over.

    Iterative (a stack, not recursion), so a folder thousands deep cannot
    exhaust the interpreter's stack; a folder that cannot be listed is passed over.
    """
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = [(e, _kind(e)) for e in entries if not e.name.startswith(".")]
        except OSError:
            continue
        yield folder, sorted((e for e, kind in listed if kind == "file"), key=_name)
        subfolders = sorted((e.name for e, kind in listed if kind == "folder"), reverse=True)
        stack.extend(os.path.join(folder, name) for name in subfolders)


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _kind(entry: os.DirEntry[str]) -> str:
    """ "folder" to walk into, "link" (a link to a folder: never followed) or "file"."""
    try:
        if entry.is_dir(follow_symlinks=False):
            return "folder"
        return "link" if entry.is_dir() else "file"
    except OSError:
        return "file"


def iter_files(root: Path, extensions: tuple[str, ...]) -> Iterator[tuple[Path, str | None]]:
    """Yield ``(path, skip reason or None)`` for every visible file under ``root``.

    Hidden files and folders (a leading dot) are passed over silently; folder
    symlinks are not followed, so a symlink loop cannot trap the walk. Files
    with another extension are reported, so a user sees why they were left out.
    """
    for rel, _info, reason in scan_files(root, extensions):
        yield root / rel, reason


def suffix_of(name: str) -> str:
    """A file name's extension as :attr:`pathlib.PurePath.suffix` has it ("" for none)."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def scan_files(
    root: Path, extensions: tuple[str, ...]
) -> Iterator[tuple[str, os.stat_result | None, str | None]]:
    """``(path relative to root, its status, skip reason)`` of every visible file under
    ``root`` (see :func:`iter_files`): one ``lstat`` a file, and a second only for a link
    inside the folder; the status is ``None`` for a file that is skipped.

    Plain strings, not :class:`~pathlib.Path`: a warm start walks 100,000 files.
    """
    base = str(root)
    for folder, files in visible_files(root):
        prefix = folder[len(base) + 1 :] + "/" if folder != base else ""
        for entry in files:
            yield _scanned(root, entry, prefix, extensions)


def _scanned(
    root: Path, entry: os.DirEntry[str], prefix: str, extensions: tuple[str, ...]
) -> tuple[str, os.stat_result | None, str | None]:
    name = entry.name
    if printable_path(name) != name:
        # reported under a printable name (U+FFFD for the bad bytes), never read
        return prefix + printable_path(name), None, "file name is not valid UTF-8"
    rel, suffix = prefix + name, suffix_of(name)
    if suffix.lower() not in extensions:
        return rel, None, f"not a text or markdown file ({suffix or 'no extension'})"
    try:
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISLNK(info.st_mode):
            reason = link_reason(root, Path(entry.path))
            if reason is not None:
                return rel, None, reason
            info = os.stat(entry.path)
    except OSError as exc:
        return rel, None, f"cannot read file: {exc.strerror or exc}"
    return rel, info, None


def decode(raw: bytes) -> str:
    """Decode file bytes: UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    if b"\x00" in raw[:8192]:
        raise SkipFile("binary file (contains NUL bytes)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_text(path: Path, max_bytes: int) -> str:
    """Read and decode one file, refusing files over ``max_bytes`` and anything not a file.

    The file is opened without blocking and checked on the open descriptor, so
    a FIFO or device cannot hang a reindex, and a file that grows after it was
    listed is still cut off at the limit.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise SkipFile(f"cannot read file: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise SkipFile("not a regular file")
            if info.st_size > max_bytes:
                raise SkipFile(f"file too large ({info.st_size:,} bytes; limit {max_bytes:,})")
            raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise SkipFile(f"cannot read file: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise SkipFile(f"file too large (over {max_bytes:,} bytes; limit {max_bytes:,})")
    return decode(raw)


def printable_path(rel: str) -> str:
    """A path as it can be printed and stored: undecodable bytes of a file name replaced."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def link_reason(root: Path, path: Path) -> str | None:
    """Why a symbolic link must not be followed (broken, or leading out of the corpus), or None.

    A link out of the folder could publish any file the bot can read (its own
    settings, say) to everyone who asks.
    """
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing target, or a loop of links
        return "broken symbolic link"
    if not target.is_relative_to(root.resolve()):
        return "symbolic link to a file outside the corpus folder"
    return None
