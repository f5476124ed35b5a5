"""The one place that builds the bot's parts from settings (the composition root).

The command line, Discord, the benchmarks and the tests all start here, so
they answer from the same service and log the same way::

    async with running(settings) as app:
        answer = await app.service.ask("what is dojo")
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.querylog.writer import QueryLog, open_log_from
from bot.service import AnswerSink, Service
from bot.settings import Settings


@dataclass(frozen=True, slots=True)
class App:
    """A started service and the query log it writes to (``None`` when not logging)."""

    settings: Settings
    service: Service
    querylog: QueryLog | None


def build_service(settings: Settings, sink: AnswerSink | None = None) -> Service:
    """The service for ``settings``, not started (its index is built by ``start``)."""
    return Service(settings, sink=sink)


@asynccontextmanager
async def running(
    settings: Settings, *, log_questions: bool = True, start: bool = True, fresh: bool = True
) -> AsyncIterator[App]:
    """Open the query log, build and start the service; close the log on the way out.

    ``log_questions`` false keeps questions out of the log (an evaluation's
    questions are not people's); ``start`` false leaves the index unbuilt
    (``reindex`` builds it itself); ``fresh`` false starts from the saved index
    and checks the files after (see :meth:`Service.start`).
    """
    querylog = open_log_from(settings) if log_questions else None
    if querylog is not None:
        await querylog.open()
    try:
        service = build_service(settings, sink=querylog)
        if start:
            await service.start(fresh=fresh)
        yield App(settings, service, querylog)
    finally:
        if querylog is not None:
            await querylog.close()
