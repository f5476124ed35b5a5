"""The semantic stage's vectors: made only for changed articles, kept safely between runs.

A small deterministic embedder stands in for the model here (hashed words to a
unit vector); the real model is tested in ``test_model.py``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import stat
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.index.assemble import analyse
from bot.model import Article, Section
from bot.semantic import store
from bot.semantic.stage import build_stage
from bot.semantic.texts import PASSAGES, WORDS, article_texts, texts_key

DIMS = 16


class HashEmbedder:
    """Words hashed into a few dimensions: alike texts get alike vectors."""

    name = "hash"
    identity = "hash-16"
    dimensions = DIMS

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, text: str) -> np.ndarray:
        vector = np.zeros(DIMS, np.float32)
        for word in text.lower().split():
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIMS] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def encode_many(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded.extend(texts)
        return np.stack([self.encode(t) for t in texts]) if texts else np.zeros((0, DIMS))


def _article(n: int, body: str = "") -> Article:
    return Article(f"{n:03}.md", f"Article {n}", None, None, None, body=body or f"words of {n}")


def test_an_article_is_its_opening_then_a_few_passages() -> None:
    short = _article(1, "one two three")
    assert article_texts(short) == ["Article 1. one two three"]
    long = _article(2, " ".join(f"w{i}" for i in range(WORDS * 20)))
    texts = article_texts(long)
    assert len(texts) == 1 + PASSAGES
    assert texts[0].startswith("Article 2. w0 w1") and texts[-1].startswith("Article 2. w")
    assert all(len(t.split()) <= WORDS + 3 for t in texts)


def test_a_documentation_page_gives_one_passage_a_section() -> None:
    body = "intro " * 20 + "install " * 30 + "usage " * 30
    sections = (Section("Install", "install", 2, 120, 330), Section("Usage", "usage", 2, 330, 510))
    page = replace(_article(3, body), sections=sections)
    texts = article_texts(page)
    assert [t.split(".")[0] for t in texts[1:]] == ["Article 3 › Install", "Article 3 › Usage"]


def test_only_articles_whose_texts_changed_are_encoded_again() -> None:
    embedder = HashEmbedder()
    first = build_stage(analyse([_article(n) for n in range(5)]), embedder, 1.0)
    assert first.encoded == 5 and len(first.semantic.vectors) == 5
    embedder.encoded.clear()
    changed = [_article(n) for n in range(4)] + [_article(4, "new words"), _article(5)]
    second = build_stage(analyse(changed), embedder, 1.0, previous=first)
    assert embedder.encoded == ["Article 4. new words", "Article 5. words of 5"]
    assert second.encoded == 2 and len(second.semantic.vectors) == 6
    np.testing.assert_array_equal(
        second.semantic.vectors.rows_of(0), first.semantic.vectors.rows_of(0)
    )


def test_articles_with_the_same_texts_are_encoded_once() -> None:
    embedder = HashEmbedder()
    twins = [_article(1, "same"), replace(_article(2, "same"), title="Article 1")]
    built = build_stage(analyse(twins), embedder, 1.0)
    assert built.encoded == 1 and len(built.semantic.vectors.matrix) == 2


def test_vectors_saved_are_used_by_the_next_process_and_are_owner_only(tmp_path: Path) -> None:
    saved = tmp_path / "cache" / "vectors.json"
    parts = analyse([_article(n) for n in range(3)])
    first = build_stage(parts, HashEmbedder(), 1.0, saved=saved)
    again = HashEmbedder()
    second = build_stage(parts, again, 1.0, saved=saved)
    assert again.encoded == [] and second.encoded == 0
    np.testing.assert_array_equal(second.semantic.vectors.matrix, first.semantic.vectors.matrix)
    data = next(tmp_path.glob("cache/vectors.*.npy"))
    for path in (saved, data):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_fresh_build_and_a_loaded_one_give_the_same_vectors(tmp_path: Path) -> None:
    saved = tmp_path / "vectors.json"
    parts = analyse([_article(n, f"text number {n} with words") for n in range(4)])
    fresh = build_stage(parts, HashEmbedder(), 1.0, saved=saved)
    loaded = build_stage(parts, HashEmbedder(), 1.0, saved=saved)
    np.testing.assert_array_equal(fresh.semantic.vectors.matrix, loaded.semantic.vectors.matrix)
    question = HashEmbedder().encode("text number 2")
    assert np.argmax(fresh.semantic.vectors.cosines(question)) == np.argmax(
        loaded.semantic.vectors.cosines(question)
    )


def _damage_data(saved: Path) -> None:
    data = next(saved.parent.glob("vectors.*.npy"))
    raw = bytearray(data.read_bytes())
    raw[-3] ^= 0xFF
    data.write_bytes(bytes(raw))


def _replace_manifest(saved: Path, **changes: object) -> None:
    manifest = json.loads(saved.read_text())
    manifest.update(changes)
    saved.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "damage",
    [
        _damage_data,
        lambda saved: saved.write_text("{not json"),
        lambda saved: saved.write_bytes(b"\xff\xfe"),
        lambda saved: _replace_manifest(saved, model="another model"),
        lambda saved: _replace_manifest(saved, format=99),
        lambda saved: _replace_manifest(saved, data="../../etc/passwd"),
        lambda saved: _replace_manifest(saved, articles=[["k", 99]]),
        lambda saved: _replace_manifest(saved, articles=[["k", -1]]),
        lambda saved: _replace_manifest(saved, articles="all"),
    ],
)
def test_damaged_or_foreign_saved_vectors_are_never_used(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    saved = tmp_path / "vectors.json"
    parts = analyse([_article(n) for n in range(3)])
    build_stage(parts, HashEmbedder(), 1.0, saved=saved)
    damage(saved)  # type: ignore[operator]
    with caplog.at_level(logging.WARNING):
        assert store.load(saved, HashEmbedder.identity) == {}
    assert "cannot be used" in caplog.text
    again = HashEmbedder()
    rebuilt = build_stage(parts, again, 1.0, saved=saved)
    assert rebuilt.encoded == 3  # encoded again, and saved again
    assert store.load(saved, HashEmbedder.identity).keys() == set(rebuilt.keys)


def test_a_pickled_array_in_place_of_the_vectors_is_never_loaded(tmp_path: Path) -> None:
    saved = tmp_path / "vectors.json"
    parts = analyse([_article(1)])
    build_stage(parts, HashEmbedder(), 1.0, saved=saved)
    data = next(tmp_path.glob("vectors.*.npy"))
    np.save(data, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    manifest = json.loads(saved.read_text())
    manifest["bytes"] = data.stat().st_size
    from bot.paths import checksum

    manifest["blake2b"] = checksum(data)
    saved.write_text(json.dumps(manifest))
    assert store.load(saved, HashEmbedder.identity) == {}


def test_an_unwritable_cache_costs_the_save_not_the_stage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING):
        built = build_stage(analyse([_article(1)]), HashEmbedder(), 1.0, saved=blocker / "v.json")
    assert len(built.semantic.vectors) == 1 and "cannot save the vectors" in caplog.text


def test_the_texts_key_changes_with_any_text() -> None:
    assert texts_key(["a", "b"]) != texts_key(["ab"]) != texts_key(["a", "c"])
    assert texts_key(["a", "b"]) == texts_key(["a", "b"])
