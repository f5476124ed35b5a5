"""The one service every surface calls: holds the index snapshot, answers, reindexes, logs.

The snapshot is immutable and replaced whole: a question is answered from the
snapshot it started with, a reindex builds a new one off the event loop and
swaps it in only on success, and concurrent reindex requests share one build.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from bot.answer.abstain import MODEL_FILE, SEMANTIC_MODEL_FILE
from bot.answer.abstain import shipped_model as abstain_model
from bot.answer.build import Answer, AnswerOptions, bar_for, build_answer
from bot.corpus.loader import LoadOptions
from bot.errors import CorpusError, QuestionError
from bot.index import store
from bot.index.assemble import assemble, default_workers
from bot.index.facets import Facets, facets
from bot.index.parts import Parts
from bot.index.rerank import shipped_model as rerank_model
from bot.index.search import Index, Weights
from bot.model import AskContext, BuildProgress, Filters, Skipped
from bot.semantic.embedder import shared_embedder
from bot.semantic.stage import Built, build_stage
from bot.semantic.store import vectors_file
from bot.settings import Settings
from bot.text import lexicon

log = logging.getLogger(__name__)


class AnswerSink(Protocol):
    """Where answered questions are recorded (the query log)."""

    def record(self, answer: Answer, context: AskContext) -> None:
        """Queue one answered question; must not block or raise."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One built index and what went into it."""

    index: Index
    version: str
    built_at: float
    skipped: tuple[Skipped, ...]
    parts: Parts
    facets: Facets
    build_ms: float
    bar: float = 0.0  # the confidence an answer needs in this corpus
    semantic: Built | None = None  # the semantic stage, when it is on


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


def weights_of(settings: Settings) -> Weights:
    """The field weights and BM25 parameters from settings."""
    search = settings.search
    return Weights(
        title=search.weight_title,
        headings=search.weight_headings,
        excerpt=search.weight_excerpt,
        body=search.weight_body,
        code=search.weight_code,
        meta=search.weight_meta,
        related=search.weight_related,
        k1=search.k1,
        b=search.b,
        b_short=search.b_short,
    )


def build_snapshot(
    settings: Settings,
    previous: Snapshot | None = None,
    progress: Callable[[BuildProgress], None] | None = None,
) -> Snapshot:
    """Load the corpus and build an index (CPU work: call it off the event loop).

    Only files changed since ``previous`` (or since the index saved in
    ``corpus.index_cache``) are read and analysed again. ``progress`` hears how
    far the build is, from the thread that builds.
    """
    tell = progress or (lambda _progress: None)
    started = time.perf_counter()
    root = settings.corpus_dir
    if not root.is_dir():
        raise CorpusError(f"corpus folder not found: {root}")
    options = LoadOptions(
        extensions=tuple(e.lower() for e in settings.corpus.extensions),
        max_file_bytes=settings.corpus.max_file_bytes,
        url_template=settings.corpus.url_template,
    )
    key = store.settings_key(options)
    folder = settings.corpus.index_cache
    cache = store.cache_file(Path(folder), root) if folder else None
    prior = previous.parts if previous else (store.load(cache, key) if cache else None)
    workers = settings.corpus.workers or default_workers()
    parts = assemble(
        root, options, key, prior, workers, lambda n, t: tell(BuildProgress("reading", n, t))
    )
    if cache is not None and parts is not prior:
        try:
            store.save(cache, parts)
        except OSError as exc:
            log.warning("cannot save the index to %s: %s", cache, exc)
    semantic = semantic_stage(
        settings,
        parts,
        previous.semantic if previous else None,
        lambda n, t: tell(BuildProgress("encoding", n, t)),
    )
    tell(BuildProgress("indexing", 0, 1))
    index = build_index(parts, settings, semantic)
    stamps = "".join(f"{k}:{v};" for k, v in sorted(parts.stamps.items()))
    model = semantic.semantic.model if semantic else ""
    version = hashlib.blake2b(f"{key}|{stamps}|{model}".encode(), digest_size=6).hexdigest()
    lexicon.warm_up()
    bar = bar_for(index, answer_options(settings, semantic=semantic is not None))
    return Snapshot(
        index=index,
        version=version,
        built_at=time.time(),
        skipped=parts.skipped,
        parts=parts,
        facets=facets(index.articles),
        build_ms=(time.perf_counter() - started) * 1000,
        bar=bar,
        semantic=semantic,
    )


def semantic_stage(
    settings: Settings,
    parts: Parts,
    previous: Built | None,
    progress: Callable[[int, int], None] | None = None,
) -> Built | None:
    """The semantic stage for ``parts`` when ``semantic.enabled`` and the model loads
    (vectors reused from ``previous`` and the saved ones); else ``None``."""
    wanted = settings.semantic
    if not wanted.enabled:
        return None
    embedder = shared_embedder(wanted.model, wanted.cache_dir)
    if embedder is None:
        return None
    folder = settings.corpus.index_cache
    saved = vectors_file(Path(folder), settings.corpus_dir, embedder.identity) if folder else None
    built = build_stage(parts, embedder, wanted.weight, previous, saved, progress)
    if built.encoded:
        log.info("semantic stage: %d passages encoded in %.1f s", built.encoded,
                 built.took_ms / 1000)  # fmt: skip
    return built


def build_index(parts: Parts, settings: Settings, semantic: Built | None = None) -> Index:
    """The one way an index is made: from the analysed corpus, with the settings' weights,
    unless ``search.rerank`` is off the shipped reranker, and the semantic stage if built."""
    search = settings.search
    reranker = rerank_model() if search.rerank else None
    stage = semantic.semantic if semantic is not None else None
    return Index(parts, weights_of(settings), search.unknown_word_weight, reranker, stage)


def answer_options(
    settings: Settings, bar: float | None = None, semantic: bool = False
) -> AnswerOptions:
    """How answers are made, from settings (``bar``: the confidence needed, when known;
    ``semantic``: with the abstain model learned for the semantic stage)."""
    return AnswerOptions(
        min_confidence=settings.search.min_confidence if bar is None else bar,
        max_excerpt_chars=settings.answer.max_excerpt_chars,
        max_sentences=settings.answer.max_sentences,
        related_count=settings.answer.related_count,
        model=abstain_model(SEMANTIC_MODEL_FILE if semantic else MODEL_FILE),
    )


def _diff(old: Snapshot | None, new: Snapshot) -> tuple[tuple[str, ...], ...]:
    before = {a.id: old.parts.stamps.get(a.id) for a in old.parts.articles} if old else {}
    after = {a.id: new.parts.stamps.get(a.id) for a in new.parts.articles}
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

    async def start(self) -> ReindexReport:
        """Build the first index; raises :class:`CorpusError` if it cannot."""
        report = await self.reindex()
        if not report.ok:
            raise CorpusError(report.error or "the corpus could not be indexed")
        return report

    async def reindex(self) -> ReindexReport:
        """Rebuild the index off the event loop and swap it in on success.

        Requests made while a build runs share that build's report. A failed
        build keeps the old snapshot and reports why.
        """
        if self._building is None or self._building.done():
            self._building = asyncio.create_task(self._rebuild())
        return await asyncio.shield(self._building)

    async def _rebuild(self) -> ReindexReport:
        started = time.perf_counter()
        self._progress = None
        old = self._snapshot
        try:
            new = await asyncio.to_thread(build_snapshot, self.settings, old, self._heard)
        except CorpusError as exc:
            return self._failed(str(exc), started)
        except (OSError, ValueError, MemoryError) as exc:
            log.exception("reindex failed")
            return self._failed(f"reindex failed: {exc}", started)
        self._snapshot = new
        added, changed, removed = _diff(old, new)
        log.info(
            "index %s built: %d documents, %d skipped; answers need confidence %.2f",
            new.version,
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
        answer = await asyncio.to_thread(
            self.answer_now,
            question,
            snapshot,
            filters or Filters(),
            k or self.settings.search.top_k,
        )
        self._record(answer, context or AskContext())
        return answer

    def _record(self, answer: Answer, context: AskContext) -> None:
        if self.sink is None:
            return
        try:
            self.sink.record(answer, context)
        except Exception:  # the log must never cost an answer
            log.exception("could not queue the query log entry")
