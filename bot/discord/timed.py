"""Values kept per server for a while: what other processes may change is read again
once it is older than the time given."""

from __future__ import annotations

import time
from typing import Generic, TypeVar

T = TypeVar("T")


class Timed(Generic[T]):
    """Values by key, each trusted for ``seconds`` after it was put."""

    def __init__(self, seconds: float) -> None:
        """Trust each value for ``seconds``."""
        self.seconds = seconds
        self._values: dict[int, tuple[float, T]] = {}

    def fresh(self, key: int) -> T | None:
        """The value under ``key`` if it is younger than the time given."""
        kept = self._values.get(key)
        if kept is not None and time.monotonic() - kept[0] < self.seconds:
            return kept[1]
        return None

    def last(self, key: int) -> T | None:
        """The value under ``key`` however old (to fall back on when it cannot be read)."""
        kept = self._values.get(key)
        return kept[1] if kept is not None else None

    def put(self, key: int, value: T) -> T:
        """Keep ``value`` under ``key`` from now; returns it."""
        self._values[key] = (time.monotonic(), value)
        return value

    def forget(self, key: int) -> None:
        """Drop the value under ``key``."""
        self._values.pop(key, None)
