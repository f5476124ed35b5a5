"""The saved index: loaded at start-up, rebuilt only for changed files, never trusted blindly."""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

import bot.index.assemble
from bot.app import build_service
from bot.corpus.loader import LoadOptions, load_file
from bot.errors import CorpusError
from bot.index import assemble, store
from bot.index.checked import OnDisk
from bot.index.engine import SparseEngine
from bot.index.passages import PassageScorer
from bot.model import Article
from bot.paths import file_crc
from bot.settings import Settings, load_settings
from bot.snapshot import build_snapshot
from bot.text.analysis import analyze
from tests.conftest import SEEDS


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        shutil.copytree(SEEDS, corpus)
    values: dict[str, object] = {
        "corpus.dir": str(corpus),
        "db.path": str(tmp_path / "q.sqlite3"),
        "corpus.index_cache": str(tmp_path / "index"),
    }
    values.update(overrides)
    return load_settings(env={}, overrides=values)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every corpus file the store reads and parses."""
    seen: list[str] = []
    real = load_file

    def counting(root: Path, path: Path, options: LoadOptions) -> Article:
        seen.append(path.name)
        return real(root, path, options)

    monkeypatch.setattr(bot.index.assemble, "load_file", counting)
    return seen


def test_a_second_start_reads_no_file(tmp_path: Path, reads: list[str]) -> None:
    settings = make_settings(tmp_path)
    first = build_snapshot(settings)
    assert len(reads) == 5
    cached = sorted(p.name for p in (tmp_path / "index").iterdir())
    assert len(cached) == 3 and cached[1].startswith("index-") and cached[1].endswith(".json")
    assert cached[0].startswith(cached[1].removesuffix(".json") + ".d-")
    assert cached[2] == cached[1].removesuffix(".json") + ".note"  # the confidence bar
    reads.clear()
    second = build_snapshot(settings)
    assert reads == []
    assert second.version == first.version
    assert [a.id for a in second.index.articles] == [a.id for a in first.index.articles]


def test_only_changed_files_are_read_again(tmp_path: Path, reads: list[str]) -> None:
    settings = make_settings(tmp_path)
    first = build_snapshot(settings)
    corpus = settings.corpus_dir
    changed = corpus / "002_8354eec4b5b8c33a.txt"
    changed.write_text(changed.read_text() + "\nThe gizmotron was mentioned too.\n")
    (corpus / "new.md").write_text("# Gizmotron news\n\nAll about the gizmotron.\n")
    (corpus / "000_4a1afd5bb2ee676d.txt").unlink()
    reads.clear()
    second = build_snapshot(settings, first)
    assert sorted(reads) == ["002_8354eec4b5b8c33a.txt", "new.md"]
    ids = [a.id for a in second.index.articles]
    assert "000_4a1afd5bb2ee676d.txt" not in ids and "new.md" in ids
    hits = second.index.search(second.index.parse("gizmotron"), 3)
    assert {second.index.articles[h.doc].id for h in hits} == {"002_8354eec4b5b8c33a.txt", "new.md"}


def test_incremental_build_equals_a_full_build(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first = build_snapshot(settings)
    (settings.corpus_dir / "extra.md").write_text("# Dojo extra\n\nMore on Dojo tiles.\n")
    incremental = build_snapshot(settings, first)
    full = build_snapshot(make_settings(tmp_path, **{"corpus.index_cache": ""}))
    for question in ("dojo tiles", "what is dojo", "5760 gpus", "tesla supercomputer vision"):
        a = incremental.index.search(incremental.index.parse(question), 5)
        b = full.index.search(full.index.parse(question), 5)
        assert [(h.doc, round(h.score, 9)) for h in a] == [(h.doc, round(h.score, 9)) for h in b]
    for snapshot in (incremental, full):  # title terms (for grouping) are kept and reused too
        index = snapshot.index
        for doc, article in enumerate(index.articles):
            titles = index.fields["title"]
            saved = {titles.terms[term] for term in index.title_terms(doc)}
            assert saved == set(analyze(article.title)) and saved


def _saved(tmp_path: Path) -> tuple[Path, Path]:
    """The manifest of the one saved index and the data folder it names."""
    (manifest,) = (tmp_path / "index").glob("*.json")
    data = manifest.parent / json.loads(manifest.read_text())["data"]
    assert data.is_dir()
    return manifest, data


def test_damaged_index_is_rebuilt_with_a_warning(
    tmp_path: Path, reads: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path)
    build_snapshot(settings)
    manifest, _data = _saved(tmp_path)
    manifest.write_bytes(manifest.read_bytes()[:200])  # cut short, as by a crash
    reads.clear()
    with caplog.at_level(logging.WARNING):
        snapshot = build_snapshot(settings)
    assert len(reads) == 5 and len(snapshot.index) == 5
    assert "cannot be used" in caplog.text
    manifest, _data = _saved(tmp_path)  # rebuilt and saved again, the old data gone
    manifest.write_bytes(b"not an index at all")
    assert store.load(manifest, "whatever") is None


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at % len(data)] ^= 0x40
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["body.tfs.npy", "passages.term_ids.npy", "records.json"])
def test_a_damaged_data_file_is_never_loaded(
    tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path)
    key = store.settings_key(LoadOptions())
    parts = build_snapshot(settings).parts
    manifest, data = _saved(tmp_path)
    assert store.load(manifest, parts.key) is not None
    _flip(data / name, 200)
    with caplog.at_level(logging.WARNING):
        assert store.load(manifest, parts.key) is None
    assert "checksum" in caplog.text
    assert store.load(manifest, key + "x") is None  # other settings


def _rewrite(manifest: Path, path: Path, content: bytes) -> None:
    """Replace a data file and list it in the manifest with a matching size and checksum
    (a crafted index, not a damaged one)."""
    path.unlink()
    path.write_bytes(content)
    saved = json.loads(manifest.read_text())
    saved["files"][path.name] = {"bytes": len(content), "crc32": file_crc(path)}
    manifest.write_text(json.dumps(saved))


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def _changed(name: str, data: Path) -> bytes:
    if name == "records.json":  # the articles' ids out of order
        records = json.loads((data / name).read_text())
        records["catalog"]["ids"].reverse()
        return json.dumps(records).encode()
    bad = np.load(data / name).copy()
    bad[0] = 10**6  # past the vocabulary, or past the articles
    return _npy(bad)


@pytest.mark.parametrize(
    "name", ["title.term_ids.npy", "prepared.post_docs.npy", "prepared.passage_terms.npy",
             "records.json"],
)  # fmt: skip
def test_a_manifest_that_checks_out_with_arrays_that_cannot_be_an_index(
    tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path)
    parts = build_snapshot(settings).parts
    manifest, data = _saved(tmp_path)
    _rewrite(manifest, data / "title.tfs.npy", (data / "title.tfs.npy").read_bytes())
    assert store.load(manifest, parts.key) is not None  # rewritten as it was: still fine
    _rewrite(manifest, data / name, _changed(name, data))
    with caplog.at_level(logging.WARNING):
        assert store.load(manifest, parts.key) is None
    assert "checksum" not in caplog.text  # refused for what it holds
    saved = json.loads(manifest.read_text())
    saved["data"] = "../elsewhere"  # a data folder outside the cache
    manifest.write_text(json.dumps(saved))
    assert store.load(manifest, parts.key) is None


def _craft_articles(tmp_path: Path, which: range | None = None) -> Path:
    """Give saved articles a section past their end, with matching checksums."""
    manifest, data = _saved(tmp_path)
    blob = np.load(data / "articles.npy")
    pointer = np.load(data / "articles.ptr.npy")
    records = []
    for n in range(len(pointer) - 1):
        record = blob[pointer[n] : pointer[n + 1]].tobytes()
        if n in (which if which is not None else range(len(pointer) - 1)):
            crafted = json.loads(record)
            crafted["sections"] = [["Heading", "heading", 2, 0, 10**9]]  # past the end
            record = json.dumps(crafted).encode()
        records.append(record)
    starts = np.cumsum([0] + [len(r) for r in records]).astype(np.int64)
    _rewrite(manifest, data / "articles.npy", _npy(np.frombuffer(b"".join(records), np.uint8)))
    _rewrite(manifest, data / "articles.ptr.npy", _npy(starts))
    return manifest


def test_a_crafted_article_is_refused_when_it_is_read(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    parts = build_snapshot(settings).parts
    manifest = _craft_articles(tmp_path, range(1))
    loaded = store.load(manifest, parts.key)
    assert loaded is not None  # articles are decoded, and checked, when read
    assert loaded.articles[1] == parts.articles[1]
    with pytest.raises(store.StoreError, match="cannot be used"):
        loaded.articles[0]


async def test_an_answer_that_meets_a_crafted_article_sets_the_index_aside(
    tmp_path: Path, reads: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path)
    build_snapshot(settings)
    _craft_articles(tmp_path)
    service = build_service(settings)
    await service.start(fresh=False)
    await service.reindex()  # the files' check: nothing changed, the saved index kept
    reads.clear()
    with caplog.at_level(logging.WARNING), pytest.raises(CorpusError, match="being rebuilt"):
        await service.ask("what is dojo")
    assert "set aside" in caplog.text
    rebuilt = await service.reindex()  # the rebuild from the files that the answer began
    assert rebuilt.ok and len(reads) == 5
    answer = await service.ask("what is dojo")
    assert answer.results and answer.results[0].article.title
    again = build_service(settings)
    await again.start(fresh=False)  # the index saved by the rebuild is sound
    assert (await again.ask("what is dojo")).results


def test_a_pickle_in_the_cache_folder_is_never_unpickled(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    manifest = store.cache_file(tmp_path / "index", settings.corpus_dir)
    manifest.parent.mkdir(parents=True)
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Exploit(str(marker)))
    manifest.with_suffix(".bin").write_bytes(payload)  # where version 4 kept its pickle
    manifest.write_bytes(payload)
    snapshot = build_snapshot(settings)
    assert len(snapshot.index) == 5 and not marker.exists()
    assert not manifest.with_suffix(".bin").exists()  # the old file is removed


class _Exploit:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (self.path,))


def test_saved_files_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        build_snapshot(make_settings(tmp_path))
    finally:
        os.umask(old)
    manifest, data = _saved(tmp_path)
    for path in (manifest, data, *data.iterdir()):
        assert path.stat().st_mode & 0o077 == 0, path


def test_other_reading_settings_mean_a_rebuild(tmp_path: Path, reads: list[str]) -> None:
    build_snapshot(make_settings(tmp_path))
    reads.clear()
    build_snapshot(make_settings(tmp_path, **{"corpus.max_file_bytes": 123_456}))
    assert len(reads) == 5


def test_field_weights_need_no_rereading(tmp_path: Path, reads: list[str]) -> None:
    first = build_snapshot(make_settings(tmp_path))
    reads.clear()
    heavier = build_snapshot(make_settings(tmp_path, **{"search.weight_title": 5}))
    assert reads == []
    terms = list(first.index.parse("dojo supercomputer").terms)
    assert not np.allclose(first.index.scores(terms), heavier.index.scores(terms))


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    for _ in range(3):
        build_snapshot(settings, None)
        (settings.corpus_dir / f"f{_}.md").write_text(f"# File {_}\n\nText {_}.\n")
    folder = tmp_path / "index"
    assert not list(folder.glob("*.tmp"))
    (manifest,) = folder.glob("*.json")
    old = time.time() - 2 * store.STALE_SECONDS
    for path in folder.glob("*.d-*"):  # the earlier saves' folders, once old, go
        os.utime(path, (old, old))
    store.clean_up(manifest, older_than=store.STALE_SECONDS)
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 3 and left[1].endswith(".json") and ".d-" in left[0]
    assert left[2].endswith(".note")  # the confidence answers need, kept beside the index
    assert store.load(manifest, build_snapshot(settings).parts.key) is not None


async def test_service_uses_the_saved_index_across_restarts(
    tmp_path: Path, reads: list[str]
) -> None:
    settings = make_settings(tmp_path)
    first = build_service(settings)
    await first.start()
    answer = await first.ask("what is dojo")
    reads.clear()
    second = build_service(settings)
    report = await second.start()
    assert reads == [] and report.documents == 5
    again = await second.ask("what is dojo")
    assert [r.article.id for r in again.results] == [r.article.id for r in answer.results]


def test_worker_processes_give_the_same_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "broken.md").write_text("---\ntitle: [oops\n---\n")
    for n in range(40):
        (corpus / f"extra-{n:02}.md").write_text(f"# Extra {n}\n\nDojo note number {n}.\n")
    options = LoadOptions()
    key = store.settings_key(options)
    serial = assemble.assemble(corpus, options, key, None, workers=1)
    monkeypatch.setattr(assemble, "PARALLEL_FROM", 1)
    monkeypatch.setattr(assemble, "CHUNK", 7)
    parallel = assemble.assemble(corpus, options, key, None, workers=2)
    assert list(parallel.articles) == list(serial.articles)
    assert parallel.skipped == serial.skipped and len(serial.skipped) == 1
    assert parallel.fields.keys() == serial.fields.keys()
    for name, matrix in serial.fields.items():
        assert parallel.fields[name].terms == matrix.terms
        assert (parallel.fields[name].term_ids == matrix.term_ids).all()
        assert (parallel.fields[name].tfs == matrix.tfs).all()
    assert parallel.word_counts() == serial.word_counts()


def test_a_loaded_index_uses_numpy_s_own_dtypes(tmp_path: Path) -> None:
    # unpickled arrays carry equal but distinct dtype objects, on which numpy
    # takes slow paths (np.add.at, the sparse engine's inner loop, 20x slower)
    settings = make_settings(tmp_path)
    build_snapshot(settings)
    loaded = build_snapshot(settings).index  # from the saved file
    for matrix in loaded.fields.values():
        for array in (matrix.indptr, matrix.term_ids, matrix.tfs):
            assert array.dtype is np.dtype(array.dtype.type)
    for engine in (SparseEngine.plain(loaded.fields["body"], 1.5, 0.75), loaded.engine):
        docs, weights = engine.postings_of(0)  # the second's read from the saved file
        assert weights.dtype is np.dtype(np.float32) and len(weights)
        assert docs.dtype is np.dtype(np.int32)


def test_an_edit_that_keeps_size_and_time_is_read_again(tmp_path: Path, reads: list[str]) -> None:
    settings = make_settings(tmp_path)
    first = build_snapshot(settings)
    path = settings.corpus_dir / "new.md"
    path.write_text("# Gizmo\n\nThe gizmo is red.\n")
    info = path.stat()
    second = build_snapshot(settings, first)
    path.write_text("# Gizmo\n\nThe gizmo is tan.\n")  # same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # same time
    assert path.stat().st_size == info.st_size
    reads.clear()
    third = build_snapshot(settings, second)
    assert reads == ["new.md"]
    assert third.index.search(third.index.parse("tan gizmo"), 1)
    reads.clear()
    assert len(build_snapshot(settings).index) == 6 and reads == []  # from the saved index


def test_a_fifo_in_the_corpus_never_hangs_the_stamps(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    os.mkfifo(settings.corpus_dir / "pipe.md")
    snapshot = build_snapshot(settings)
    assert len(snapshot.index) == 5
    assert [s.path for s in snapshot.skipped] == ["pipe.md"]


def test_a_killed_save_s_leftovers_are_removed_once_stale(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    parts = build_snapshot(settings).parts
    manifest, data = _saved(tmp_path)
    left = manifest.parent / f"{manifest.stem}.d-deadbeef"
    left.mkdir()
    (left / "body.tfs.npy").write_bytes(b"half written")
    temporary = manifest.parent / f"{manifest.name}abc.tmp"
    temporary.write_text("{")
    assert store.load(manifest, parts.key) is not None
    assert left.exists() and temporary.exists()  # fresh: maybe another process saving now
    old = time.time() - 2 * store.STALE_SECONDS
    for path in (left, temporary):
        os.utime(path, (old, old))
    assert store.load(manifest, parts.key) is not None
    assert not left.exists() and not temporary.exists() and data.exists()


def test_randomly_damaged_saved_indexes_are_never_served(tmp_path: Path) -> None:
    import random

    settings = make_settings(tmp_path)
    reference = build_snapshot(settings).parts
    manifest, data = _saved(tmp_path)
    files = [manifest, *sorted(data.iterdir())]
    pristine = {path: path.read_bytes() for path in files}
    rng = random.Random(12)
    for _ in range(60):
        path = rng.choice(files)
        raw = bytearray(pristine[path])
        for _flip in range(rng.randint(1, 3)):
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(raw))
        loaded = store.load(manifest, reference.key)
        if loaded is not None:  # only when the damage is in what the checksums skip
            assert list(loaded.articles) == list(reference.articles)
            for name, matrix in reference.fields.items():
                assert (loaded.fields[name].tfs == matrix.tfs).all()
        path.write_bytes(pristine[path])
    assert store.load(manifest, reference.key) is not None


def test_a_touched_file_is_not_read_again_and_a_settled_one_not_even_digested(
    tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assemble, "SETTLED_NS", 0)  # every status-change time is trusted
    settings = make_settings(tmp_path)
    first = build_snapshot(settings)
    digests: list[Path] = []
    real = assemble.content_digest

    def counting(path: Path, limit: int) -> int:
        digests.append(path)
        return real(path, limit)

    monkeypatch.setattr(assemble, "content_digest", counting)
    reads.clear()
    second = build_snapshot(settings, first)
    assert reads == [] and digests == []  # nothing changed: no file opened at all
    touched = sorted(settings.corpus_dir.iterdir())[0]
    os.utime(touched, ns=(10**18, 10**18))  # new times, same content
    third = build_snapshot(settings, second)
    assert reads == [] and [p.name for p in digests] == [touched.name]
    assert third.version == second.version  # the same content is the same index


def test_a_second_start_prepares_nothing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path)
    first = build_snapshot(settings)
    asked: list[str] = []

    def refused(*_args: object) -> None:
        asked.append("computed again")
        raise AssertionError("computed again")

    monkeypatch.setattr("bot.snapshot.bar_for", refused)
    monkeypatch.setattr(SparseEngine, "__init__", refused)
    monkeypatch.setattr(PassageScorer, "__init__", refused)
    second = build_snapshot(settings)
    assert asked == []  # postings, passage weights and the confidence bar all saved
    assert second.bar == first.bar and second.version == first.version
    terms = list(first.index.parse("dojo supercomputer").terms)
    assert np.array_equal(first.index.scores(terms), second.index.scores(terms))


async def test_the_bot_answers_from_the_saved_index_then_reads_what_changed(
    tmp_path: Path, reads: list[str]
) -> None:
    settings = make_settings(tmp_path)
    await build_service(settings).start()
    added = settings.corpus_dir / "gizmo.md"
    added.write_text("# Gizmo\n\nThe gizmo is a tan widget for frobnicating.\n")  # while down
    reads.clear()
    service = build_service(settings)
    report = await service.start(fresh=False)
    assert report.documents == 5 and reads == []  # answering at once, from the saved index
    checked = await service.reindex()  # the check begun by the start
    assert checked.added == ("gizmo.md",) and reads == ["gizmo.md"]
    answer = await service.ask("what is a gizmo")
    assert answer.results[0].article.id == "gizmo.md"


async def test_a_fresh_start_without_a_saved_index_builds_one(tmp_path: Path) -> None:
    service = build_service(make_settings(tmp_path))
    report = await service.start(fresh=False)  # nothing saved yet: built as usual
    assert report.documents == 5 and report.ok


def test_a_reindex_that_finds_nothing_changed_keeps_the_index(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first = build_snapshot(settings)
    again = build_snapshot(settings, first)
    assert again.index is first.index and again.version == first.version  # no second copy
    (settings.corpus_dir / "gizmo.md").write_text("# Gizmo\n\nA tan widget.\n")
    changed = build_snapshot(settings, again)
    assert changed.index is not first.index and len(changed.index) == 6


def test_an_array_left_on_disk_reads_stretches_and_refuses_a_cut_file(tmp_path: Path) -> None:
    path = tmp_path / "a.npy"
    np.save(path, np.arange(10, dtype=np.int32))
    offset = int(np.load(path, mmap_mode="r").offset)
    found = OnDisk(path, offset, np.dtype(np.int32), 10)
    assert found[2:5].tolist() == [2, 3, 4] and found[5:2].tolist() == [] and len(found) == 10
    assert int(np.asarray(found).sum()) == 45
    with pytest.raises(ValueError, match="whole stretches"):
        found[::2]
    with path.open("r+b") as handle:
        handle.truncate(offset + 12)  # cut short after it was checked
    assert found[0:3].tolist() == [0, 1, 2]
    with pytest.raises(store.StoreError, match="cut short"):
        found[0:10]
