"""The analysed corpus, kept between runs: load at start-up, re-analyse only changed files.

A :class:`Parts` holds what indexing needs: the articles (in id order), each
one's term counts per field and content words (CSR arrays), the skipped files,
and the size and modification time of every file they came from. It is saved
after a build (a versioned format, written to a temporary file and renamed
into place) under a key made of the analyzer version and the indexing
settings. A file that is damaged, from another format or made with other
settings is rebuilt with a warning, never trusted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from dataclasses import replace
from pathlib import Path

from bot.corpus.loader import LoadOptions
from bot.index.fields import STORED_FIELDS
from bot.index.parts import Parts
from bot.paths import private_folder

log = logging.getLogger(__name__)

MAGIC = b"corpus-bot index\n"
FORMAT = 4
# Bump when the analyzer or the article parser changes what they produce.
ANALYZER_VERSION = 8


def settings_key(options: LoadOptions) -> str:
    """What the stored analysis depends on, as a short hash (field weights do not:
    the counts are kept per field and weighed when an index is built)."""
    text = f"{FORMAT}|{ANALYZER_VERSION}|{STORED_FIELDS!r}|{options!r}"
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def cache_file(folder: Path, corpus: Path) -> Path:
    """Where the parts of one corpus folder are kept inside ``folder``."""
    name = hashlib.blake2b(str(corpus.resolve()).encode(), digest_size=8).hexdigest()
    return folder / f"index-{name}.bin"


def save(path: Path, parts: Parts) -> None:
    """Write ``parts`` atomically: a temporary file in the same folder, then a rename."""
    private_folder(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(MAGIC)
            out.write(FORMAT.to_bytes(4, "little"))
            pickle.dump(parts, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(path: Path, key: str) -> Parts | None:
    """The saved parts, or ``None`` (with a warning) when missing, damaged or outdated."""
    try:
        with path.open("rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                raise ValueError("not an index file")
            found = int.from_bytes(handle.read(4), "little")
            if found != FORMAT:
                raise ValueError(f"index format {found}, expected {FORMAT}")
            parts = pickle.load(handle)
    except FileNotFoundError:
        return None
    except (
        OSError,
        ValueError,
        EOFError,
        AttributeError,
        TypeError,
        ImportError,
        pickle.PickleError,
    ) as exc:
        log.warning("saved index %s cannot be used (%s); rebuilding", path, exc)
        return None
    if not isinstance(parts, Parts) or parts.key != key:
        log.warning("saved index %s was made with other settings; rebuilding", path)
        return None
    try:
        return replace(
            parts,
            fields={name: matrix.native() for name, matrix in parts.fields.items()},
            words=parts.words.native(),
            passages=parts.passages.native(),
            passage_ptr=parts.passage_ptr.view(parts.passage_ptr.dtype.type),
        )
    except (AttributeError, TypeError, ValueError) as exc:
        log.warning("saved index %s cannot be used (%s); rebuilding", path, exc)
        return None
