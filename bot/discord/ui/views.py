"""Buttons under an answer: links to the cited articles and "More results"."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import discord

from bot.answer.build import Answer, Result
from bot.discord.ui.embeds import answer_embed, cut, plain, safe_url
from bot.discord.ui.replies import ERROR_MESSAGE, send_private
from bot.model import Filters

log = logging.getLogger(__name__)

BUTTON_LABEL_MAX = 80
LINK_BUTTONS_MAX = 5  # one row of link buttons
MAX_PAGES = 5
VIEW_TIMEOUT = 15 * 60

# Fetches the answer for a page: (question, filters, how many results) -> Answer
Pager = Callable[[str, Filters, int], Awaitable[Answer]]
# Records a vote: (answer message id, user id, +1 or -1) -> what to tell the voter
Voter = Callable[[int, int, int], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class PageState:
    """What "More results" needs to fetch the next page."""

    question: str
    filters: Filters
    per_page: int
    page: int = 0


def _link_buttons(answer: Answer, first_number: int) -> list[discord.ui.Button[discord.ui.View]]:
    buttons: list[discord.ui.Button[discord.ui.View]] = []
    for offset, result in enumerate(answer.results):
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


class AnswerView(discord.ui.View):
    """Link buttons to the cited articles, and a "More results" button that pages on."""

    def __init__(
        self,
        answer: Answer,
        state: PageState | None,
        pager: Pager | None,
        has_more: bool,
        voter: Voter | None = None,
    ) -> None:
        """Buttons for ``answer``; paging is offered when ``pager`` and ``has_more`` allow,
        thumbs up and down when ``voter`` records votes."""
        super().__init__(timeout=VIEW_TIMEOUT)
        self.state = state
        self.pager = pager
        self.voter = voter
        if voter is None:
            self.remove_item(self.thumbs_up)
            self.remove_item(self.thumbs_down)
        first = (state.page * state.per_page + 1) if state else 1
        for button in _link_buttons(answer, first):
            self.add_item(button)
        if not (pager and state and has_more and state.page + 1 < MAX_PAGES):
            self.remove_item(self.more)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[AnswerView],
    ) -> None:
        """A failing button gets the same private sentence as a failing command."""
        log.error("button %r failed", getattr(item, "label", item), exc_info=error)
        await send_private(interaction, ERROR_MESSAGE)

    @discord.ui.button(emoji="\N{THUMBS UP SIGN}", style=discord.ButtonStyle.secondary, row=1)
    async def thumbs_up(
        self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]
    ) -> None:
        """Record that this answer helped."""
        await self._vote(interaction, 1)

    @discord.ui.button(emoji="\N{THUMBS DOWN SIGN}", style=discord.ButtonStyle.secondary, row=1)
    async def thumbs_down(
        self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]
    ) -> None:
        """Record that this answer did not help."""
        await self._vote(interaction, -1)

    async def _vote(self, interaction: discord.Interaction, vote: int) -> None:
        assert self.voter is not None and interaction.message is not None
        text = await self.voter(interaction.message.id, interaction.user.id, vote)
        await interaction.response.send_message(text, ephemeral=True)

    @discord.ui.button(label="More results", style=discord.ButtonStyle.secondary, row=1)
    async def more(
        self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]
    ) -> None:
        """Show the next page of results in place of this one."""
        assert self.state is not None and self.pager is not None
        state = PageState(
            self.state.question, self.state.filters, self.state.per_page, self.state.page + 1
        )
        await interaction.response.defer()
        wanted = state.per_page * (state.page + 1)
        full = await self.pager(state.question, state.filters, wanted + 1)
        start = state.page * state.per_page
        page_results = full.results[start : start + state.per_page]
        if not page_results:
            button.disabled = True
            button.label = "No more results"
            await interaction.edit_original_response(view=self)
            return
        page = _page_answer(full, page_results)
        has_more = len(full.results) > start + state.per_page
        view = AnswerView(page, state, self.pager, has_more, self.voter)
        embed = answer_embed(page, page=state.page, first_number=start + 1)
        await interaction.edit_original_response(embed=embed, view=view)
        self.stop()


def _page_answer(full: Answer, results: tuple[Result, ...]) -> Answer:
    """The answer for one page of further results (no excerpt repeat, no related links)."""
    return replace(full, results=results, related=())
