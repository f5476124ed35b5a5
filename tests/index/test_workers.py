"""Build workers die with the process that started them, even one killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.index.assemble import die_with_parent
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")


def _children(pid: int) -> set[int]:
    """Living processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_die_when_the_reindex_is_killed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(3_000):
        (corpus / f"{n:05}.md").write_text(f"# Note {n}\n\n" + "Some words here. " * 200)
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "scripts" / "slow_reindex.py"), str(corpus)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2 and child.poll() is None:
            workers = _children(child.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, "the build never started its workers"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_a_worker_whose_parent_is_gone_exits_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    codes: list[int] = []

    def record(code: int) -> None:
        codes.append(code)
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", record)
    monkeypatch.setattr(sys, "platform", "elsewhere")  # no parent-death signal for pytest
    die_with_parent(os.getppid())  # our real parent: nothing happens
    assert codes == []
    with pytest.raises(SystemExit):
        die_with_parent(os.getppid() + 1_000_000)  # a parent that is not ours
    assert codes == [1]
