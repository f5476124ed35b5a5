"""Recording primitives: an awaitable append-only log and the records it holds."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 5.0


class WaitTimeout(AssertionError):
    """Raised when a wait helper times out; an AssertionError so pytest shows it."""


class EventLog(Generic[T]):
    """Append-only list whose items can be awaited.

    Every successful wait *consumes* the item it returns, so two waits with the same
    predicate return two different items, in arrival order. ``items`` always holds
    everything ever appended, consumed or not.
    """

    def __init__(self, name: str, describe: Callable[[T], str] = repr) -> None:
        self.name = name
        self.items: list[T] = []
        self._consumed: set[int] = set()
        self._waiters: list[tuple[Callable[[T], bool], int, asyncio.Future[T]]] = []
        self._describe = describe

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def mark(self) -> int:
        """Return a position to pass as ``since`` so older items are ignored."""
        return len(self.items)

    def append(self, item: T) -> None:
        """Add an item and hand it to the first pending waiter that matches it."""
        index = len(self.items)
        self.items.append(item)
        for waiter in list(self._waiters):
            predicate, since, future = waiter
            if future.done():
                self._waiters.remove(waiter)
            elif index >= since and predicate(item):
                self._waiters.remove(waiter)
                self._consumed.add(index)
                future.set_result(item)
                return

    def take(self, predicate: Callable[[T], bool], *, since: int = 0) -> T | None:
        """Consume and return the oldest unconsumed matching item, if any."""
        for index in range(since, len(self.items)):
            if index not in self._consumed and predicate(self.items[index]):
                self._consumed.add(index)
                return self.items[index]
        return None

    async def wait_for(
        self,
        predicate: Callable[[T], bool],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        since: int = 0,
        what: str = "an item",
    ) -> T:
        """Return (and consume) the oldest matching item, waiting up to ``timeout``."""
        found = self.take(predicate, since=since)
        if found is not None:
            return found
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        waiter = (predicate, since, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise WaitTimeout(self._timeout_message(what, timeout)) from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _timeout_message(self, what: str, timeout: float) -> str:
        recent = [self._describe(item) for item in self.items[-15:]]
        listing = "\n  ".join(recent) or "(nothing)"
        head = f"timed out after {timeout}s waiting for {what} in {self.name}"
        return f"{head}; last recorded:\n  {listing}"


@dataclass
class UploadedFile:
    """A file part of a multipart request (``files[n]``)."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One REST request the client made, with the fake's answer."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    headers: dict[str, str]
    status: int = 0
    response: Any = None
    fault: bool = False

    def matches(self, method: str | None, path_regex: str | re.Pattern[str]) -> bool:
        """True if the method (None = any) matches and the regex matches the whole path."""
        if method is not None and method.upper() != self.method:
            return False
        return re.fullmatch(path_regex, self.path) is not None

    def describe(self) -> str:
        """One-line summary used in timeout messages."""
        return (
            f"{self.method} {self.path} -> {self.status}{' (injected fault)' if self.fault else ''}"
        )


@dataclass
class MessageRecord:
    """A message the bot created or edited, as the fake stored it.

    ``message`` is a snapshot of the Discord message object after the operation;
    ``request`` is the raw payload the bot sent (it carries ``allowed_mentions``).
    ``source`` is one of ``channel``, ``callback``, ``followup``, ``webhook_edit``.
    """

    message: dict[str, Any]
    request: dict[str, Any]
    files: list[UploadedFile]
    source: str
    interaction_id: int | None = None

    @property
    def id(self) -> int:
        """The message id."""
        return int(self.message["id"])

    @property
    def channel_id(self) -> int:
        """The channel the message lives in."""
        return int(self.message["channel_id"])

    @property
    def content(self) -> str:
        """Message content ('' when none)."""
        return str(self.message.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Embed dicts as sent."""
        return list(self.message.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        """Top-level component dicts (with fake-assigned numeric ``id``s)."""
        return list(self.message.get("components") or [])

    @property
    def flags(self) -> int:
        """Message flags (64 = ephemeral, 128 = loading)."""
        return int(self.message.get("flags") or 0)

    @property
    def message_reference(self) -> dict[str, Any] | None:
        """The reply reference, if any."""
        ref = self.message.get("message_reference")
        return dict(ref) if ref else None

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        """``allowed_mentions`` from the bot's request payload."""
        value = self.request.get("allowed_mentions")
        return dict(value) if value is not None else None

    def describe(self) -> str:
        """One-line summary used in timeout messages."""
        return f"{self.source} message {self.id} in {self.channel_id}: {self.content[:60]!r}"


@dataclass
class GatewayEvent:
    """A gateway lifecycle step: identified, resumed, invalid_session or closed."""

    kind: str
    session_id: str | None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class InteractionRecord:
    """An interaction the fake dispatched; await its callback and followups here."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    channel_id: int
    guild_id: int | None
    user_id: int
    callback: asyncio.Future[dict[str, Any]]
    original_message_id: int | None = None
    followups: EventLog[MessageRecord] = field(
        default_factory=lambda: EventLog("followups", MessageRecord.describe)
    )
    edits: EventLog[MessageRecord] = field(
        default_factory=lambda: EventLog("original edits", MessageRecord.describe)
    )

    @property
    def responded(self) -> bool:
        """True once the bot POSTed the interaction callback."""
        return self.callback.done()

    async def wait_callback(self, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """Return the callback body ``{"type": n, "data": {...}}`` the bot sent."""
        try:
            return await asyncio.wait_for(asyncio.shield(self.callback), timeout)
        except TimeoutError:
            raise WaitTimeout(f"interaction {self.id} got no callback within {timeout}s") from None

    async def wait_followup(self, timeout: float = DEFAULT_TIMEOUT) -> MessageRecord:
        """Return the next followup message (POST /webhooks/{app}/{token})."""
        return await self.followups.wait_for(lambda _: True, timeout=timeout, what="a followup")

    async def wait_edit(self, timeout: float = DEFAULT_TIMEOUT) -> MessageRecord:
        """Return the next edit of the original response (PATCH .../@original)."""
        return await self.edits.wait_for(lambda _: True, timeout=timeout, what="an @original edit")
