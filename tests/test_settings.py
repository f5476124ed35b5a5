from __future__ import annotations

import dataclasses
import logging
import re
import tomllib
from pathlib import Path

import pytest

import bot.settings
from bot.errors import SettingsError
from bot.settings import DEFAULT_CONFIG, PROJECT_ROOT, Settings, load_settings


def test_default_toml_documents_every_setting_with_the_builtin_values() -> None:
    data = tomllib.loads(DEFAULT_CONFIG.read_text())
    defaults = Settings()
    for section in dataclasses.fields(Settings):
        built_in = dataclasses.asdict(getattr(defaults, section.name))
        assert set(data[section.name]) == set(built_in), section.name
        for key, value in built_in.items():
            if key in ("dir", "path"):
                continue
            expected = list(value) if isinstance(value, tuple) else value
            assert data[section.name][key] == expected, f"{section.name}.{key}"


def test_every_setting_has_a_comment() -> None:
    lines = DEFAULT_CONFIG.read_text().splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            assert lines[number - 1].startswith("#"), f"no comment above: {line}"


def test_relative_paths_in_default_toml_resolve_against_the_project() -> None:
    settings = load_settings(env={})
    assert settings.corpus_dir == PROJECT_ROOT / "seeds"
    state = bot.settings.state_root()  # patched by conftest: tests write only to temporary folders
    assert settings.db_path == state / "data" / "corpus-bot.sqlite3"
    assert state != PROJECT_ROOT


def test_environment_overrides_file_and_is_typed(tmp_path: Path) -> None:
    local = tmp_path / "local.toml"
    local.write_text('[search]\ntop_k = 5\n[corpus]\ndir = "mine"\n')
    env = {
        "BOT_SEARCH_TOP_K": "7",
        "BOT_DISCORD_OWNER_IDS": "1, 2",
        "BOT_SEARCH_TYPO_TOLERANCE": "no",
    }
    settings = load_settings(local, env=env)
    assert settings.search.top_k == 7
    assert settings.discord.owner_ids == (1, 2)
    assert settings.search.typo_tolerance is False
    assert settings.corpus_dir == tmp_path / "mine"


def test_bot_config_variable_names_the_local_file(tmp_path: Path) -> None:
    local = tmp_path / "c.toml"
    local.write_text("[answer]\nrelated_count = 1\n")
    assert load_settings(env={"BOT_CONFIG": str(local)}).answer.related_count == 1


def test_overrides_win_and_none_is_ignored() -> None:
    settings = load_settings(env={"BOT_SEARCH_TOP_K": "4"}, overrides={"search.top_k": None})
    assert settings.search.top_k == 4
    assert load_settings(env={}, overrides={"search.top_k": 9}).search.top_k == 9


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[search]\ntop_k = 0\n", "search.top_k must be between 1 and 25"),
        ("[search]\ntop_k = 'many'\n", "search.top_k must be a int"),
        ("[nope]\nx = 1\n", "unknown settings section [nope]"),
        ("[search]\ncolour = 1\n", "unknown setting search.colour"),
        ("this is = = not toml", "is not valid TOML"),
    ],
)
def test_bad_settings_are_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    local = tmp_path / "bad.toml"
    local.write_text(content)
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(local, env={})


def test_missing_config_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="config file not found"):
        load_settings(tmp_path / "absent.toml", env={})


def test_bad_environment_value_is_reported() -> None:
    with pytest.raises(SettingsError, match=r"search\.k1 must be a float"):
        load_settings(env={"BOT_SEARCH_K1": "fast"})


def test_the_log_on_a_server_is_a_postgresql_url() -> None:
    url = "postgresql://bot:pw@db.internal:5432/corpus"
    assert load_settings(env={"BOT_DB_URL": url}).db.url == url
    assert load_settings(env={}).db.url == ""
    with pytest.raises(SettingsError, match=r"db\.url must be a postgresql:// URL"):
        load_settings(env={"BOT_DB_URL": "mysql://db/corpus"})
    channels = load_settings(env={"BOT_DISCORD_AUTO_ANSWER_CHANNELS": "12, 34"})
    assert channels.discord.auto_answer_channels == (12, 34)


def test_a_retired_setting_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    local = tmp_path / "old.toml"
    local.write_text("[search]\nengine = 'sparse'\ntop_k = 4\n")
    with caplog.at_level(logging.WARNING, logger="bot.settings"):
        settings = load_settings(local, env={})
    assert settings.search.top_k == 4
    assert "search.engine" in caplog.text and "no longer used" in caplog.text
