"""The one service every surface calls: holds the index snapshot, answers, reindexes, logs.

The snapshot is immutable and replaced whole: a question is answered from the
snapshot it started with, a reindex builds a new one off the event loop and
swaps it in only on success, and concurrent reindex requests share one build.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from typing import Protocol

from bot.answer.build import Answer, build_answer
from bot.errors import CorpusError, QuestionError
from bot.index.checked import StoreError
from bot.index.parts import Parts
from bot.model import AskContext, BuildProgress, Filters, Skipped
from bot.settings import Settings
from bot.snapshot import Snapshot, answer_options, build_snapshot, discard_saved, saved_snapshot

log = logging.getLogger(__name__)


class AnswerSink(Protocol):
    """Where answered questions are recorded (the query log)."""

    def record(self, answer: Answer, context: AskContext) -> None:
        """Queue one answered question; must not block or raise."""


@dataclass(frozen=True, slots=True)
class ReindexReport:
    """What a reindex did."""

    documents: int
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    took_ms: float
    version: str
    ok: bool = True
    error: str | None = None


def _diff(old: Snapshot | None, new: Snapshot) -> tuple[tuple[str, ...], ...]:
    def contents(parts: Parts) -> dict[str, tuple[int, int] | None]:
        stamps = parts.stamps
        return {
            i: (s[0], s[3]) if (s := stamps.get(i)) else None for i in parts.articles.catalog.ids
        }

    before = contents(old.parts) if old else {}
    after = contents(new.parts)
    added = tuple(sorted(set(after) - set(before)))
    removed = tuple(sorted(set(before) - set(after)))
    changed = tuple(sorted(k for k in set(after) & set(before) if after[k] != before[k]))
    return added, changed, removed


class Service:
    """Answers questions from the current snapshot and rebuilds it on request."""

    def __init__(self, settings: Settings, sink: AnswerSink | None = None) -> None:
        """Create a service; call :meth:`start` (or :meth:`reindex`) before asking."""
        self.settings = settings
        self.sink = sink
        self._snapshot: Snapshot | None = None
        self._building: asyncio.Task[ReindexReport] | None = None
        self._progress: BuildProgress | None = None

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot; raises :class:`CorpusError` before the first build."""
        if self._snapshot is None:
            raise CorpusError("the index is not built yet")
        return self._snapshot

    @property
    def ready(self) -> bool:
        """Whether an index is loaded."""
        return self._snapshot is not None

    @property
    def progress(self) -> BuildProgress | None:
        """How far the build under way is (``None`` when none runs); surfaces poll it."""
        return self._progress if self._building is not None and not self._building.done() else None

    def _heard(self, progress: BuildProgress) -> None:
        self._progress = progress  # one reference swap: safe from the building thread

    async def start(self, fresh: bool = True) -> ReindexReport:
        """Build the first index; raises :class:`CorpusError` if it cannot.

        With ``fresh`` false (the bot's start), an index saved by an earlier run
        answers at once, and the files are checked for changes right after, in
        the background, as a reindex does (questions meanwhile get the saved
        index's answers; a reindex asked for meanwhile waits for that check).
        """
        started = time.perf_counter()
        if not fresh:
            saved = await asyncio.to_thread(self._saved_snapshot)
            if saved is not None:
                self._snapshot = saved
                self._building = asyncio.create_task(self._rebuild())
                return self._report(None, saved, started, "loaded as saved (files checked next)")
        report = await self.reindex()
        if not report.ok:
            raise CorpusError(report.error or "the corpus could not be indexed")
        return report

    def _saved_snapshot(self) -> Snapshot | None:
        try:
            return saved_snapshot(self.settings)
        except (CorpusError, OSError, ValueError, MemoryError) as exc:
            log.warning("the saved index cannot answer (%s); building it", exc)
            return None

    async def reindex(self) -> ReindexReport:
        """Rebuild the index off the event loop and swap it in on success.

        Requests made while a build runs share that build's report. A failed
        build keeps the old snapshot and reports why.
        """
        if self._building is None or self._building.done():
            self._building = asyncio.create_task(self._rebuild())
        return await asyncio.shield(self._building)

    async def _rebuild(self, start_over: bool = False) -> ReindexReport:
        started = time.perf_counter()
        self._progress = None
        old = self._snapshot
        reuse = None if start_over else old  # start over: every file read again
        try:
            new = await asyncio.to_thread(build_snapshot, self.settings, reuse, self._heard)
        except CorpusError as exc:
            return self._failed(str(exc), started)
        except (OSError, ValueError, MemoryError) as exc:
            log.exception("reindex failed")
            return self._failed(f"reindex failed: {exc}", started)
        self._snapshot = new
        return self._report(old, new, started)

    def _report(
        self, old: Snapshot | None, new: Snapshot, started: float, how: str = "built"
    ) -> ReindexReport:
        added, changed, removed = _diff(old, new)
        log.info(
            "index %s %s: %d documents, %d skipped; answers need confidence %.2f",
            new.version,
            how,
            len(new.index),
            len(new.skipped),
            new.bar,
        )
        return ReindexReport(
            documents=len(new.index),
            added=added,
            changed=changed,
            removed=removed,
            skipped=new.skipped,
            took_ms=(time.perf_counter() - started) * 1000,
            version=new.version,
        )

    def _failed(self, message: str, started: float) -> ReindexReport:
        old = self._snapshot
        return ReindexReport(
            documents=len(old.index) if old else 0,
            added=(),
            changed=(),
            removed=(),
            skipped=old.skipped if old else (),
            took_ms=(time.perf_counter() - started) * 1000,
            version=old.version if old else "",
            ok=False,
            error=message,
        )

    def prepare_question(self, question: str) -> tuple[str, tuple[str, ...]]:
        """Clean a question; raises :class:`QuestionError` when nothing is left to ask."""
        cleaned = " ".join(question.replace("\x00", " ").split())
        if not cleaned:
            raise QuestionError("the question is empty: ask something about the corpus")
        limit = self.settings.search.max_question_chars
        if len(cleaned) > limit:
            cut = cleaned[:limit].rsplit(" ", 1)[0] or cleaned[:limit]
            note = f"Your question was cut to its first {len(cut):,} characters."
            return cut, (note,)
        return cleaned, ()

    def answer_now(self, question: str, snapshot: Snapshot, filters: Filters, k: int) -> Answer:
        """Answer synchronously from ``snapshot`` (CPU work: run off the event loop)."""
        started = time.perf_counter()
        text, notes = self.prepare_question(question)
        search = self.settings.search
        options = answer_options(self.settings, snapshot.bar, snapshot.semantic is not None)
        index = snapshot.index
        query = index.parse(text, search.typo_tolerance)
        hits = index.search(query, k, filters, search.duplicate_similarity, extra=1)
        answer = build_answer(index, query, hits, k, options, filters, notes)
        took = (time.perf_counter() - started) * 1000
        return replace(answer, took_ms=round(took, 2), index_version=snapshot.version)

    async def ask(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        k: int | None = None,
        context: AskContext | None = None,
    ) -> Answer:
        """Answer a question from the current snapshot and record it in the query log."""
        snapshot = self.snapshot
        self.prepare_question(question)  # fail fast, on the loop, for empty questions
        try:
            answer = await asyncio.to_thread(
                self.answer_now,
                question,
                snapshot,
                filters or Filters(),
                k or self.settings.search.top_k,
            )
        except StoreError as exc:
            raise self._damaged(exc) from None
        self._record(answer, context or AskContext())
        return answer

    def _damaged(self, exc: StoreError) -> CorpusError:
        """A saved article that does not check out, found while answering (its file
        checked out when loaded, so it was made so): the saved index is set aside and
        the corpus read again from its files, in the background."""
        log.warning("%s: the saved index is set aside and built again from the files", exc)
        discard_saved(self.settings)
        if self._building is None or self._building.done():
            self._building = asyncio.create_task(self._rebuild(start_over=True))
        return CorpusError("the saved index is damaged and is being rebuilt; ask again shortly")

    def _record(self, answer: Answer, context: AskContext) -> None:
        if self.sink is None:
            return
        try:
            self.sink.record(answer, context)
        except Exception:  # the log must never cost an answer
            log.exception("could not queue the query log entry")
