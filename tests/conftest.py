"""Shared fixtures: real corpora, real settings, a real SQLite file in tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.corpus.loader import LoadOptions, load_corpus
from bot.index.search import Index
from bot.model import Article
from bot.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
POWERAPPS = SHARED / "corpora" / "powerapps-news"
RUST_BLOG = SHARED / "corpora" / "rust-blog"
EVAL_DIR = ROOT / "tests" / "eval"
RUST_URLS = "https://blog.rust-lang.org/{path}/"


def needs_shared(path: Path) -> pytest.MarkDecorator:
    """Skip when ../shared is not beside the checkout (CI always has it)."""
    return pytest.mark.skipif(not path.is_dir(), reason=f"{path} not present")


@pytest.fixture(scope="session")
def seeds_index() -> Index:
    return Index(load_corpus(SEEDS).articles)


@pytest.fixture(scope="session")
def powerapps_index() -> Index:
    if not POWERAPPS.is_dir():
        pytest.skip("shared corpora not present")
    return Index(load_corpus(POWERAPPS).articles)


@pytest.fixture(scope="session")
def rust_index() -> Index:
    if not RUST_BLOG.is_dir():
        pytest.skip("shared corpora not present")
    return Index(load_corpus(RUST_BLOG, LoadOptions(url_template=RUST_URLS)).articles)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings over the seeds, with the query log in tmp_path."""
    return load_settings(
        env={},
        overrides={
            "corpus.dir": str(SEEDS),
            "db.path": str(tmp_path / "log.sqlite3"),
            "corpus.index_cache": str(tmp_path / "index"),
        },
    )


def run_cli(
    *args: str | bytes, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``python -m bot ARGS`` in a child process, free of the caller's BOT_ settings."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DISCORD_"))}
    full_env["BOT_CORPUS_INDEX_CACHE"] = ""  # build from the files, leave no cache behind
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=full_env,
        timeout=120,
    )


def body_article(body: str) -> Article:
    """An article with only a body (for excerpt tests)."""
    return Article(id="a.md", title="t", url=None, source=None, published=None, body=body)
