"""Shared fixtures: real corpora, real settings, a real SQLite file in tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bot.index.assemble import analyse
from bot.index.search import Index
from bot.model import Article
from bot.settings import Settings, load_settings
from bot.snapshot import build_index, build_snapshot

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
POWERAPPS = SHARED / "corpora" / "powerapps-news"
RUST_BLOG = SHARED / "corpora" / "rust-blog"
EVAL_DIR = ROOT / "tests" / "eval"
# The sentence-embedding model of the semantic stage (tests using it skip without it).
MINILM = SHARED / "models" / "all-MiniLM-L6-v2-onnx"
RUST_URLS = "https://blog.rust-lang.org/{path}/"


@pytest.fixture(autouse=True, scope="session")
def _state_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The default settings put the query log and saved index under a temporary folder,
    so no test writes into the checkout."""
    from bot.settings import STATE_ENV

    state = tmp_path_factory.mktemp("state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(STATE_ENV, str(state))  # child processes inherit it
        yield


def needs_shared(path: Path) -> pytest.MarkDecorator:
    """Skip when ../shared is not beside the checkout (CI always has it)."""
    return pytest.mark.skipif(not path.is_dir(), reason=f"{path} not present")


def corpus_index(corpus: Path, url_template: str = "") -> Index:
    """The index of a corpus folder, built as the service builds it (no saved index)."""
    settings = load_settings(
        env={},
        overrides={
            "corpus.dir": str(corpus),
            "corpus.url_template": url_template,
            "corpus.index_cache": "",
        },
    )
    return build_snapshot(settings).index


@pytest.fixture(scope="session")
def seeds_index() -> Index:
    return corpus_index(SEEDS)


@pytest.fixture(scope="session")
def powerapps_index() -> Index:
    if not POWERAPPS.is_dir():
        pytest.skip("shared corpora not present")
    return corpus_index(POWERAPPS)


@pytest.fixture(scope="session")
def rust_index() -> Index:
    if not RUST_BLOG.is_dir():
        pytest.skip("shared corpora not present")
    return corpus_index(RUST_BLOG, RUST_URLS)


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


def index_of(articles: Sequence[Article], **overrides: object) -> Index:
    """An index over articles made in a test, built the one way the service builds one."""
    settings = load_settings(env={}, overrides=dict(overrides))
    return build_index(analyse(articles), settings)
