"""Article vectors kept between runs, beside the saved index: only changed articles are
encoded again.

One manifest per corpus folder and model (``vectors-<corpus>-<model>.json``)
names a ``.npy`` file of float16 rows (loaded with ``allow_pickle=False``) and
lists, in row order, each article's texts digest and how many rows it has,
with the file's size and BLAKE2b checksum. A save writes a new data file,
then replaces the manifest in one rename. Whatever does not check out is
discarded with one warning (the vectors are encoded again), never trusted.
Everything is owner-only.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np

from bot.index.store import STALE_SECONDS
from bot.paths import checksum, private_folder, private_open, read_manifest, replace_json

log = logging.getLogger(__name__)

MAGIC = "corpus-bot vectors"
FORMAT = 1
MAX_MANIFEST_BYTES = 200_000_000

Rows = dict[str, np.ndarray]  # texts digest -> that article's vectors (float32 rows)


class VectorStoreError(ValueError):
    """Saved vectors that cannot be used; the message says why."""


def vectors_file(folder: Path, corpus: Path, model: str) -> Path:
    """The manifest of one corpus folder's vectors by one model, inside ``folder``."""
    corpus_name = hashlib.blake2b(str(corpus.resolve()).encode(), digest_size=8).hexdigest()
    model_name = hashlib.blake2b(model.encode(), digest_size=6).hexdigest()
    return folder / f"vectors-{corpus_name}-{model_name}.json"


def save(path: Path, model: str, keys: list[str], rows: Rows) -> None:
    """Save the vectors of the articles ``keys`` (in order) by ``model``."""
    private_folder(path.parent)
    blocks = [rows[key] for key in keys]
    dims = blocks[0].shape[1] if blocks else 0
    matrix = np.concatenate(blocks).astype(np.float16) if blocks else np.zeros((0, 0), np.float16)
    data = path.parent / f"{path.stem}.{secrets.token_hex(4)}.npy"
    try:
        with private_open(data) as out:
            np.save(out, matrix, allow_pickle=False)
        manifest = {
            "magic": MAGIC,
            "format": FORMAT,
            "model": model,
            "dimensions": int(dims),
            "data": data.name,
            "bytes": data.stat().st_size,
            "blake2b": checksum(data),
            "articles": [[key, len(rows[key])] for key in keys],
        }
        replace_json(path, manifest)
    except BaseException:
        data.unlink(missing_ok=True)
        raise
    _clean_up(path, data.name)


def _clean_up(path: Path, current: str) -> None:
    """Remove data files the manifest no longer names, and temporary files, once stale."""
    cutoff = time.time() - STALE_SECONDS
    leftovers = [
        *path.parent.glob(f"{path.stem}.*.npy"),
        *path.parent.glob(f"{path.name}*.tmp"),
        *path.parent.glob(f"{path.stem}.hnsw*.tmp"),  # a killed save of the vector graph's
    ]
    for other in leftovers:
        try:
            if other.name != current and other.stat().st_mtime < cutoff:
                other.unlink(missing_ok=True)
        except OSError:
            continue


def _manifest(path: Path, model: str) -> dict[str, Any]:
    manifest = read_manifest(path, MAX_MANIFEST_BYTES, VectorStoreError)
    if not isinstance(manifest, dict) or manifest.get("magic") != MAGIC:
        raise VectorStoreError("not a vectors manifest")
    if manifest.get("format") != FORMAT:
        raise VectorStoreError(f"format {manifest.get('format')!r}, expected {FORMAT}")
    if manifest.get("model") != model:
        raise VectorStoreError("made by another model")
    data = manifest.get("data")
    if not isinstance(data, str) or "/" in data or not data.startswith(f"{path.stem}."):
        raise VectorStoreError("the manifest names no data file of its own")
    return manifest


def _entries(manifest: dict[str, Any]) -> list[tuple[str, int]]:
    articles = manifest.get("articles")
    if not isinstance(articles, list):
        raise VectorStoreError("the manifest lists no articles")
    entries: list[tuple[str, int]] = []
    for entry in articles:
        ok = isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
        if not ok or not isinstance(entry[1], int) or isinstance(entry[1], bool) or entry[1] < 0:
            raise VectorStoreError("an article entry is not a digest and a count")
        entries.append((entry[0], entry[1]))
    return entries


def _read(path: Path, model: str) -> Rows:
    manifest = _manifest(path, model)
    entries = _entries(manifest)
    data = path.parent / manifest["data"]
    if not data.is_file() or data.stat().st_size != manifest.get("bytes"):
        raise VectorStoreError("the data file is missing or cut short")
    if checksum(data) != manifest.get("blake2b"):
        raise VectorStoreError("the data file does not match its checksum")
    matrix = np.load(data, mmap_mode="r", allow_pickle=False)
    dims = manifest.get("dimensions")
    if (
        matrix.dtype != np.float16
        or matrix.ndim != 2
        or matrix.shape[0] != sum(count for _key, count in entries)
    ):
        raise VectorStoreError("the data file has the wrong shape or type")
    if len(matrix) and (matrix.shape[1] != dims or not _finite(matrix)):
        raise VectorStoreError("the data file holds vectors that cannot be a model's")
    rows: Rows = {}
    start = 0
    for key, count in entries:  # views of the memory-mapped file: read as they are used
        rows[key] = matrix[start : start + count]
        start += count
    return rows


def _finite(matrix: np.ndarray, step: int = 65536) -> bool:
    """Whether every number is finite, a slice at a time (no copy of the whole file)."""
    return all(
        np.isfinite(matrix[start : start + step]).all() for start in range(0, len(matrix), step)
    )


def load(path: Path, model: str) -> Rows:
    """The saved vectors by texts digest; empty (with one warning) when missing, damaged or
    another model's."""
    if not path.exists():
        return {}
    try:
        return _read(path, model)
    except (OSError, ValueError) as exc:  # VectorStoreError too
        log.warning("saved vectors %s cannot be used (%s); encoding again", path, exc)
        return {}
