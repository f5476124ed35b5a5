"""Dates named in a question: "in 2019", "feb 2021", "back in March 2022".

A question that names a time is most likely about articles published then.
One pass over the question's words (no regular expression on the text;
:func:`bot.text.analysis.surface_words` gives the words).
Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        1,
    )
    for name in names
}
FIRST_YEAR, LAST_YEAR = 1990, 2039


@dataclass(frozen=True, slots=True)
class AskedDates:
    """The years and (year, month) pairs a question names."""

    years: frozenset[int] = frozenset()
    months: frozenset[tuple[int, int]] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.years or self.months)

    def matches(self, published: str | None) -> bool:
        """Whether an ISO timestamp falls in a named month, or (when the question names
        no month) in a named year."""
        if not published or len(published) < 7 or not published[:4].isdigit():
            return False
        year, month = int(published[:4]), published[5:7]
        if self.months:
            return month.isdigit() and (year, int(month)) in self.months
        return year in self.years


def _year(word: str) -> int | None:
    if len(word) == 4 and word.isdigit() and FIRST_YEAR <= int(word) <= LAST_YEAR:
        return int(word)
    return None


def asked_dates(words: Iterable[str]) -> AskedDates:
    """The dates a question's folded words name: four-digit years, and month names
    followed by a year."""
    years: set[int] = set()
    months: set[tuple[int, int]] = set()
    previous: str | None = None
    for word in words:
        year = _year(word)
        if year is not None:
            years.add(year)
            if previous in _MONTHS:
                months.add((year, _MONTHS[previous]))
        previous = word
    return AskedDates(frozenset(years), frozenset(months))
