"""Rows the query log could not write, counted where they can still be counted.

When the database cannot be written (read-only, disk full, locked for too
long) the rows are lost, but not silently: each loss is appended as a JSON
line to a small ledger, beside the database (``<db>.lost``) or, when that
folder cannot be written either, in the bot's state folder or the temporary
folder (named by a hash of the database path). ``stats`` and ``/stats`` add
up every ledger of their database. Nothing here raises: a loss that cannot be
written anywhere is reported back, for the running process to count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from bot.paths import FILE_MODE, private_folder
from bot.settings import state_root

log = logging.getLogger(__name__)

# A ledger larger than this is not read (each line is about 100 bytes).
MAX_LEDGER_BYTES = 10_000_000


def ledgers(db_path: Path) -> list[Path]:
    """Where the losses of the database at ``db_path`` may be kept, in order of choice."""
    name = hashlib.blake2b(str(db_path.resolve()).encode(), digest_size=8).hexdigest()
    return [
        Path(f"{db_path}.lost"),
        state_root() / "data" / f"lost-{name}.jsonl",
        Path(tempfile.gettempdir()) / f"corpus-bot-lost-{name}.jsonl",
    ]


def record_loss(db_path: Path, rows: int, reason: str) -> bool:
    """Append one loss to the first ledger that can be written; False when none can."""
    line = json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), "rows": rows, "reason": reason})
    for n, ledger in enumerate(ledgers(db_path)):
        try:
            if n:  # the bot's own folders may be made; the database's must be there
                private_folder(ledger.parent)
            descriptor = os.open(ledger, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
            with os.fdopen(descriptor, "a", encoding="utf-8") as out:
                out.write(line + "\n")
            return True
        except OSError:
            continue
    return False


def _rows_in(ledger: Path) -> int:
    try:
        if ledger.stat().st_size > MAX_LEDGER_BYTES:
            log.warning("loss ledger %s is too large to read", ledger)
            return 0
        text = ledger.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    total = 0
    for line in text.splitlines():
        try:
            rows = json.loads(line).get("rows")
        except (json.JSONDecodeError, AttributeError):
            continue
        if isinstance(rows, int) and not isinstance(rows, bool) and rows > 0:
            total += rows
    return total


def counted_losses(db_path: Path) -> int:
    """Every row lost for the database at ``db_path``, over all its ledgers."""
    return sum(_rows_in(ledger) for ledger in ledgers(db_path) if ledger.is_file())
