"""The buttons under an answer: links to the cited articles, and buttons that always work.

👍, 👎, "More results" and 🗑 are persistent (discord.py's ``DynamicItem``): no
view waits in memory for them, and no timeout ends them. Each custom id names
the action and the reply's key (``cb:more:<key>:<page>``); a click, even after a
restart, finds the question behind the key (:meth:`ReplyActions.reply_state`:
recent replies in memory, then the query log) and acts on it. The templates
are anchored patterns of fixed shape, linear on any custom id (at most 100
characters anyway).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.answer.build import Answer, Result
from bot.discord.ui.embeds import answer_embed, cut, plain, safe_url
from bot.discord.ui.forum import tag_solved
from bot.discord.ui.replies import ERROR_MESSAGE, send_private

if TYPE_CHECKING:
    from bot.discord.context import CorpusBotLike

log = logging.getLogger(__name__)

BUTTON_LABEL_MAX = 80
LINK_BUTTONS_MAX = 5  # one row of link buttons
MAX_PAGES = 5
KEY_PATTERN = "[0-9a-f]{16}"
UP, DOWN = "\N{THUMBS UP SIGN}", "\N{THUMBS DOWN SIGN}"
WASTEBASKET = "\N{WASTEBASKET}"
TOO_OLD = (
    "This answer is no longer in the bot's log (it is too old, or its asker was "
    "forgotten): ask again with `/ask`."
)
NOT_YOURS = "Only the person who asked, or a server admin, can do that."

Button = discord.ui.Button[discord.ui.View]


def new_reply_key() -> str:
    """A fresh random key for one reply's buttons (16 hex digits)."""
    return secrets.token_hex(8)


def _bot(interaction: discord.Interaction) -> CorpusBotLike:
    return cast("CorpusBotLike", interaction.client)


async def _asker_or_admin(interaction: discord.Interaction, key: str) -> bool:
    """Whether the clicker asked the question behind ``key``, or administers the server."""
    bot = _bot(interaction)
    state = await bot.reply_state(key)
    if state is not None and bot.is_asker(state, interaction.user.id):
        return True
    return await bot.may_administer(interaction)


class _Persistent(discord.ui.DynamicItem[Button], template=r"cb:none"):
    """What every persistent button shares: a failing click gets one private sentence."""

    async def callback(self, interaction: discord.Interaction) -> None:
        """Run :meth:`act`; any failure is logged and the clicker told in private."""
        try:
            await self.act(interaction)
        except Exception:
            log.exception("button %s failed", self.custom_id)
            await send_private(interaction, ERROR_MESSAGE)

    async def act(self, interaction: discord.Interaction) -> None:
        """What the click does."""
        raise NotImplementedError

    @classmethod
    def restore(cls, match: re.Match[str], counts: tuple[int, int]) -> _Persistent:
        """The button again from its custom id's ``match``, with vote ``counts``."""
        raise NotImplementedError

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> _Persistent:
        """The button again from a click on it (a vote button keeps the count it shows)."""
        return cls.restore(match, _shown_counts(item))


class VoteButton(_Persistent, template=rf"cb:vote:(?P<key>{KEY_PATTERN}):(?P<vote>up|down)"):
    """👍 or 👎 with how many people pressed it; a vote updates both counts."""

    def __init__(self, key: str, vote: int, count: int = 0) -> None:
        """The button for ``vote`` (1 or -1) on the reply ``key``, showing ``count``."""
        self.key, self.vote = key, vote
        name = "up" if vote > 0 else "down"
        super().__init__(
            discord.ui.Button(
                emoji=UP if vote > 0 else DOWN,
                label=str(count) if count else None,
                style=discord.ButtonStyle.secondary,
                custom_id=f"cb:vote:{key}:{name}",
                row=1,
            )
        )

    @classmethod
    def restore(cls, match: re.Match[str], counts: tuple[int, int]) -> VoteButton:
        """The button with its share of ``counts`` (up, down)."""
        vote = 1 if match["vote"] == "up" else -1
        return cls(match["key"], vote, counts[0] if vote > 0 else counts[1])

    async def act(self, interaction: discord.Interaction) -> None:
        """Record the vote, then show the new counts on the answer."""
        bot = _bot(interaction)
        state = await bot.reply_state(self.key)
        message = interaction.message
        if state is None or message is None:
            await send_private(interaction, TOO_OLD)
            return
        text = await bot.record_vote(
            message.id, interaction.user.id, self.vote, state.question, state.top_id
        )
        counts = await bot.vote_counts(message.id)
        if counts is None:
            await interaction.response.send_message(text, ephemeral=True)
            return
        await interaction.response.edit_message(view=restored_view(message, counts))
        await interaction.followup.send(text, ephemeral=True)


class MoreButton(
    _Persistent,
    template=rf"cb:more:(?P<key>{KEY_PATTERN}):(?P<page>[1-9])(?P<copy>:p)?",
):
    """The next page of results: in place for the asker, a private copy for anyone else."""

    def __init__(self, key: str, page: int, copy: bool = False) -> None:
        """The button showing ``page`` (counted from 0) of the reply ``key``; ``copy`` on
        a private copy, which pages in place for whoever sees it."""
        self.key, self.page, self.private_copy = key, page, copy
        super().__init__(
            discord.ui.Button(
                label="More results",
                style=discord.ButtonStyle.secondary,
                custom_id=f"cb:more:{key}:{page}" + (":p" if copy else ""),
                row=1,
            )
        )

    @classmethod
    def restore(cls, match: re.Match[str], counts: tuple[int, int]) -> MoreButton:
        """The button again from its custom id."""
        return cls(match["key"], int(match["page"]), bool(match["copy"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Fetch the page and show it where the clicker may see it."""
        bot = _bot(interaction)
        state = await bot.reply_state(self.key)
        if state is None:
            await send_private(interaction, TOO_OLD)
            return
        in_place = self.private_copy or bot.is_asker(state, interaction.user.id)
        if in_place:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
        per_page = bot.settings.search.top_k
        start = self.page * per_page
        full = await bot.page(state, start + per_page + 1)
        results = full.results[start : start + per_page]
        if not results:
            await send_private(interaction, "There are no more results for this question.")
            return
        has_more = len(full.results) > start + per_page
        page = replace(full, results=results, related=())
        embed = answer_embed(page, page=self.page, first_number=start + 1)
        copy = self.private_copy or not in_place
        view = answer_view(
            page,
            self.key,
            page=self.page,
            first_number=start + 1,
            has_more=has_more,
            votes=bot.querylog is not None and not copy,
            copy=copy,
        )
        if in_place:
            await interaction.edit_original_response(embed=embed, view=view)
        else:
            await interaction.followup.send(embed=embed, view=view, ephemeral=True)


class DeleteButton(_Persistent, template=rf"cb:delete:(?P<key>{KEY_PATTERN})"):
    """🗑: the asker, or a server admin, deletes a wrong answer."""

    def __init__(self, key: str) -> None:
        """The delete button of the reply ``key``."""
        self.key = key
        super().__init__(
            discord.ui.Button(
                emoji=WASTEBASKET,
                style=discord.ButtonStyle.secondary,
                custom_id=f"cb:delete:{key}",
                row=1,
            )
        )

    @classmethod
    def restore(cls, match: re.Match[str], counts: tuple[int, int]) -> DeleteButton:
        """The button again from its custom id."""
        return cls(match["key"])

    async def act(self, interaction: discord.Interaction) -> None:
        """Delete the answer if the clicker asked the question or administers the server."""
        if not await _asker_or_admin(interaction, self.key):
            await send_private(interaction, NOT_YOURS)
            return
        await interaction.response.defer()
        await interaction.delete_original_response()
        log.info("answer %s deleted by user %s", self.key, interaction.user.id)


class SolvedButton(_Persistent, template=rf"cb:solved:(?P<key>{KEY_PATTERN})"):
    """ "Solved" under an answer to a forum post: the asker (or an admin) closes the
    question, and the forum's "solved" tag is added where it has one."""

    def __init__(self, key: str) -> None:
        """The Solved button of the reply ``key``."""
        self.key = key
        super().__init__(
            discord.ui.Button(
                label="Solved",
                emoji="\N{WHITE HEAVY CHECK MARK}",
                style=discord.ButtonStyle.success,
                custom_id=f"cb:solved:{key}",
                row=1,
            )
        )

    @classmethod
    def restore(cls, match: re.Match[str], counts: tuple[int, int]) -> SolvedButton:
        """The button again from its custom id."""
        return cls(match["key"])

    async def act(self, interaction: discord.Interaction) -> None:
        """Tag the post solved, take the button away, and say so."""
        if not await _asker_or_admin(interaction, self.key):
            await send_private(interaction, NOT_YOURS)
            return
        bot = _bot(interaction)
        note = await tag_solved(interaction)
        message = interaction.message
        if message is not None:
            view = restored_view(message, await bot.vote_counts(message.id), drop=SolvedButton)
            await interaction.response.edit_message(view=view)
            await interaction.followup.send(note, ephemeral=True)
        else:
            await interaction.response.send_message(note, ephemeral=True)


# Every persistent button: the bot registers them (``add_dynamic_items``) at start-up.
PERSISTENT: tuple[type[_Persistent], ...] = (VoteButton, MoreButton, DeleteButton, SolvedButton)


def _link_buttons(results: Sequence[Result], first_number: int) -> list[Button]:
    buttons: list[Button] = []
    for offset, result in enumerate(results):
        url = safe_url(result.link)
        if url is None or len(buttons) >= LINK_BUTTONS_MAX:
            continue
        label = f"[{first_number + offset}] {result.article.source or result.article.title}"
        buttons.append(
            discord.ui.Button(
                style=discord.ButtonStyle.link,
                label=cut(plain(label), BUTTON_LABEL_MAX),
                url=url,
                row=0,
            )
        )
    return buttons


def answer_view(
    answer: Answer,
    key: str,
    *,
    page: int = 0,
    first_number: int = 1,
    has_more: bool = False,
    votes: bool = False,
    copy: bool = False,
    solved: bool = False,
) -> discord.ui.View:
    """The buttons for one page of an answer (its first citation numbered
    ``first_number``): links to its citations, then 👍 👎 (with ``votes``), "More
    results" (while ``has_more``) and 🗑. A private ``copy`` has only links and "More
    results". With ``solved`` (an answer in a forum post), a "Solved" button too."""
    view = discord.ui.View(timeout=None)
    for button in _link_buttons(answer.results, first_number):
        view.add_item(button)
    if votes and not copy:
        view.add_item(VoteButton(key, 1))
        view.add_item(VoteButton(key, -1))
    if has_more and page + 1 < MAX_PAGES:
        view.add_item(MoreButton(key, page + 1, copy))
    if not copy:
        view.add_item(DeleteButton(key))
    if solved and not copy:
        view.add_item(SolvedButton(key))
    return view


def restored_view(
    message: discord.Message,
    counts: tuple[int, int] | None,
    drop: type[_Persistent] | None = None,
) -> discord.ui.View:
    """The message's buttons as they are, with the vote counts ``counts`` (up, down;
    None keeps the counts shown) and without the buttons of kind ``drop``."""
    view = discord.ui.View(timeout=None)
    for item in discord.ui.View.from_message(message, timeout=None).children:
        restored = _restored(item, counts)
        if drop is None or not isinstance(restored, drop):
            view.add_item(restored)
    return view


def _restored(item: discord.ui.Item[Any], counts: tuple[int, int] | None) -> discord.ui.Item[Any]:
    custom_id = getattr(item, "custom_id", None) or ""
    for kind in PERSISTENT:
        match = kind.__discord_ui_compiled_template__.fullmatch(custom_id)
        if match is not None:
            return kind.restore(match, counts or _shown_counts(item))
    return item


def _shown_counts(item: discord.ui.Item[Any]) -> tuple[int, int]:
    """The count a vote button shows, as both (up, down) for :meth:`VoteButton.restore`
    (which takes its own side)."""
    label = getattr(item, "label", None) or ""
    count = int(label) if label.isdigit() and len(label) < 10 else 0
    return (count, count)
