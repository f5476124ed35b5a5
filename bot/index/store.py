"""The analysed corpus, kept between runs: load at start-up, re-analyse only changed files.

A :class:`Parts` holds what indexing needs: the articles (in id order), each
one's term counts per field and per passage and content words (CSR arrays),
the skipped files, and the size and modification time of every file they
came from. Nothing is pickled: the arrays are ``.npy`` files (loaded
memory-mapped, ``allow_pickle=False``) and the rest is JSON, in a data folder
named by a manifest (``index-<corpus>.json``) that records the format, the key
(the analyzer version and the indexing settings), each file's size and a
BLAKE2b checksum. A save writes a new data folder, then replaces the manifest
in one rename; folders it no longer names and temporary files are removed
once ten minutes old (another process or thread may be saving beside it). A manifest or a
file that does not check out (damaged, cut short, another format, other
settings, arrays whose shapes or values cannot be an index) is discarded with
one warning and rebuilt, never trusted. Everything is owner-only.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bot.corpus.loader import LoadOptions
from bot.index.codec import (
    decode_article,
    decode_skipped,
    decode_stamps,
    decode_terms,
    encode_article,
)
from bot.index.fields import STORED_FIELDS
from bot.index.matrix import TermMatrix
from bot.index.parts import Parts
from bot.paths import checksum, private_folder, private_open, read_manifest

log = logging.getLogger(__name__)

MAGIC = "corpus-bot index"
FORMAT = 6
# Bump when the analyzer or the article parser changes what they produce.
ANALYZER_VERSION = 8
# A manifest is small; anything larger is not one.
MAX_MANIFEST_BYTES = 1_000_000
RECORDS = "records.json"
# A data folder or temporary file untouched this long is an old index or a killed
# save's leftover (a younger one may be another process's or thread's save under way).
STALE_SECONDS = 600.0
_ARRAYS = (("indptr", np.int64), ("term_ids", np.int32), ("tfs", np.float32))
_MATRICES = (*STORED_FIELDS, "words", "passages")


class StoreError(ValueError):
    """A saved index that cannot be used; the message says why."""


def settings_key(options: LoadOptions) -> str:
    """What the stored analysis depends on, as a short hash (field weights do not:
    the counts are kept per field and weighed when an index is built)."""
    text = f"{FORMAT}|{ANALYZER_VERSION}|{STORED_FIELDS!r}|{options!r}"
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def cache_file(folder: Path, corpus: Path) -> Path:
    """The manifest of one corpus folder's saved index inside ``folder``."""
    name = hashlib.blake2b(str(corpus.resolve()).encode(), digest_size=8).hexdigest()
    return folder / f"index-{name}.json"


def _matrices(parts: Parts) -> dict[str, TermMatrix]:
    return {**parts.fields, "words": parts.words, "passages": parts.passages}


def _write_data(folder: Path, parts: Parts) -> dict[str, Any]:
    """Write the arrays and records into ``folder``; their sizes and checksums."""
    files: dict[str, Any] = {}
    arrays = {
        f"{name}.{part}": getattr(matrix, part)
        for name, matrix in _matrices(parts).items()
        for part, _dtype in _ARRAYS
    }
    arrays["passage_ptr"] = parts.passage_ptr
    for name, array in arrays.items():
        path = folder / f"{name}.npy"
        with private_open(path) as out:
            np.save(out, np.ascontiguousarray(array), allow_pickle=False)
        files[path.name] = {"bytes": path.stat().st_size, "blake2b": checksum(path)}
    records = {
        "stamps": {path: list(stamp) for path, stamp in parts.stamps.items()},
        "skipped": [[s.path, s.reason] for s in parts.skipped],
        "articles": [encode_article(a) for a in parts.articles],
        "terms": {name: list(matrix.terms) for name, matrix in _matrices(parts).items()},
    }
    path = folder / RECORDS
    with private_open(path) as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
        json.dump(records, out, ensure_ascii=False)  # streamed: no second copy in memory
    files[RECORDS] = {"bytes": path.stat().st_size, "blake2b": checksum(path)}
    return files


def save(path: Path, parts: Parts) -> None:
    """Save ``parts``: a new data folder beside the manifest ``path``, then the manifest
    replaced in one rename (a reader sees the old index or the new, never half)."""
    private_folder(path.parent)
    data = path.parent / f"{path.stem}.d-{secrets.token_hex(4)}"
    data.mkdir(mode=0o700)
    try:
        files = _write_data(data, parts)
        manifest = {"magic": MAGIC, "format": FORMAT, "key": parts.key,
                    "data": data.name, "files": files}  # fmt: skip
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(manifest, out)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except BaseException:
        shutil.rmtree(data, ignore_errors=True)
        raise
    clean_up(path, older_than=STALE_SECONDS)  # a fresh folder may be another save's


def clean_up(path: Path, older_than: float = 0.0) -> None:
    """Remove data folders the manifest ``path`` does not name, and temporary files
    (with ``older_than``, only those untouched for that many seconds: another
    process may be saving beside us)."""
    current = _named_folder(path)
    cutoff = time.time() - older_than

    def stale(entry: Path) -> bool:
        try:
            return not older_than or entry.stat().st_mtime < cutoff
        except OSError:
            return False

    for other in path.parent.glob(f"{path.stem}.d-*"):
        if other.name != current and stale(other):
            shutil.rmtree(other, ignore_errors=True)
    for leftover in path.parent.glob(f"{path.name}*.tmp"):
        if stale(leftover):
            leftover.unlink(missing_ok=True)
    path.with_suffix(".bin").unlink(missing_ok=True)  # an earlier version's file, never read


def _named_folder(path: Path) -> str | None:
    try:
        return str(_manifest(path)["data"])
    except (OSError, StoreError, KeyError):
        return None


def _manifest(path: Path) -> dict[str, Any]:
    manifest = read_manifest(path, MAX_MANIFEST_BYTES, StoreError)
    if not isinstance(manifest, dict) or manifest.get("magic") != MAGIC:
        raise StoreError("not an index manifest")
    if manifest.get("format") != FORMAT:
        raise StoreError(f"index format {manifest.get('format')!r}, expected {FORMAT}")
    data, files = manifest.get("data"), manifest.get("files")
    if not isinstance(data, str) or "/" in data or not data.startswith(f"{path.stem}.d-"):
        raise StoreError("the manifest names no data folder of its own")
    if not isinstance(files, dict):
        raise StoreError("the manifest lists no files")
    return manifest


def _checked(folder: Path, name: str, files: dict[str, Any]) -> Path:
    """The path of a listed data file whose size and checksum match the manifest."""
    entry = files.get(name)
    path = folder / name
    if not isinstance(entry, dict) or not path.is_file():
        raise StoreError(f"{name} is missing")
    if path.stat().st_size != entry.get("bytes") or checksum(path) != entry.get("blake2b"):
        raise StoreError(f"{name} does not match its checksum")
    return path


def _array(folder: Path, name: str, files: dict[str, Any], dtype: type) -> np.ndarray:
    path = _checked(folder, f"{name}.npy", files)
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    if array.ndim != 1 or array.dtype != np.dtype(dtype):
        raise StoreError(f"{name} has the wrong shape or type")
    # a plain array (not a memmap subclass) with numpy's own dtype object
    native: np.ndarray = np.asarray(array).view(np.dtype(dtype).type)
    return native


def _matrix(folder: Path, name: str, files: dict[str, Any], terms: Any, rows: int) -> TermMatrix:
    indptr, term_ids, tfs = (
        _array(folder, f"{name}.{part}", files, dtype) for part, dtype in _ARRAYS
    )
    vocabulary = decode_terms(terms, f"the terms of {name}")
    if len(indptr) != rows + 1 or indptr[0] != 0 or indptr[-1] != len(term_ids):
        raise StoreError(f"{name} has the wrong number of entries")
    if len(tfs) != len(term_ids) or (len(indptr) > 1 and np.any(np.diff(indptr) < 0)):
        raise StoreError(f"{name} has entries out of order")
    if len(term_ids) and (term_ids.min() < 0 or term_ids.max() >= len(vocabulary)):
        raise StoreError(f"{name} names a term it does not have")
    if len(tfs) and not (np.isfinite(tfs).all() and tfs.min() >= 0):
        raise StoreError(f"{name} holds a count that is not one")
    vocab = {term: n for n, term in enumerate(vocabulary)}
    return TermMatrix(vocabulary, vocab, indptr, term_ids, tfs)


def _read(path: Path, key: str) -> Parts:
    manifest = _manifest(path)
    if manifest.get("key") != key:
        raise StoreError("made with other settings")
    folder, files = path.parent / manifest["data"], manifest["files"]
    with _checked(folder, RECORDS, files).open("rb") as handle:
        records = json.loads(handle.read().decode("utf-8"))
    if not isinstance(records, dict) or not isinstance(records.get("terms"), dict):
        raise StoreError("the records are not an index's")
    articles = tuple(decode_article(a) for a in records.get("articles", None) or [])
    if [a.id for a in articles] != sorted(a.id for a in articles):
        raise StoreError("the articles are out of order")
    terms = records["terms"]
    docs = len(articles)
    matrices = {
        name: _matrix(folder, name, files, terms.get(name), docs) for name in _MATRICES[:-1]
    }
    pointer = _array(folder, "passage_ptr", files, np.int64)
    if len(pointer) != docs + 1 or pointer[0] != 0 or np.any(np.diff(pointer) < 0):
        raise StoreError("the passages do not fit the articles")
    passages = _matrix(folder, "passages", files, terms.get("passages"), int(pointer[-1]))
    return Parts(
        key=key,
        stamps=decode_stamps(records.get("stamps")),
        articles=articles,
        skipped=decode_skipped(records.get("skipped")),
        fields={name: matrices[name] for name in STORED_FIELDS},
        words=matrices["words"],
        passages=passages,
        passage_ptr=pointer,
    )


def load(path: Path, key: str) -> Parts | None:
    """The saved parts, or ``None`` (with one warning) when missing, damaged or outdated."""
    if not path.parent.is_dir():
        return None
    clean_up(path, older_than=STALE_SECONDS)  # what a killed save left behind
    if not path.exists():
        return None
    try:
        return _read(path, key)
    except (OSError, ValueError, UnicodeDecodeError) as exc:  # StoreError and CodecError too
        reason = "was made with other settings" if "other settings" in str(exc) else None
        log.warning("saved index %s %s; rebuilding", path, reason or f"cannot be used ({exc})")
        return None
