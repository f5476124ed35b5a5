"""Stop cleanly on SIGTERM (how platforms stop a worker) and SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

log = logging.getLogger(__name__)


def stop_on_signals(stop: Callable[[], object]) -> None:
    """Call ``stop`` on the running loop when SIGTERM or SIGINT arrives."""
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[object]] = set()

    def handler() -> None:
        log.info("stop signal received; shutting down")
        result = stop()
        if asyncio.iscoroutine(result):
            task = loop.create_task(result)
            pending.add(task)  # keep a reference until it is done
            task.add_done_callback(pending.discard)

    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, handler)
        except (NotImplementedError, RuntimeError):  # not on this platform or thread
            log.debug("no handler for signal %s", signum)
