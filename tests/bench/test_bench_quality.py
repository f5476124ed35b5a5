"""bench.quality: the plain baselines the README compares against are really run."""

from __future__ import annotations

import pytest

from bench.quality import HEADER, baseline, question_sets
from bot.corpus.loader import load_corpus
from tests.conftest import SEEDS


@pytest.mark.parametrize("kind", ["rank-bm25", "bm25s"])
def test_baselines_rank_the_seeds(kind: str) -> None:
    pytest.importorskip("bm25s")
    pytest.importorskip("rank_bm25")
    top = baseline(kind, load_corpus(SEEDS).articles)
    assert top("vision-only approach to autonomy")[0] == "001_b9724023d2a3f044.txt"
    assert top("sourdough") == []


def test_question_sets_listed_with_their_halves() -> None:
    names = [s.name for s in question_sets(["test"])]
    assert names[:2] == ["seeds (public)", "seeds"] or names[:1] == ["seeds"]
    assert all("tune" not in name for name in names)
    assert HEADER.count("\n") == 1
