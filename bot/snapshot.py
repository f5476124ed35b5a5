"""Snapshots: the corpus analysed (or loaded as saved), indexed, with the confidence
its answers need. Pure and synchronous (CPU and disk work: the service runs it off
the event loop).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.answer.abstain import MODEL_FILE, SEMANTIC_MODEL_FILE, offtopic_questions
from bot.answer.abstain import shipped_model as abstain_model
from bot.answer.build import AnswerOptions, bar_for
from bot.corpus.loader import LoadOptions
from bot.errors import CorpusError
from bot.index import store
from bot.index.assemble import assemble, default_workers
from bot.index.facets import Facets, facets
from bot.index.parts import Parts
from bot.index.rerank import shipped_model as rerank_model
from bot.index.search import Index, Weights
from bot.model import BuildProgress, Skipped
from bot.semantic.embedder import shared_embedder
from bot.semantic.stage import Built, build_stage
from bot.semantic.store import vectors_file
from bot.settings import Settings
from bot.text import lexicon

log = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class _Corpus:
    """Where a corpus is, how it is read, and where its index is saved (``cache``)."""

    root: Path
    options: LoadOptions
    key: str
    cache: Path | None


def _corpus(settings: Settings) -> _Corpus:
    root = settings.corpus_dir
    if not root.is_dir():
        raise CorpusError(f"corpus folder not found: {root}")
    options = LoadOptions(
        extensions=tuple(e.lower() for e in settings.corpus.extensions),
        max_file_bytes=settings.corpus.max_file_bytes,
        url_template=settings.corpus.url_template,
    )
    folder = settings.corpus.index_cache
    cache = store.cache_file(Path(folder), root) if folder else None
    return _Corpus(root, options, store.settings_key(options), cache)


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
    corpus = _corpus(settings)
    cache, key = corpus.cache, corpus.key
    prior = previous.parts if previous else (store.load(cache, key) if cache else None)
    workers = settings.corpus.workers or default_workers()
    parts = assemble(
        corpus.root, corpus.options, key, prior, workers,
        lambda n, t: tell(BuildProgress("reading", n, t)),
    )  # fmt: skip
    if previous is not None and parts is previous.parts and _complete(previous, settings):
        # nothing changed: the same index, not a second one beside it while it is built
        return replace(previous, built_at=time.time(), build_ms=_ms_since(started))
    return _snapshot(settings, corpus, parts, prior, previous, tell, started)


def _complete(snapshot: Snapshot, settings: Settings) -> bool:
    """Whether a snapshot has every stage the settings ask for (the semantic stage is
    missing when its model could not be loaded, and a reindex tries again)."""
    return snapshot.semantic is not None or not settings.semantic.enabled


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def saved_snapshot(settings: Settings) -> Snapshot | None:
    """The snapshot of the index saved for the corpus by an earlier run, as it was saved
    (its files are not looked at: see :meth:`Service.start`), or ``None``."""
    started = time.perf_counter()
    corpus = _corpus(settings)
    if corpus.cache is None:
        return None
    parts = store.load(corpus.cache, corpus.key)
    if parts is None:
        return None
    return _snapshot(settings, corpus, parts, parts, None, lambda _progress: None, started)


def discard_saved(settings: Settings) -> None:
    """Set the corpus's saved index aside: the next build reads every file again."""
    cache = _corpus(settings).cache
    if cache is not None:
        store.discard(cache)


def _snapshot(
    settings: Settings,
    corpus: _Corpus,
    parts: Parts,
    prior: Parts | None,
    previous: Snapshot | None,
    tell: Callable[[BuildProgress], None],
    started: float,
) -> Snapshot:
    """The snapshot of analysed ``parts``: the semantic stage, the index (saved unless
    ``prior``, what was saved, is the same), the confidence answers need."""
    semantic = semantic_stage(
        settings,
        parts,
        previous.semantic if previous else None,
        lambda n, t: tell(BuildProgress("encoding", n, t)),
    )
    tell(BuildProgress("indexing", 0, 1))
    index = build_index(parts, settings, semantic)
    cache = corpus.cache
    if cache is not None and (parts is not prior or index.prepared is not parts.prepared):
        index = _saved(cache, corpus.key, index, settings, semantic)
        parts = index.parts
    stamps = "".join(f"{k}:{v[0]}:{v[3]};" for k, v in sorted(parts.stamps.items()))
    model = semantic.semantic.model if semantic else ""
    made_of = f"{corpus.key}|{stamps}|{model}"
    version = hashlib.blake2b(made_of.encode(), digest_size=6).hexdigest()
    lexicon.warm_up()
    bar = _bar(index, settings, semantic is not None, version, cache)
    return Snapshot(
        index=index,
        version=version,
        built_at=time.time(),
        skipped=parts.skipped,
        parts=parts,
        facets=facets(index.catalog),
        build_ms=_ms_since(started),
        bar=bar,
        semantic=semantic,
    )


def _bar(
    index: Index, settings: Settings, semantic: bool, version: str, cache: Path | None
) -> float:
    """The confidence answers need in this corpus (see :func:`bar_for`): kept with the
    saved index under a key naming all it depends on, so a start-up need not ask the
    off-topic questions again."""
    options = answer_options(settings, semantic=semantic)
    made_of = (version, index.prepared.key, settings.search, settings.answer, options.model,
               offtopic_questions())  # fmt: skip
    key = hashlib.blake2b(repr(made_of).encode(), digest_size=10).hexdigest()
    known = store.recall(cache, key) if cache is not None else None
    if known is not None:
        return known
    bar = bar_for(index, options)
    if cache is not None:
        store.remember(cache, key, bar)
    return bar


def _saved(
    cache: Path, key: str, index: Index, settings: Settings, semantic: Built | None
) -> Index:
    """Save the index's parts and what it prepared from them; the same index, now over
    the saved articles (read from disk when needed, not held in memory), when the
    saved index reads back."""
    try:
        store.save(cache, index.parts, index.prepared)
    except OSError as exc:
        log.warning("cannot save the index to %s: %s", cache, exc)
        return index
    saved = store.load(cache, key)
    return build_index(saved, settings, semantic) if saved is not None else index


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
