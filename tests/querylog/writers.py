"""The query-log writer script (``tests/scripts/log_writer.py``) in child processes, for
the durability tests; ``conftest.py`` stops any a failed test left running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

WRITER = ROOT / "tests" / "scripts" / "log_writer.py"
STARTED: list[subprocess.Popen[str]] = []


def start_writer(db: Path | str, mode: str, count: int) -> subprocess.Popen[str]:
    """The writer in a child process (``db``: a SQLite file or a PostgreSQL URL)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), str(db), mode, str(count)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    STARTED.append(writer)
    return writer


def stop_leftovers() -> None:
    """Stop, by their process ids, the writers still running."""
    while STARTED:
        writer = STARTED.pop()
        if writer.poll() is None:
            writer.kill()
            writer.wait(timeout=30)
