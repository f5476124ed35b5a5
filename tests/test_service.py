from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.app import build_service
from bot.errors import CorpusError, QuestionError
from bot.settings import Settings, load_settings
from bot.watch import CorpusWatcher, folder_signature
from tests.conftest import SEEDS


def corpus_copy(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    return corpus


def settings_for(corpus: Path, tmp_path: Path) -> Settings:
    return load_settings(
        env={},
        overrides={
            "corpus.dir": str(corpus),
            "db.path": str(tmp_path / "q.sqlite3"),
            "corpus.index_cache": str(tmp_path / "index"),
        },
    )


async def test_reindex_reports_added_changed_removed(tmp_path: Path) -> None:
    corpus = corpus_copy(tmp_path)
    service = build_service(settings_for(corpus, tmp_path))
    first = await service.start()
    assert first.documents == 5 and len(first.added) == 5
    (corpus / "000_4a1afd5bb2ee676d.txt").unlink()
    (corpus / "new.md").write_text("# A new article\n\nAbout gizmos.\n")
    changed = corpus / "002_8354eec4b5b8c33a.txt"
    changed.write_text(changed.read_text() + "\nOne more sentence about gizmos.\n")
    report = await service.reindex()
    assert report.ok and report.documents == 5
    assert report.added == ("new.md",)
    assert report.removed == ("000_4a1afd5bb2ee676d.txt",)
    assert report.changed == ("002_8354eec4b5b8c33a.txt",)
    assert report.version != first.version


async def test_concurrent_reindex_requests_share_one_build(tmp_path: Path) -> None:
    service = build_service(settings_for(corpus_copy(tmp_path), tmp_path))
    await service.start()
    reports = await asyncio.gather(*(service.reindex() for _ in range(5)))
    assert len({id(report) for report in reports}) == 1


async def test_failed_reindex_keeps_the_old_index(tmp_path: Path) -> None:
    corpus = corpus_copy(tmp_path)
    service = build_service(settings_for(corpus, tmp_path))
    await service.start()
    before = service.snapshot
    shutil.rmtree(corpus)
    report = await service.reindex()
    assert not report.ok and "corpus folder not found" in (report.error or "")
    assert service.snapshot is before
    assert (await service.ask("what is dojo")).answered


async def test_questions_during_a_reindex_use_one_consistent_index(tmp_path: Path) -> None:
    corpus = corpus_copy(tmp_path)
    service = build_service(settings_for(corpus, tmp_path))
    await service.start()
    old_version = service.snapshot.version
    (corpus / "extra.md").write_text("# Extra\n\nExtra words.\n")
    rebuild = asyncio.create_task(service.reindex())
    answers = await asyncio.gather(*(service.ask("dojo supercomputer") for _ in range(20)))
    report = await rebuild
    assert {a.index_version for a in answers} <= {old_version, report.version}
    assert all(a.answered for a in answers)
    assert service.snapshot.version == report.version


async def test_start_fails_clearly_without_a_corpus(tmp_path: Path) -> None:
    service = build_service(settings_for(tmp_path / "missing", tmp_path))
    with pytest.raises(CorpusError, match="corpus folder not found"):
        await service.start()
    with pytest.raises(CorpusError):
        await service.ask("anything")


async def test_empty_and_overlong_questions(settings: Settings) -> None:
    service = build_service(settings)
    await service.start()
    for empty in ("", "   ", "\x00\n\t"):
        with pytest.raises(QuestionError):
            await service.ask(empty)
    long_question = "dojo " * 2000
    answer = await service.ask(long_question)
    assert answer.notes and "cut to its first" in answer.notes[0]
    assert len(answer.query) <= settings.search.max_question_chars


async def test_watcher_reindexes_once_after_a_burst_of_changes(tmp_path: Path) -> None:
    corpus = corpus_copy(tmp_path)
    calls: list[int] = []
    changed = asyncio.Event()

    async def reindex() -> None:
        calls.append(1)
        changed.set()

    watcher = CorpusWatcher(corpus, 60.0, reindex, settle=0.3)
    watcher.start()
    await asyncio.sleep(0.3)
    if watcher.mode != "events":  # the fallback has its own test below
        await watcher.stop()
        pytest.skip("this machine gives no file events (inotify)")
    (corpus / ".hidden.md").write_text("ignored")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "HEAD").write_text("ignored")
    await asyncio.sleep(0.8)
    assert calls == []  # hidden files and folders are not the corpus
    for n in range(5):
        (corpus / f"fresh-{n}.md").write_text(f"# Fresh {n}\n")
        await asyncio.sleep(0.05)
    await asyncio.wait_for(changed.wait(), 5)
    await asyncio.sleep(0.6)
    await watcher.stop()
    assert calls == [1]  # five files, one reindex


async def test_watcher_polls_where_file_events_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import watchfiles

    def no_events(*args: object, **kwargs: object) -> object:
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watchfiles, "awatch", no_events)
    corpus = corpus_copy(tmp_path)
    changed = asyncio.Event()

    async def reindex() -> None:
        changed.set()

    failing = CorpusWatcher(corpus, 0.05, reindex)
    for watcher in (failing, CorpusWatcher(corpus, 0.05, reindex, events=False)):
        changed.clear()
        watcher.start()
        await asyncio.sleep(0.15)
        assert watcher.mode == "polling" and not changed.is_set()
        (corpus / f"fresh-{id(watcher)}.md").write_text("# Fresh\n")
        await asyncio.wait_for(changed.wait(), 5)
        await watcher.stop()
    assert "polling it instead" in caplog.text and "inotify watch limit" in caplog.text


def test_folder_signature_ignores_hidden_files(tmp_path: Path) -> None:
    corpus = corpus_copy(tmp_path)
    before = folder_signature(corpus)
    (corpus / ".hidden.md").write_text("x")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "HEAD").write_text("x")
    assert folder_signature(corpus) == before


async def test_a_build_tells_how_far_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from bot.index import assemble
    from bot.model import BuildProgress

    corpus = corpus_copy(tmp_path)
    service = build_service(settings_for(corpus, tmp_path))
    assert service.progress is None
    reading = assemble.read_one

    def slow_read(*args: object) -> object:
        time.sleep(0.05)
        return reading(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(assemble, "read_one", slow_read)
    build = asyncio.create_task(service.reindex())
    seen: list[BuildProgress] = []
    while not build.done():
        if service.progress is not None and service.progress not in seen:
            seen.append(service.progress)
        await asyncio.sleep(0.01)
    assert (await build).ok and service.progress is None
    reads = [p for p in seen if p.stage == "reading"]
    assert reads and all(p.total == 5 and 0 <= p.done <= 5 for p in reads)
    assert reads[-1].describe().startswith("Reading and analysing files: ")
    assert BuildProgress("encoding", 1200, 5000).describe().endswith("1,200 of 5,000")
    assert BuildProgress("indexing", 0, 1).describe() == "Building the index\u2026"
