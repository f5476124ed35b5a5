"""Recent replies in memory: their buttons work before the query log has the row,
and on a bot that keeps no log (until it restarts)."""

from __future__ import annotations

from collections import OrderedDict

from bot.answer.build import Answer
from bot.querylog.replies import ReplyState

RECENT_REPLIES = 2048


class RecentReplies:
    """The last :data:`RECENT_REPLIES` replies' states by key, oldest dropped first."""

    def __init__(self, size: int = RECENT_REPLIES) -> None:
        """Keep at most ``size`` replies."""
        self.size = size
        self._states: OrderedDict[str, ReplyState] = OrderedDict()

    def remember(self, key: str, state: ReplyState) -> None:
        """Keep ``state`` under ``key``."""
        self._states[key] = state
        self._states.move_to_end(key)
        while len(self._states) > self.size:
            self._states.popitem(last=False)

    def get(self, key: str) -> ReplyState | None:
        """The state kept under ``key``, if still here."""
        return self._states.get(key)

    def forget_asker(self, asker_key: str) -> None:
        """Drop every reply to one person (``/forget-me``)."""
        for key in [k for k, s in self._states.items() if s.asker_key == asker_key]:
            del self._states[key]


def remembered_state(
    answer: Answer, asker_key: str | None, guild_id: int | None, channel_id: int | None
) -> ReplyState:
    """What a reply's buttons need, kept in memory for clicks before the log has it."""
    top = answer.results[0].article.id if answer.results else None
    return ReplyState(
        answer.query, answer.filters, asker_key, answer.answered, top, guild_id, channel_id
    )
