"""Article vectors and their fusion with BM25F (pure numpy: no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.index.assemble import analyse
from bot.index.search import Index, Weights
from bot.index.vectors import Semantic, Vectors, fuse, nearest
from bot.model import Article


def _unit(*rows: list[float]) -> np.ndarray:
    matrix = np.asarray(rows, np.float32)
    unit: np.ndarray = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    return unit


def test_an_articles_cosine_is_its_best_vectors() -> None:
    vectors = Vectors(_unit([1, 0], [0, 1], [1, 1]), np.array([0, 2, 2, 3]))
    found = vectors.cosines(np.array([0.0, 1.0], np.float32))
    assert found[0] == pytest.approx(1.0)  # its second vector
    assert found[1] == -1.0  # no vectors at all
    assert found[2] == pytest.approx(np.sqrt(0.5))
    assert len(vectors) == 3 and vectors.dimensions == 2


@pytest.mark.parametrize("ptr", [[0, 1], [1, 2, 3], [0, 2, 1, 3], [0, 1, 4]])
def test_pointers_that_do_not_fit_the_matrix_are_refused(ptr: list[int]) -> None:
    with pytest.raises(ValueError, match=r"pointers|matrix"):
        Vectors(_unit([1, 0], [0, 1], [1, 1]), np.array(ptr))


def test_nearest_is_best_first_ties_by_position_and_skips_articles_without_vectors() -> None:
    cosines = np.array([0.2, 0.9, -1.0, 0.9, 0.5], np.float32)
    assert nearest(cosines, 3) == [1, 3, 4]
    assert nearest(cosines, 10) == [1, 3, 4, 0]
    assert nearest(np.full(3, -1.0), 5) == [] and nearest(cosines, 0) == []


def test_fusion_adds_the_weighted_cosine_to_the_share_of_the_best_score() -> None:
    cosines = {0: 0.1, 1: 0.8, 2: 0.5}
    fused = fuse({0: 10.0, 1: 4.0}, cosines, [0, 1, 2], weight=1.0)
    assert fused[0] == pytest.approx(10.0 * (1.0 + 0.1) / 2)
    assert fused[1] == pytest.approx(10.0 * (0.4 + 0.8) / 2)
    assert fused[2] == pytest.approx(10.0 * 0.5 / 2)  # found by its vector alone
    assert fused[1] > fused[0] > fused[2] > 0
    assert fuse({0: 10.0}, cosines, [0, 1], weight=0.0) == {0: 10.0, 1: 0.0}


ARTICLES = [
    Article("a.md", "Shared device mode", None, None, None, body="Many employees sign in."),
    Article("b.md", "Pasta recipes", None, None, None, body="Boil water and add salt."),
    Article("c.md", "Income tax", None, None, None, body="File your return by April."),
]


def _semantic(question_vector: list[float]) -> Semantic:
    matrix = _unit([1, 0, 0], [0, 1, 0], [0, 0, 1])
    return Semantic(Vectors(matrix, np.arange(4)), lambda _text: _unit(question_vector)[0], 1.0)


def test_search_finds_by_vector_an_article_sharing_no_word_with_the_question() -> None:
    parts = analyse(ARTICLES)
    plain = Index(parts, Weights())
    query = plain.parse("how should I cook spaghetti")
    assert [hit.doc for hit in plain.search(query, 3)] == []
    with_vectors = Index(parts, Weights(), semantic=_semantic([0.1, 1.0, 0.0]))
    query = with_vectors.parse("how should I cook spaghetti")
    assert query.vector is not None
    hits = with_vectors.search(query, 3)
    assert hits[0].doc == 1 and hits[0].cosine == pytest.approx(0.995, abs=0.01)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_vectors_of_another_corpus_are_refused() -> None:
    semantic = Semantic(Vectors(_unit([1, 0]), np.array([0, 1])), lambda _t: _unit([1, 0])[0])
    with pytest.raises(ValueError, match="not this corpus"):
        Index(analyse(ARTICLES), Weights(), semantic=semantic)


def test_a_filtered_out_article_is_not_found_by_its_vector() -> None:
    index = Index(analyse(ARTICLES), Weights(), semantic=_semantic([0.0, 1.0, 0.0]))
    allowed = np.array([True, False, True])
    hits = index.search(index.parse("spaghetti"), 3, allowed=allowed)
    assert 1 not in [hit.doc for hit in hits]


class FixedRows:
    """An approximate index that answers fixed rows, best first."""

    def __init__(self, rows: int, answer: list[int]) -> None:
        self.rows = rows
        self.answer = answer
        self.asked: list[int] = []

    def nearest_rows(self, vector: np.ndarray, wanted: int) -> np.ndarray:
        self.asked.append(wanted)
        return np.array(self.answer[:wanted], np.int64)


def test_nearest_articles_come_from_the_approximate_index_by_row() -> None:
    matrix = _unit([1, 0], [0.9, 0.1], [0, 1], [0.5, 0.5], [0.1, 0.9])
    ptr = np.array([0, 2, 3, 5])  # article 0: rows 0-1, 1: row 2, 2: rows 3-4
    rows = FixedRows(5, [4, 3, 2, 1, 0])
    vectors = Vectors(matrix, ptr, rows)
    query = np.array([0.0, 1.0], np.float32)
    assert vectors.nearest_articles(query, 2) == [2, 1]  # rows 4 and 3 are one article
    assert rows.asked == [8]  # four rows asked for each article wanted
    mask = np.array([True, False, True])
    assert vectors.nearest_articles(query, 2, mask) == [2, 0]
    # too few articles among the rows: exact search over every vector decides
    assert Vectors(matrix, ptr, FixedRows(5, [4, 3])).nearest_articles(query, 2) == [1, 2]
    assert Vectors(matrix, ptr).nearest_articles(query, 2) == [1, 2]
    assert vectors.cosines_of([0, 1], query) == pytest.approx({0: 0.1104, 1: 1.0}, abs=1e-3)


def test_an_approximate_index_of_another_matrix_is_refused() -> None:
    with pytest.raises(ValueError, match="approximate"):
        Vectors(_unit([1, 0]), np.array([0, 1]), FixedRows(3, []))
