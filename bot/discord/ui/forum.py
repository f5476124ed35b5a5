"""Help-forum posts: the "solved" tag a post gets under the bot's answer."""

from __future__ import annotations

import logging

import discord

from bot.discord.ui.embeds import plain

log = logging.getLogger(__name__)

# Names of the tag a forum uses for answered posts (compared without case).
SOLVED_TAGS = ("solved", "resolved", "answered", "fixed", "done")


async def tag_solved(interaction: discord.Interaction) -> str:
    """Add the forum's "solved" tag to the post the button is in; what to tell the clicker."""
    thread = interaction.channel
    if not isinstance(thread, discord.Thread):
        return "Marked as solved."
    forum = thread.parent
    tags = forum.available_tags if isinstance(forum, discord.ForumChannel) else []
    tag = next((t for t in tags if t.name.strip().casefold() in SOLVED_TAGS), None)
    if tag is None:
        return "Marked as solved (this forum has no \u201cSolved\u201d tag to add)."
    if any(t.id == tag.id for t in thread.applied_tags):
        return "This post is already tagged solved."
    try:
        await thread.add_tags(tag, reason="marked solved under the bot's answer")
    except discord.HTTPException as exc:
        log.warning("could not tag post %s solved: %s", thread.id, exc)
        return "Marked as solved, but the tag could not be added (the bot needs Manage Threads)."
    return f"Marked as solved: tagged \u201c{plain(tag.name)}\u201d."
