"""Messy corpora and reindexing under load: nothing is fatal, every skip is named."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import bot.corpus.loader
from bot.answer.build import Answer
from bot.app import build_service
from bot.corpus.files import read_text as read_file_text
from bot.corpus.loader import LoadOptions, load_corpus
from bot.settings import Settings, load_settings
from tests.conftest import ROOT, SEEDS

SEED_IDS = frozenset(p.name for p in SEEDS.iterdir() if p.is_file())
ARTICLE = "---\ntitle: {title}\nsource: Test Wire\n---\n{body}\n"


def corpus_copy(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    return corpus


def settings_for(corpus: Path, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"corpus.dir": str(corpus), "db.path": str(tmp_path / "q.db")}
    values.update(overrides)
    return load_settings(env={}, overrides=values)


def sparse_file(path: Path, size: int) -> None:
    with path.open("wb") as handle:
        handle.truncate(size)


def messy_corpus(tmp_path: Path) -> Path:
    """The seeds plus every bad shape a shared folder collects."""
    corpus = corpus_copy(tmp_path)
    (corpus / "broken-yaml.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    (corpus / "list-front-matter.md").write_text("---\n- just\n- a list\n---\nbody\n")
    (corpus / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    (corpus / "empty.md").write_bytes(b"")
    sparse_file(corpus / "huge.md", 25 * 1024 * 1024)
    latin1 = "# Caf\xe9 cr\xe8me\n\nR\xe9sum\xe9 of the caf\xe9.\n".encode("latin-1")
    (corpus / "latin1.md").write_bytes(latin1)
    (corpus / "image.png").write_bytes(b"\x89PNG")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (corpus / ".hidden.md").write_text("# Hidden\n\nNever indexed.\n")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "inner.md").write_text(ARTICLE.format(title="Inner", body="Inner text."))
    os.symlink(corpus, corpus / "sub" / "loop", target_is_directory=True)
    outside = tmp_path / "outside-secret.md"
    outside.write_text("# Secret\n\nDISCORD_TOKEN=do-not-publish\n")
    os.symlink(outside, corpus / "linked-secret.md")
    os.symlink(tmp_path / "missing.md", corpus / "dangling.md")
    os.mkfifo(corpus / "pipe.md")
    with open(os.path.join(os.fsencode(corpus), b"caf\xe9-name.md"), "wb") as handle:
        handle.write(b"# Bad name\n\nText.\n")
    return corpus


EXPECTED_SKIPS = {
    "broken-yaml.md": "invalid YAML front matter",
    "list-front-matter.md": "",
    "binary.md": "binary file",
    "empty.md": "no text to index",
    "huge.md": "file too large (26,214,400 bytes; limit 5,000,000)",
    "image.png": "not a text or markdown file (.png)",
    "linked-secret.md": "symbolic link to a file outside the corpus folder",
    "dangling.md": "broken symbolic link",
    "pipe.md": "not a regular file",
    "caf\ufffd-name.md": "file name is not valid UTF-8",
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symbolic links (POSIX)")
def test_reindex_of_a_messy_corpus_names_every_skip_and_why(tmp_path: Path) -> None:
    corpus = messy_corpus(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DISCORD_"))}
    db = str(tmp_path / "q.db")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "reindex", "--json", "--corpus", str(corpus), "--db", db],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,  # a FIFO that blocked the reader would hang here
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["documents"] == len(SEED_IDS) + 2  # + sub/inner, latin1
    reasons = {item["path"]: item["reason"] for item in report["skipped"]}
    assert set(reasons) == set(EXPECTED_SKIPS)
    for path, expected in EXPECTED_SKIPS.items():
        assert expected in reasons[path], (path, reasons[path])
    assert "do-not-publish" not in result.stdout.decode()


async def test_the_size_limit_comes_from_settings(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "small.md").write_text(ARTICLE.format(title="Small", body="Tiny note on otters."))
    (corpus / "big.md").write_text(ARTICLE.format(title="Big", body="Otters swim. " * 200))
    size = (corpus / "big.md").stat().st_size
    strict = build_service(settings_for(corpus, tmp_path, **{"corpus.max_file_bytes": 1000}))
    report = await strict.start()
    assert [(s.path, s.reason) for s in report.skipped] == [
        ("big.md", f"file too large ({size:,} bytes; limit 1,000)")
    ]
    relaxed = build_service(settings_for(corpus, tmp_path, **{"corpus.max_file_bytes": 10_000}))
    assert (await relaxed.start()).documents == 2


def patch_reads(monkeypatch: pytest.MonkeyPatch, before_read: Callable[[Path], None]) -> None:
    """Run ``before_read`` on each file between the listing and the read."""
    real = read_file_text

    def read_text(path: Path, max_bytes: int) -> str:
        before_read(path)
        return real(path, max_bytes)

    monkeypatch.setattr(bot.corpus.loader, "read_text", read_text)


async def test_files_vanishing_or_changing_during_a_reindex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = corpus_copy(tmp_path)
    for name in ("vanishing.md", "growing.md", "turning-binary.md", "edited.md"):
        (corpus / name).write_text(ARTICLE.format(title=name, body="Otters hold hands."))
    service = build_service(settings_for(corpus, tmp_path, **{"corpus.max_file_bytes": 4000}))
    first = await service.start()
    assert first.documents == len(SEED_IDS) + 4
    for name in ("vanishing.md", "growing.md", "turning-binary.md", "edited.md"):
        # a new size, so the reindex reads them again: each is meddled with in between
        (corpus / name).write_text(ARTICLE.format(title=name, body="Otters hold paws."))
    grown = ARTICLE.format(title="Grown", body="Otters. " * 1000)

    def meddle(path: Path) -> None:
        if path.name == "vanishing.md":
            path.unlink()
        elif path.name == "growing.md":
            path.write_text(grown)
        elif path.name == "turning-binary.md":
            path.write_bytes(b"\x00\x01\x02" * 10)
        elif path.name == "edited.md":
            path.write_text(ARTICLE.format(title="Edited", body="Beavers build dams."))

    patch_reads(monkeypatch, meddle)
    report = await service.reindex()
    assert report.ok
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons == {
        "vanishing.md": "cannot read file: No such file or directory",
        "growing.md": f"file too large ({len(grown):,} bytes; limit 4,000)",
        "turning-binary.md": "binary file (contains NUL bytes)",
    }
    assert report.changed == ("edited.md",)
    assert report.documents == len(SEED_IDS) + 1
    assert (await service.ask("beavers build dams")).results[0].article.id == "edited.md"


def test_a_folder_vanishing_mid_walk_is_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = corpus_copy(tmp_path)
    (corpus / "a").mkdir()
    (corpus / "a" / "one.md").write_text(ARTICLE.format(title="One", body="First."))
    (corpus / "z").mkdir()
    (corpus / "z" / "two.md").write_text(ARTICLE.format(title="Two", body="Second."))

    def remove_z(path: Path) -> None:
        shutil.rmtree(corpus / "z", ignore_errors=True)

    patch_reads(monkeypatch, remove_z)
    report = load_corpus(corpus, LoadOptions())
    assert {a.id for a in report.articles} == SEED_IDS | {"a/one.md"}


async def test_hundreds_of_questions_across_repeated_reindexes(tmp_path: Path) -> None:
    """Every answer comes from exactly one built index and cites only its articles."""
    corpus = corpus_copy(tmp_path)
    service = build_service(settings_for(corpus, tmp_path))
    first = await service.start()
    articles_of: dict[str, frozenset[str]] = {first.version: SEED_IDS}
    answers: list[Answer] = []
    words = [f"zebrafish{n}" for n in range(6)]
    questions = ["what is dojo", "D1 chip", "tesla gpus", *words]
    for round_number, word in enumerate(words):
        (corpus / f"round-{round_number}.md").write_text(
            ARTICLE.format(title=f"Round {round_number}", body=f"The {word} study of fins.")
        )
        if round_number:
            (corpus / f"round-{round_number - 1}.md").unlink()
        rebuild = asyncio.create_task(service.reindex())
        asked = 0
        while not rebuild.done() or asked < 60:
            answers += await asyncio.gather(*(service.ask(q) for q in questions))
            asked += len(questions)
        report = await rebuild
        assert report.ok and report.added == (f"round-{round_number}.md",)
        articles_of[report.version] = SEED_IDS | {f"round-{round_number}.md"}
    assert len(answers) >= 300
    assert len(articles_of) == len(words) + 1
    seen_versions = set()
    for answer in answers:
        assert answer.index_version in articles_of
        seen_versions.add(answer.index_version)
        cited = {r.article.id for r in answer.results}
        assert cited <= articles_of[answer.index_version], (answer.index_version, cited)
        if answer.query.startswith("zebrafish") and answer.answered:
            expected = f"round-{answer.query.removeprefix('zebrafish')}.md"
            assert answer.results[0].article.id == expected
            assert expected in articles_of[answer.index_version]
    assert len(seen_versions) >= len(words)


async def test_a_corpus_folder_that_disappears_under_load_keeps_the_old_index(
    tmp_path: Path,
) -> None:
    corpus = corpus_copy(tmp_path)
    service = build_service(settings_for(corpus, tmp_path))
    before = await service.start()
    corpus.rename(tmp_path / "moved-away")
    rebuild = asyncio.create_task(service.reindex())
    answers = await asyncio.gather(*(service.ask("what is dojo") for _ in range(100)))
    report = await rebuild
    assert not report.ok and "corpus folder not found" in (report.error or "")
    assert {a.index_version for a in answers} == {before.version}
    assert all(a.answered for a in answers)
    assert (await service.ask("D1 chip")).index_version == before.version
    (tmp_path / "moved-away").rename(corpus)
    assert (await service.reindex()).ok
