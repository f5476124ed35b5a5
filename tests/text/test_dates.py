"""Dates named in questions, and how they rank articles published then."""

from __future__ import annotations

import pytest

from bot.model import Article
from bot.text.analysis import surface_words
from bot.text.dates import AskedDates, asked_dates
from tests.conftest import index_of


def dates(text: str) -> AskedDates:
    return asked_dates(word for word, _s, _e in surface_words(text))


@pytest.mark.parametrize(
    ("text", "years", "months"),
    [
        ("what happened in 2019", {2019}, set()),
        ("back in feb 2021, anyone?", {2021}, {(2021, 2)}),
        ("the March 2022 release", {2022}, {(2022, 3)}),
        ("may 2020 or sept 2023", {2020, 2023}, {(2020, 5), (2023, 9)}),
        ("version 1.52 and 3000 users", set(), set()),
    ],
)
def test_asked_dates(text: str, years: set[int], months: set[tuple[int, int]]) -> None:
    found = dates(text)
    assert found.years == years and found.months == months
    assert bool(found) == bool(years)


def test_matching_a_publication_date() -> None:
    assert dates("in 2021").matches("2021-06-26T09:00:00+00:00")
    assert not dates("in 2021").matches("2020-06-26T09:00:00+00:00")
    assert dates("june 2021").matches("2021-06-01T00:00:00+00:00")
    assert not dates("june 2021").matches("2021-07-01T00:00:00+00:00")
    assert not dates("in 2021").matches(None)


def test_a_question_s_date_and_phrases_reorder_close_contenders() -> None:
    def item(name: str, title: str, published: str) -> Article:
        return Article(
            id=f"{name}.md",
            title=title,
            url=None,
            source=None,
            published=published,
            body="Monthly feature update with new controls.",
        )

    index = index_of(
        [
            item("a", "Feature update", "2021-01-10T00:00:00+00:00"),
            item("b", "Feature update", "2021-02-10T00:00:00+00:00"),
            item("c", "Update feature list", "2021-03-10T00:00:00+00:00"),
            item("d", "Unrelated", "2021-03-11T00:00:00+00:00"),
        ]
    )

    def top(question: str) -> str:
        query = index.parse(question)
        return index.articles[index.search(query, 1)[0].doc].id

    assert top("feature update") == "a.md"  # a tie, broken by id
    assert top("feature update feb 2021") == "b.md"
    assert top("update feature") == "c.md"  # the words stand together in its title
