"""Corpus files and folders that once crashed or misled the bot (issue 12)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from bot.corpus.loader import load_corpus
from bot.corpus.metadata import parse_date
from bot.settings import load_settings
from bot.text.analysis import analyze
from tests.conftest import index_of, run_cli


@pytest.mark.parametrize(
    "front_matter",
    [
        '+++\ntitle = "Old"\ndate = 0001-01-01T00:00:00+23:59\n+++\nBody of old.\n',
        "---\ntitle: New\ndate: 9999-12-31T23:59:59-23:59\n---\nBody of new.\n",
        "---\ntitle: Linked\nrelated:\n  - title: R\n"
        "    publishedDateTime: 9999-12-31T23:59:59-23:59\n---\nBody of linked.\n",
        "---\ntitle: Date only\ndate: 0001-01-01\n---\nBody.\n",
    ],
)
def test_dates_at_datetime_s_limits_are_no_date(tmp_path: Path, front_matter: str) -> None:
    (tmp_path / "a.md").write_text(front_matter)
    report = load_corpus(tmp_path)
    assert len(report.articles) == 1 and report.skipped == []
    article = report.articles[0]
    assert article.published is None
    assert all(link.published is None for link in article.related)


def test_parse_date_never_raises_on_extremes() -> None:
    import datetime as dt

    extreme = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=23, minutes=59)))
    assert parse_date(extreme) is None
    assert parse_date(dt.datetime(9999, 12, 31, 23, 59)) is None
    assert parse_date(dt.datetime(2021, 6, 26, 9)) == "2021-06-26T09:00:00+00:00"


def test_folders_a_thousand_deep_are_walked(tmp_path: Path) -> None:
    folder = tmp_path
    try:
        for _ in range(1_100):  # one level at a time: Path.mkdir(parents=True) recurses
            folder = folder / "d"
            folder.mkdir()
        (folder / "deep.md").write_text("# Deep\n\nThe deepest note.\n")
    except OSError:
        pytest.skip("this file system refuses paths that long")
    (tmp_path / "top.md").write_text("# Top\n\nA note at the top.\n")
    try:
        report = load_corpus(tmp_path)
        assert sorted(a.title for a in report.articles) == ["Deep", "Top"]
    finally:  # bottom up: a recursive removal would exhaust the stack too
        (folder / "deep.md").unlink()
        while folder != tmp_path:
            folder.rmdir()
            folder = folder.parent


def test_file_names_with_terminal_escapes_are_printed_inert(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text("# Good\n\nGood text.\n")
    (corpus / "evil\x1b[2J\x1b]0;pwned\x07\u202eeman.bin").write_bytes(b"x")
    db = str(tmp_path / "q.sqlite3")
    result = run_cli("reindex", "--corpus", str(corpus), "--db", db)
    out = result.stdout.decode()
    assert result.returncode == 0 and "evil" in out
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in out
    assert "\\u001b" in out and "\\u202e" in out
    as_json = run_cli("reindex", "--json", "--corpus", str(corpus), "--db", db)
    skipped = json.loads(as_json.stdout)["skipped"]
    assert any(item["path"].startswith("evil\x1b[2J") for item in skipped)  # the value kept


def test_stats_shows_questions_inert(tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    run_cli("ask", "--db", db, "dojo \u202e\u2066 chip")
    result = run_cli("stats", "--db", db)
    out = result.stdout.decode()
    assert result.returncode == 0 and "dojo" in out
    assert "\u202e" not in out and "\u2066" not in out


def test_chinese_and_japanese_questions_find_their_articles() -> None:
    from bot.model import Article

    def item(name: str, title: str, body: str) -> Article:
        return Article(id=name, title=title, url=None, source=None, published=None, body=body)

    index = index_of(
        [
            item("tokyo.md", "東京の天気予報", "明日の東京は晴れのち曇りでしょう。"),
            item("osaka.md", "大阪の料理", "たこ焼きとお好み焼きは大阪の名物です。"),
            item("beijing.md", "北京的历史", "北京是中国的首都，有三千多年的历史。"),
            item("en.md", "Weather", "Sunny tomorrow."),
        ]
    )
    assert "東京" in analyze("東京の天気") and "天気" in analyze("東京の天気")
    for question, expected in (
        ("東京の天気は？", "tokyo.md"),
        ("大阪の名物", "osaka.md"),
        ("北京的历史", "beijing.md"),
    ):
        hits = index.search(index.parse(question), 1)
        assert index.articles[hits[0].doc].id == expected


def test_folders_and_files_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "q.sqlite3"
    old = os.umask(0)
    try:
        result = run_cli(
            "ask",
            "--db",
            str(db),
            "dojo",
            env={"BOT_CORPUS_INDEX_CACHE": str(tmp_path / "index" / "cache")},
        )
    finally:
        os.umask(old)
    assert result.returncode == 0
    for path in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "index", db):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))
    for saved in (tmp_path / "index" / "cache").iterdir():
        assert stat.S_IMODE(saved.stat().st_mode) & 0o077 == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BOT_DB_PATH": ""}, "db.path must not be empty"),
        ({"BOT_CORPUS_DIR": ""}, "corpus.dir must not be empty"),
        ({"BOT_CORPUS_EXTENSIONS": ","}, "corpus.extensions must name at least one"),
    ],
)
def test_empty_settings_are_one_clear_error(env: dict[str, str], message: str) -> None:
    from bot.errors import SettingsError

    with pytest.raises(SettingsError, match=message):
        load_settings(env=env)


def test_extensions_without_their_dot_are_understood() -> None:
    settings = load_settings(env={"BOT_CORPUS_EXTENSIONS": "md, TXT"})
    assert settings.corpus.extensions == (".md", ".txt")


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"[search]\ntop_k = \xff\n")
    result = run_cli("ask", "--config", str(bad), "dojo")
    assert result.returncode == 2
    assert result.stderr.decode() == f"error: config file {bad} is not UTF-8 text\n"


def test_a_token_with_a_line_break_is_one_line(tmp_path: Path) -> None:
    result = run_cli("run", "--db", str(tmp_path / "q.sqlite3"), env={"DISCORD_TOKEN": "abc\ndef"})
    err = result.stderr.decode()
    assert result.returncode == 2 and err.count("\n") == 1 and "line breaks" in err
