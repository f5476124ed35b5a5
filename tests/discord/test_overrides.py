"""Discord's command permission overrides, resolved as Discord resolves them, and what
counts as a question in a help channel."""

from __future__ import annotations

from typing import Any

from bot.discord.cogs.helpdesk import looks_like_question
from bot.discord.overrides import override_allows
from bot.discord.timed import Timed

GUILD, APP, COMMAND, USER, ROLE, CHANNEL = 100, 200, 300, 400, 500, 600


def allows(
    payload: list[dict[str, Any]], roles: tuple[int, ...] = (), channel: int = CHANNEL
) -> bool:
    return override_allows(
        payload,
        command_id=COMMAND,
        application_id=APP,
        user_id=USER,
        role_ids=roles,
        channel_id=channel,
        guild_id=GUILD,
    )


def entry(target: int, *permissions: tuple[int, int, bool]) -> dict[str, Any]:
    return {
        "id": str(target),
        "permissions": [{"id": str(i), "type": t, "permission": p} for i, t, p in permissions],
    }


def test_nothing_set_grants_nothing() -> None:
    assert not allows([])
    assert not allows([entry(COMMAND)])
    assert not allows([{"id": "junk", "permissions": "junk"}, {"id": str(COMMAND)}])


def test_a_user_entry_rules_over_roles() -> None:
    assert allows([entry(COMMAND, (USER, 2, True), (ROLE, 1, False))], roles=(ROLE,))
    assert not allows([entry(COMMAND, (USER, 2, False), (ROLE, 1, True))], roles=(ROLE,))


def test_any_allowed_role_wins_and_everyone_is_the_guild_id() -> None:
    assert allows([entry(COMMAND, (ROLE, 1, True), (ROLE + 1, 1, False))], roles=(ROLE, ROLE + 1))
    assert allows([entry(COMMAND, (GUILD, 1, True))])
    assert not allows([entry(COMMAND, (ROLE, 1, True))], roles=())


def test_a_denied_channel_closes_the_command_there() -> None:
    payload = [entry(COMMAND, (USER, 2, True), (CHANNEL, 3, False))]
    assert not allows(payload) and allows(payload, channel=CHANNEL + 1)
    every_channel = [entry(COMMAND, (USER, 2, True), (GUILD - 1, 3, False))]
    assert not allows(every_channel)
    assert allows([entry(COMMAND, (USER, 2, True), (GUILD - 1, 3, False), (CHANNEL, 3, True))])


def test_the_commands_own_entries_come_before_the_applications() -> None:
    assert allows([entry(APP, (USER, 2, True))])
    assert not allows([entry(APP, (USER, 2, True)), entry(COMMAND, (USER, 2, False))])
    assert allows([entry(APP, (USER, 2, False)), entry(COMMAND, (ROLE, 1, True))], roles=(ROLE,))


def test_what_counts_as_a_question_in_a_help_channel() -> None:
    for text in ("how do I reset it", "anyone know why builds fail", "my build fails, any idea?"):
        assert looks_like_question(text), text
    for text in ("thanks all, see you", "lol", "what?", "ok cool " * 10_000):
        assert not looks_like_question(text), text


def test_timed_values_are_trusted_for_their_time_only() -> None:
    kept: Timed[str] = Timed(3600)
    assert kept.fresh(1) is None and kept.last(1) is None
    assert kept.put(1, "a") == "a" and kept.fresh(1) == "a"
    kept.forget(1)
    assert kept.fresh(1) is None
    expired: Timed[str] = Timed(0)
    expired.put(2, "b")
    assert expired.fresh(2) is None and expired.last(2) == "b"  # old, but there to fall back on
