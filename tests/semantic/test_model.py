"""The semantic stage with the real model (from ../shared/models; skipped without it),
and what the bot does when the model cannot be had."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.answer.evaluate import Outcome, Question
from bot.app import running
from bot.cli.compare import changes
from bot.semantic import embedder as embedders
from bot.semantic.embedder import SemanticUnavailable, load_embedder, shared_embedder
from bot.settings import Settings, load_settings
from tests.conftest import EVAL_DIR, MINILM, SEEDS, run_cli

MODEL = MINILM
needs_model = pytest.mark.skipif(
    not (MODEL / "model.onnx").is_file(), reason=f"{MODEL} not present"
)
pytest.importorskip("fastembed", reason="the semantic extra is not installed")

ARTICLES = {
    "shared-device.md": (
        "Shared device mode for Android",
        "Shared device mode lets several employees sign in and out of the same handset "
        "during their workday. Frontline workers pick up a tablet at the start of a shift.",
    ),
    "pasta.md": ("Cooking pasta", "Boil plenty of salted water, add the spaghetti and stir."),
    "tax.md": ("Filing your income tax return", "File your return before the April deadline."),
    "garden.md": ("Growing tomatoes", "Plant tomatoes in full sun and stake the vines."),
}
# No content word in common with the shared device article.
PARAPHRASE = "can colleagues take turns on one phone"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, (title, body) in ARTICLES.items():
        (folder / name).write_text(f'---\ntitle: "{title}"\n---\n{body}\n', encoding="utf-8")
    return folder


def _settings(tmp_path: Path, corpus: Path, enabled: bool, model: Path | str = MODEL) -> Settings:
    return load_settings(
        env={},
        overrides={
            "corpus.dir": str(corpus),
            "db.path": str(tmp_path / "log.sqlite3"),
            "corpus.index_cache": str(tmp_path / "index"),
            "semantic.enabled": enabled,
            "semantic.model": str(model),
        },
    )


@needs_model
def test_the_model_gives_unit_vectors_closer_for_alike_sentences() -> None:
    model = load_embedder(str(MODEL))
    question = model.encode("how do I validate an email address")
    rows = model.encode_many(["checking that an e-mail is well formed", "growing tomatoes"])
    assert question.shape == (384,) and model.dimensions == 384
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert rows[0] @ question > rows[1] @ question + 0.2
    assert model.encode_many([]).shape == (0, 384)
    # a long message is encoded by its first words (the model's time grows with length)
    opening = " ".join(f"word{n}" for n in range(embedders.QUESTION_WORDS or 0))
    long = model.encode(opening + " and then a whole other story about gardening" * 5)
    assert np.allclose(long, model.encode(opening), atol=1e-6)


@needs_model
async def test_a_paraphrase_sharing_no_word_finds_its_article_only_with_the_stage(
    tmp_path: Path, corpus: Path
) -> None:
    async with running(_settings(tmp_path, corpus, False), log_questions=False) as app:
        off = await app.service.ask(PARAPHRASE)
    assert [r.article.id for r in off.results][:1] != ["shared-device.md"]
    async with running(_settings(tmp_path, corpus, True), log_questions=False) as app:
        assert app.service.snapshot.semantic is not None
        on = await app.service.ask(PARAPHRASE)
        assert on.results[0].article.id == "shared-device.md"
        assert on.signals["cosine"] > 0.2
        before = app.service.snapshot.semantic
        again = await app.service.reindex()  # nothing changed: nothing encoded again
        assert again.ok and app.service.snapshot.semantic is before  # the same stage kept


@needs_model
async def test_the_vectors_are_saved_and_the_next_start_encodes_only_changes(
    tmp_path: Path, corpus: Path
) -> None:
    settings = _settings(tmp_path, corpus, True)
    async with running(settings, log_questions=False) as app:
        built = app.service.snapshot.semantic
        assert built is not None and built.encoded == len(ARTICLES)
    (corpus / "tax.md").write_text('---\ntitle: "Taxes"\n---\nPay them on time.\n')
    async with running(settings, log_questions=False) as app:
        built = app.service.snapshot.semantic
        assert built is not None and built.encoded == 1
        answer = await app.service.ask("when are taxes due")
        assert answer.results[0].article.id == "tax.md"


async def test_without_the_model_the_bot_answers_as_without_the_stage_and_says_why_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    questions = ["what is dojo", "how many GPUs does the supercomputer have", "pasta recipe"]
    plain = load_settings(env={}, overrides={"corpus.dir": str(SEEDS), "corpus.index_cache": ""})
    missing = tmp_path / "no-such-model"
    wanted = dataclasses.replace(
        plain, semantic=dataclasses.replace(plain.semantic, enabled=True, model=str(missing))
    )
    found: dict[bool, list[tuple[bool, float, list[str]]]] = {}
    with caplog.at_level(logging.WARNING):
        for enabled, settings in ((False, plain), (True, wanted)):
            async with running(settings, log_questions=False) as app:
                assert app.service.snapshot.semantic is None
                found[enabled] = []
                for question in questions:
                    answer = await app.service.ask(question)
                    ids = [r.article.id for r in answer.results]
                    found[enabled].append((answer.answered, answer.confidence, ids))
    assert found[True] == found[False]
    warnings = [r.getMessage() for r in caplog.records if "semantic stage off" in r.getMessage()]
    assert len(warnings) == 1 and "does not exist" in warnings[0]


@pytest.mark.parametrize(
    ("model", "reason"),
    [
        ("", "no model is set"),
        ("/no/such/folder", "does not exist"),
        ("../no/such/folder", "does not exist"),
        ("someone/not-a-model-fastembed-knows", "knows no such model"),
    ],
)
def test_a_model_that_cannot_be_had_is_one_clear_reason(model: str, reason: str) -> None:
    with pytest.raises(SemanticUnavailable, match=reason):
        load_embedder(model)


def test_a_model_folder_without_its_files_is_one_clear_reason(tmp_path: Path) -> None:
    with pytest.raises(SemanticUnavailable, match=r"no model\.onnx"):
        load_embedder(str(tmp_path))
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(SemanticUnavailable, match=r"config\.json"):
        load_embedder(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"hidden_size": 8}))
    with pytest.raises(SemanticUnavailable, match="could not be loaded"):
        load_embedder(str(tmp_path))


def test_without_the_extra_the_reason_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "fastembed", None)
    with pytest.raises(SemanticUnavailable, match=r"pip install 'corpus-bot\[semantic\]'"):
        load_embedder(str(MODEL))
    monkeypatch.setattr(embedders, "_SHARED", {})
    assert shared_embedder(str(MODEL), "") is None


def _outcome(relevant: tuple[str, ...], answered: bool, top: str) -> Outcome:
    return Outcome(Question("q1", "a question", relevant), answered, ((top,),))


def test_compare_lists_what_changed_and_whether_it_got_better() -> None:
    off = [_outcome(("a",), True, "b"), _outcome(("a",), True, "a"), _outcome((), True, "c")]
    on = [_outcome(("a",), True, "a"), _outcome(("a",), False, "a"), _outcome((), False, "c")]
    found = changes(off, on)
    assert [c["change"] for c in found] == ["better", "worse", "better"]
    assert found[1]["on"] == "no answer (nearest a)"
    assert changes(off, off) == []


@needs_model
def test_eval_compare_prints_both_runs_side_by_side(tmp_path: Path) -> None:
    questions = EVAL_DIR / "seeds-questions.jsonl"
    env = {"BOT_SEMANTIC_MODEL": str(MODEL), "BOT_DB_PATH": str(tmp_path / "log.sqlite3")}
    done = run_cli("eval", str(questions), "--compare", env=env)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert "stage off" in text and "stage on" in text and "answers changed:" in text
    done = run_cli("eval", str(questions), "--compare", "--json", env=env)
    data = json.loads(done.stdout)
    assert data["off"]["questions"] == data["on"]["questions"] > 0
    assert isinstance(data["changed"], list)


def test_eval_compare_without_a_model_is_one_clear_error(tmp_path: Path) -> None:
    env = {"BOT_SEMANTIC_MODEL": str(tmp_path / "missing"), "BOT_DB_PATH": str(tmp_path / "l")}
    done = run_cli("eval", str(EVAL_DIR / "seeds-questions.jsonl"), "--compare", env=env)
    assert done.returncode == 2
    assert b"error: the semantic stage cannot run" in done.stderr
    assert b"Traceback" not in done.stderr
