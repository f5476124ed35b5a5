"""The approximate nearest-vector index (hnswlib) of large corpora: it finds what exact
search finds, is saved and reused, and a damaged one is rebuilt (skipped without hnswlib)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from bot.index.assemble import analyse
from bot.index.search import Index, Weights
from bot.index.vectors import Semantic
from bot.model import Article
from bot.semantic import ann
from bot.semantic.stage import build_stage
from tests.semantic.test_stage import HashEmbedder

pytest.importorskip("hnswlib", reason="hnswlib (the ann extra) is not installed")

TOPICS = ["river boats", "mountain goats", "garden roses", "space probes", "jazz piano"]


def _articles() -> list[Article]:
    return [
        Article(f"{n:03}.md", f"{TOPICS[n % 5]} {n}", None, None, None,
                body=f"all about {TOPICS[n % 5]} and more {TOPICS[n % 5]} note {n}")
        for n in range(60)
    ]  # fmt: skip


def test_the_approximate_index_finds_what_exact_search_finds() -> None:
    parts = analyse(_articles())
    exact = build_stage(parts, HashEmbedder(), 3.0, approximate_from=10**9)
    approximate = build_stage(parts, HashEmbedder(), 3.0, approximate_from=1)
    assert exact.semantic.vectors.approximate is None
    assert approximate.semantic.vectors.approximate is not None
    embedder = HashEmbedder()
    for text in ("garden roses", "space probes far away", "jazz"):
        vector = embedder.encode(text)
        want = exact.semantic.vectors.nearest_articles(vector, 5)
        got = approximate.semantic.vectors.nearest_articles(vector, 5)
        cosines = exact.semantic.vectors.cosines(vector)
        assert sorted(cosines[got]) == pytest.approx(sorted(cosines[want]))
    mask = np.zeros(len(parts.articles), bool)
    mask[[3, 8]] = True  # filters leave two articles: too few among the nearest rows
    found = approximate.semantic.vectors.nearest_articles(embedder.encode("rivers"), 5, mask)
    assert sorted(found) == [3, 8]


def test_search_is_the_same_through_the_approximate_index() -> None:
    parts = analyse(_articles())
    results = []
    for threshold in (10**9, 1):
        built = build_stage(parts, HashEmbedder(), 3.0, approximate_from=threshold)
        stage = built.semantic
        semantic = Semantic(stage.vectors, HashEmbedder().encode, stage.weight, stage.model)
        index = Index(parts, Weights(), semantic=semantic)
        query = index.parse("mountain goats")
        results.append([(hit.doc, round(hit.cosine or 0, 4)) for hit in index.search(query, 5)])
    assert results[0] == results[1]


def test_the_graph_is_saved_reused_and_rebuilt_when_damaged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = analyse(_articles())
    saved = tmp_path / "vectors.json"
    first = build_stage(parts, HashEmbedder(), 3.0, saved=saved, approximate_from=1)
    graph = ann.graph_path(saved)
    assert graph.is_file() and graph.with_suffix(".hnsw.json").is_file()
    assert graph.stat().st_mode & 0o077 == 0
    again = build_stage(parts, HashEmbedder(), 3.0, previous=first, approximate_from=1)
    assert again.semantic.vectors.approximate is first.semantic.vectors.approximate

    def no_build(matrix: np.ndarray) -> ann.Approximate:
        raise AssertionError("the saved graph should have been loaded")

    with monkeypatch.context() as patched:
        patched.setattr(ann, "build", no_build)
        loaded = build_stage(parts, HashEmbedder(), 3.0, saved=saved, approximate_from=1)
    assert loaded.semantic.vectors.approximate is not None
    data = bytearray(graph.read_bytes())
    data[len(data) // 2] ^= 0xFF
    graph.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        rebuilt = build_stage(parts, HashEmbedder(), 3.0, saved=saved, approximate_from=1)
    assert "cannot be used" in caplog.text and "checksum" in caplog.text
    vector = HashEmbedder().encode("jazz piano")
    assert rebuilt.semantic.vectors.nearest_articles(vector, 3)
    changed = analyse(
        [*_articles(), Article("new.md", "Jazz piano", None, None, None, body="jazz")]
    )
    other = build_stage(changed, HashEmbedder(), 3.0, saved=saved, approximate_from=1)
    assert other.approximate_key != rebuilt.approximate_key
    assert other.semantic.vectors.approximate is not None
    assert other.semantic.vectors.approximate.rows == len(other.semantic.vectors.matrix)
