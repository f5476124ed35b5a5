"""Matching a question to a server's curated answers."""

from __future__ import annotations

from bot.answer.curated import Curated, best_curated, match_share, terms_of

RESET = Curated("reset password", "Open Settings, then Account, and choose Reset password.")
INSTALL = Curated("install on windows", "Run the installer as an administrator.")


def test_every_word_of_the_name_must_be_asked() -> None:
    assert match_share("How do I reset my password?", RESET) == 1.0
    assert match_share("resetting passwords", RESET) == 1.0  # stems match
    assert match_share("my password manager is slow", RESET) == 0.0  # "reset" missing
    assert match_share("", RESET) == 0.0
    assert match_share("reset password", Curated("the", "a stop word is no name")) == 0.0


def test_most_of_the_question_must_be_held() -> None:
    long = "reset password after the router firmware upgrade broke vlan tagging on port four"
    assert match_share(long, RESET) == 0.0  # the name is there, but it answers little of this


def test_the_best_match_wins_and_none_when_nothing_matches() -> None:
    entries = [
        terms_of(e)
        for e in (INSTALL, RESET, Curated("password", "Passwords are at least 12 characters."))
    ]
    assert best_curated("how to reset my password", entries) == RESET
    assert best_curated("installing it on windows 11?", entries) == INSTALL
    assert best_curated("what is the weather like", entries) is None
    assert best_curated("x" * 100_000 + " reset password", entries) is None  # cut, still fine
