"""A reindex on worker processes, run in a child process by the robustness tests.

    python tests/scripts/slow_reindex.py CORPUS

Reads and analyses every file of CORPUS on two worker processes (one file a task,
so the build lasts) and prints ``done`` at the end; the test kills it before.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.corpus.loader import LoadOptions
from bot.index import assemble
from bot.index.store import settings_key


def main(corpus: Path) -> None:
    assemble.PARALLEL_FROM = 1
    assemble.CHUNK = 1
    options = LoadOptions()
    assemble.assemble(corpus, options, settings_key(options), None, workers=2)
    print("done", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
