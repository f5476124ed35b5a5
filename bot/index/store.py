"""The analysed corpus, kept between runs: load at start-up, re-analyse only changed files.

A :class:`Parts` holds what indexing needs: the articles (in id order), each
one's term counts per field and per passage and content words (CSR arrays),
the skipped files, and the stamp of every file they came from (see
:func:`bot.index.assemble.stamp_files`); saved with it, what an index prepared
from it (:class:`~bot.index.parts.Prepared`). Nothing is pickled: the arrays,
the stamps and the articles (one JSON text each, end to end, in
``articles.npy``, decoded only when read) are ``.npy`` files (memory-mapped,
``allow_pickle=False``) and the rest is JSON, in a data folder named by a
manifest (``index-<corpus>.json``) that records the format, the key (the
analyzer version and the indexing settings), each file's size and CRC-32.
A save writes a new data folder, then replaces the manifest in one rename;
folders it no longer names and temporary files are removed once ten minutes
old (another process or thread may be saving beside it). A manifest or a file
that does not check out (damaged, cut short, another format, other settings,
arrays whose shapes or values cannot be an index: see :mod:`bot.index.checked`)
is discarded with one warning and rebuilt, never trusted. Everything is
owner-only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import logging
import math
import secrets
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from bot.corpus.loader import LoadOptions
from bot.index.articles import Articles, Catalog
from bot.index.checked import (
    SCAN_THREADS,
    DataFolder,
    Loaded,
    checked_bytes,
    pointer_of,
)
from bot.index.checked import (
    StoreError as StoreError,
)
from bot.index.codec import (
    decode_article,
    decode_catalog,
    decode_prepared,
    decode_skipped,
    decode_terms,
    encode_article,
)
from bot.index.fields import STORED_FIELDS
from bot.index.matrix import TermMatrix
from bot.index.parts import PREPARED_ARRAYS, FileStamp, Parts, Prepared
from bot.model import Article
from bot.paths import file_crc, private_folder, private_open, read_manifest, replace_json

log = logging.getLogger(__name__)

MAGIC = "corpus-bot index"
FORMAT = 7
# Bump when the analyzer or the article parser changes what they produce.
ANALYZER_VERSION = 8
# A manifest is small; anything larger is not one.
MAX_MANIFEST_BYTES = 1_000_000
RECORDS = "records.json"
BLOB = "articles"  # articles.npy: every article's JSON, end to end
# Prepared arrays that questions read a stretch at a time, here and there: left on disk.
READ_AT_RANDOM = frozenset({"post_docs", "post_weights", "passage_terms", "passage_weights"})
# A data folder or temporary file untouched this long is an old index or a killed
# save's leftover (a younger one may be another process's or thread's save under way).
STALE_SECONDS = 600.0
_ARRAYS = (("indptr", np.int64), ("term_ids", np.int32), ("tfs", np.float32))
_MATRICES = (*STORED_FIELDS, "words", "passages")
# Each file's stamp, one array a number: size, modification and status-change time, digest.
_STAMPS = (
    ("stamp.size", np.int64),
    ("stamp.mtime", np.int64),
    ("stamp.ctime", np.int64),
    ("stamp.digest", np.uint64),
)


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


def _write_array(folder: Path, name: str, array: np.ndarray) -> dict[str, Any]:
    path = folder / f"{name}.npy"
    with private_open(path) as out:
        np.save(out, np.ascontiguousarray(array), allow_pickle=False)
    return {"bytes": path.stat().st_size, "crc32": file_crc(path)}


def _write_articles(folder: Path, articles: Sequence[Article]) -> dict[str, dict[str, Any]]:
    """The articles as one JSON text each, end to end in ``articles.npy`` (bytes),
    with where each begins in ``articles.ptr.npy``: streamed through a raw file, so the
    corpus is never held twice."""
    raw = folder / "articles.raw"
    pointer = np.zeros(len(articles) + 1, np.int64)
    with private_open(raw) as out:
        for n, article in enumerate(articles):
            encoded = json.dumps(encode_article(article), ensure_ascii=False).encode("utf-8")
            out.write(encoded)
            pointer[n + 1] = pointer[n] + len(encoded)
    path = folder / f"{BLOB}.npy"
    header = {"descr": "|u1", "fortran_order": False, "shape": (int(pointer[-1]),)}
    with private_open(path) as out, raw.open("rb") as body:
        np.lib.format.write_array_header_1_0(out, header)
        shutil.copyfileobj(body, out, 1 << 20)
    raw.unlink()
    blob = {"bytes": path.stat().st_size, "crc32": file_crc(path)}
    return {path.name: blob, f"{BLOB}.ptr.npy": _write_array(folder, f"{BLOB}.ptr", pointer)}


def _write_data(folder: Path, parts: Parts, prepared: Prepared | None) -> dict[str, Any]:
    """Write the arrays and records into ``folder``; their sizes and checksums."""
    files: dict[str, Any] = {}
    arrays = {
        f"{name}.{part}": getattr(matrix, part)
        for name, matrix in _matrices(parts).items()
        for part, _dtype in _ARRAYS
    }
    arrays["passage_ptr"] = parts.passage_ptr
    if prepared is not None:
        arrays |= {f"prepared.{name}": getattr(prepared, name)[:] for name, _t in PREPARED_ARRAYS}
    for name, array in arrays.items():
        files[f"{name}.npy"] = _write_array(folder, name, array)
    files |= _write_articles(folder, parts.articles)
    stamps = list(parts.stamps.values())
    for n, (name, dtype) in enumerate(_STAMPS):
        column = np.fromiter((stamp[n] for stamp in stamps), dtype, len(stamps))
        files[f"{name}.npy"] = _write_array(folder, name, column)
    catalog = parts.articles.catalog
    records = {
        "stamped": list(parts.stamps),
        "skipped": [[s.path, s.reason] for s in parts.skipped],
        "catalog": {
            "ids": catalog.ids,
            "urls": catalog.urls,
            "sources": catalog.sources,
            "published": catalog.published,
            "topics": catalog.topics,
        },
        "terms": {name: list(matrix.terms) for name, matrix in _matrices(parts).items()},
        "prepared": {"key": prepared.key, "terms": prepared.terms} if prepared else None,
    }
    path = folder / RECORDS
    with private_open(path) as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
        json.dump(records, out, ensure_ascii=False)  # streamed: no second copy in memory
    files[RECORDS] = {"bytes": path.stat().st_size, "crc32": file_crc(path)}
    return files


def save(path: Path, parts: Parts, prepared: Prepared | None = None) -> None:
    """Save ``parts`` (and what an index ``prepared`` from them): a new data folder
    beside the manifest ``path``, then the manifest replaced in one rename (a reader
    sees the old index or the new, never half)."""
    private_folder(path.parent)
    data = path.parent / f"{path.stem}.d-{secrets.token_hex(4)}"
    data.mkdir(mode=0o700)
    try:
        files = _write_data(data, parts, prepared)
        manifest = {"magic": MAGIC, "format": FORMAT, "key": parts.key,
                    "data": data.name, "files": files}  # fmt: skip
        replace_json(path, manifest)
    except BaseException:
        shutil.rmtree(data, ignore_errors=True)
        raise
    clean_up(path, older_than=STALE_SECONDS)  # a fresh folder may be another save's


def _note_file(path: Path) -> Path:
    return path.with_name(f"{path.stem}.note")


def remember(path: Path, key: str, value: float) -> None:
    """Keep one number worked out from the index saved at ``path`` (the confidence its
    answers need), under a ``key`` naming everything it was worked out from."""
    try:
        replace_json(_note_file(path), {"key": key, "value": value})
    except OSError as exc:
        log.warning("cannot save %s: %s", _note_file(path), exc)


def recall(path: Path, key: str) -> float | None:
    """The number kept by :func:`remember` under ``key``, or ``None`` (another key,
    missing or damaged: it is worked out again)."""
    try:
        note = read_manifest(_note_file(path), 4096, StoreError)
    except (OSError, StoreError):
        return None
    value = note.get("value") if isinstance(note, dict) and note.get("key") == key else None
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def discard(path: Path) -> None:
    """Remove the manifest ``path`` and its note: the index it named is no longer
    loaded (its data folder goes with the next clean-up)."""
    for named in (path, _note_file(path)):
        with contextlib.suppress(OSError):
            named.unlink()


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


def _dtypes() -> dict[str, type]:
    """Every array a saved index may hold, and its type."""
    found: dict[str, type] = {
        f"{name}.{part}": dtype for name in _MATRICES for part, dtype in _ARRAYS
    }
    found |= {"passage_ptr": np.int64, BLOB: np.uint8, f"{BLOB}.ptr": np.int64}
    found |= dict(_STAMPS)
    found |= {f"prepared.{name}": dtype for name, dtype in PREPARED_ARRAYS}
    return found


def _matrix(data: DataFolder, name: str, terms: Any, rows: int) -> TermMatrix:
    indptr, term_ids, tfs = (data.array(f"{name}.{part}", dtype) for part, dtype in _ARRAYS)
    vocabulary = decode_terms(terms, f"the terms of {name}")
    pointer_of(indptr, rows, len(term_ids.array), name)
    if len(tfs.array) != len(term_ids.array):
        raise StoreError(f"{name} has entries out of order")
    if not term_ids.within(0, len(vocabulary)):
        raise StoreError(f"{name} names a term it does not have")
    if not tfs.within(0, math.inf):
        raise StoreError(f"{name} holds a count that is not one")
    vocab = {term: n for n, term in enumerate(vocabulary)}
    return TermMatrix(vocabulary, vocab, indptr.array, term_ids.array, tfs.array)


def _articles(data: DataFolder, catalog: Catalog) -> Articles:
    """The saved articles: the catalog at hand, each whole article read from its file
    and decoded when first asked for."""
    blob = data.on_disk(BLOB, np.uint8).array
    pointer = pointer_of(data.array(f"{BLOB}.ptr", np.int64), len(catalog), len(blob),
                       "the articles")  # fmt: skip
    ids = catalog.ids

    def fetch(n: int) -> Article:
        try:
            article = decode_article(json.loads(blob[pointer[n] : pointer[n + 1]].tobytes()))
        except (ValueError, UnicodeDecodeError) as exc:  # CodecError and JSON's too
            raise StoreError(f"saved article {ids[n]!r} cannot be used ({exc})") from None
        if article.id != ids[n]:
            raise StoreError(f"saved article {ids[n]!r} is another's")
        return article

    return Articles(catalog, fetch)


def _prepared(data: DataFolder, records: Any, parts: Parts) -> Prepared | None:
    """What an index prepared from these parts, when it was saved with them and fits."""
    if records is None:
        return None
    described = decode_prepared(records)
    loaded: dict[str, Loaded[Any]] = {
        name: (data.on_disk if name in READ_AT_RANDOM else data.array)(f"prepared.{name}", dtype)
        for name, dtype in PREPARED_ARRAYS
    }
    terms, docs = len(described.terms), len(parts.articles)
    entries = len(loaded["post_docs"].array)
    pointer_of(loaded["post_ptr"], terms, entries, "the postings")
    sizes = {
        "post_weights": entries,
        "passage_terms": len(parts.passages.term_ids),
        "passage_weights": len(parts.passages.term_ids),
        "passage_idf": terms,
        "collection": terms,
        "text_lengths": docs,
        "word_freqs": len(parts.words.terms),
    }
    if any(len(loaded[name].array) != size for name, size in sizes.items()):
        raise StoreError("the prepared arrays do not fit the index")
    ranges = {
        "post_docs": (0, docs),
        "post_weights": (0, math.inf),
        "passage_terms": (-1, terms),
        "passage_weights": (0, math.inf),
        "passage_idf": (0, math.inf),
        "collection": (0, math.inf),
        "text_lengths": (0, math.inf),
        "word_freqs": (0, docs + 1),
    }
    if not all(loaded[name].within(low, high) for name, (low, high) in ranges.items()):
        raise StoreError("the prepared arrays hold values an index cannot")
    arrays = {name: found.array for name, found in loaded.items()}
    return Prepared(described.key, described.terms, **arrays)


def _stamps(data: DataFolder, paths: Any) -> dict[str, FileStamp]:
    """The stamp of every file the parts came from (see :func:`bot.index.assemble.stamp_files`)."""
    stamped = decode_terms(paths, "the stamped files")
    columns = [data.array(name, dtype) for name, dtype in _STAMPS]
    if any(len(column.array) != len(stamped) for column in columns):
        raise StoreError("the stamps do not fit the files")
    if not columns[0].within(0, math.inf):
        raise StoreError("a file's size is not one")
    values = zip(*(column.array.tolist() for column in columns), strict=True)
    return dict(zip(stamped, values, strict=True))


def _read(path: Path, key: str) -> Parts:
    manifest = _manifest(path)
    if manifest.get("key") != key:
        raise StoreError("made with other settings")
    folder, files = path.parent / manifest["data"], manifest["files"]
    pool = ThreadPoolExecutor(SCAN_THREADS, thread_name_prefix="index-check")
    try:
        return _parts(DataFolder(folder, files, _dtypes(), pool), key)
    finally:
        pool.shutdown(cancel_futures=True)  # after a failure, checks not begun are not made


def _parts(data: DataFolder, key: str) -> Parts:
    records = json.loads(checked_bytes(data.folder, RECORDS, data.files).decode("utf-8"))
    if not isinstance(records, dict) or not isinstance(records.get("terms"), dict):
        raise StoreError("the records are not an index's")
    articles = _articles(data, decode_catalog(records.get("catalog")))
    terms = records["terms"]
    docs = len(articles)
    matrices = {name: _matrix(data, name, terms.get(name), docs) for name in _MATRICES[:-1]}
    pointer = data.array("passage_ptr", np.int64)
    if len(pointer.array) != docs + 1 or pointer.array[0] != 0:
        raise StoreError("the passages do not fit the articles")
    passage_rows = int(pointer.array[-1])
    pointer_of(pointer, docs, passage_rows, "the passages")
    passages = _matrix(data, "passages", terms.get("passages"), passage_rows)
    parts = Parts(
        key=key,
        stamps=_stamps(data, records.get("stamped")),
        articles=articles,
        skipped=decode_skipped(records.get("skipped")),
        fields={name: matrices[name] for name in STORED_FIELDS},
        words=matrices["words"],
        passages=passages,
        passage_ptr=pointer.array,
    )
    return dataclasses.replace(parts, prepared=_prepared(data, records.get("prepared"), parts))


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
