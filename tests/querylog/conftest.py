"""Fixtures of the query-log tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.querylog.writers import stop_leftovers


@pytest.fixture(autouse=True)
def no_writer_left() -> Iterator[None]:
    """A writer process a failed test left running is stopped."""
    yield
    stop_leftovers()
