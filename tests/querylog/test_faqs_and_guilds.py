"""Curated answers and per-server settings as stored: limits, damaged rows, exports."""

from __future__ import annotations

import json

import pytest

from bot.answer.curated import Curated
from bot.querylog.faqs import ENTRIES_MAX, FaqError, checked, export_text, parse_export
from bot.querylog.guilds import CHANNELS_MAX, GuildSettings


def test_checked_tidies_and_refuses_what_does_not_fit() -> None:
    assert checked("  reset   password ", " Do this. ", "") == Curated(
        "reset password", "Do this.", None
    )
    for name, text, link in (
        ("", "text", None),
        ("name", "   ", None),
        ("n" * 101, "text", None),
        ("name", "t" * 1501, None),
        ("name", "text", "javascript:alert(1)"),
        ("name", "text", "https://e.com/" + "x" * 600),
    ):
        with pytest.raises(FaqError):
            checked(name, text, link)


def test_an_export_reads_back_and_a_bad_one_says_why() -> None:
    entries = [Curated("a", "first", "https://e.com/a"), Curated("b", "second")]
    assert parse_export(export_text(entries).encode()) == entries
    bad = {
        b"\xff\xfe": "not a curated-answer export",
        b"[" * 200_000: "not a curated-answer export",  # nested past any stack
        b"[]": "not a curated-answer export of this bot",
        json.dumps({"format": "corpus-bot-faq", "version": 9}).encode(): "version 9",
        json.dumps({"format": "corpus-bot-faq", "version": 1, "faqs": {}}).encode(): "a list",
        json.dumps(
            {"format": "corpus-bot-faq", "version": 1, "faqs": [{"name": "x"}]}
        ).encode(): "Entry 1 needs a name and a text",
        json.dumps(
            {
                "format": "corpus-bot-faq",
                "version": 1,
                "faqs": [{"name": "x", "text": "y"}] * (ENTRIES_MAX + 1),
            }
        ).encode(): "at most",
    }
    for data, reason in bad.items():
        with pytest.raises(FaqError, match=reason):
            parse_export(data)


def test_damaged_server_settings_read_as_the_defaults() -> None:
    settings = GuildSettings(frozenset({5, 3}), frozenset({7}), 9)
    assert GuildSettings.from_json(settings.to_json()) == settings
    for damaged in ("", "{", "[1]", '{"answer_channels": "7", "admin_role_id": true}'):
        assert GuildSettings.from_json(damaged) == GuildSettings()
    many = json.dumps({"auto_answer_channels": [*range(1, 1000), -4, "x"]})
    assert len(GuildSettings.from_json(many).auto_answer_channels) == CHANNELS_MAX


def test_the_allow_list_counts_a_thread_with_its_channel() -> None:
    assert GuildSettings().answers_in(1)
    only = GuildSettings(answer_channels=frozenset({10}))
    assert only.answers_in(10) and only.answers_in(99, 10)
    assert not only.answers_in(99) and not only.answers_in(None)
