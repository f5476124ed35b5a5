"""Per-key rate limits (sliding window), for per-user and per-guild cooldowns. Pure."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable


class RateLimiter:
    """At most ``rate`` events per ``per`` seconds for each key."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        """Allow ``rate`` events per ``per`` seconds per key; ``clock`` is for tests."""
        self.rate = rate
        self.per = per
        self._clock = clock
        self._events: dict[Hashable, deque[float]] = {}

    def peek(self, key: Hashable) -> float:
        """The seconds ``key`` must wait before its next event (0: allowed now); records nothing."""
        if self.per <= 0:
            return 0.0
        now = self._clock()
        events = self._events.get(key)
        if events is None:
            return 0.0
        while events and now - events[0] >= self.per:
            events.popleft()
        return self.per - (now - events[0]) if len(events) >= self.rate else 0.0

    def hit(self, key: Hashable) -> float:
        """Record an event for ``key``: 0 when allowed, else the seconds to wait."""
        wait = self.peek(key)
        if wait or self.per <= 0:
            return wait
        now = self._clock()
        self._events.setdefault(key, deque()).append(now)
        if len(self._events) > 10_000:  # forget idle keys now and then
            self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        for key in [k for k, e in self._events.items() if not e or now - e[-1] >= self.per]:
            del self._events[key]
