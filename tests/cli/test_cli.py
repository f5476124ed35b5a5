from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.conftest import ROOT, RUST_BLOG, SEEDS, needs_shared, run_cli


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "q.sqlite3")


def call(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(args), out=out)
    return code, out.getvalue()


def test_ask_prints_text_with_citations(db: str) -> None:
    code, out = call("ask", "--db", db, "how many GPUs does tesla use")
    assert code == 0
    assert "**5,760 GPUs**" in out or "**GPUs**" in out
    assert "[1] How Tesla is using a supercomputer to train its self-driving tech" in out
    assert "Popular Science, 2021-06-26" in out


def test_ask_json_is_one_object_per_question(db: str) -> None:
    code, out = call("ask", "--db", db, "--json", "-k", "2", "D1", "chip")
    data = json.loads(out)
    assert code == 0 and data["query"] == "D1 chip" and data["answered"] is True
    assert len(data["results"]) == 2
    assert data["results"][0]["id"] == "003_796cce0c68a26100.txt"
    assert isinstance(data["took_ms"], float)


def test_batch_from_stdin_loads_once_and_survives_bad_bytes(db: str) -> None:
    questions = b"what is dojo\n\n\xff\xfe bad bytes \x00 nul\nHow do I bake sourdough?\n"
    result = run_cli("ask", "--db", db, "--json", "-", stdin=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(lines) == 3
    assert lines[0]["answered"] is True
    assert lines[2]["answered"] is False and lines[2]["query"] == "How do I bake sourdough?"


def test_empty_question_exits_2_with_one_line(db: str) -> None:
    result = run_cli("ask", "--db", db, "   ")
    assert result.returncode == 2
    assert result.stderr.decode().strip().count("\n") == 0
    assert "empty" in result.stderr.decode()


def test_missing_corpus_folder_exits_2(tmp_path: Path, db: str) -> None:
    result = run_cli("ask", "--db", db, "--corpus", str(tmp_path / "nope"), "hello")
    assert result.returncode == 2
    assert result.stderr.decode().strip() == f"error: corpus folder not found: {tmp_path / 'nope'}"


def test_unreadable_config_exits_2(tmp_path: Path, db: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("= nonsense")
    result = run_cli("ask", "--db", db, "--config", str(bad), "hello")
    assert result.returncode == 2 and "not valid TOML" in result.stderr.decode()
    assert len(result.stderr.decode().strip().splitlines()) == 1


def test_bad_k_and_bad_date_exit_2(db: str) -> None:
    assert call("ask", "--db", db, "-k", "0", "x")[0] == 2
    assert call("ask", "--db", db, "--since", "yesterday", "x")[0] == 2
    assert run_cli("frobnicate").returncode == 2


def test_filters_on_the_command_line(db: str) -> None:
    code, out = call("ask", "--db", db, "--json", "--source", "TechCrunch", "tesla supercomputer")
    assert code == 0
    assert [r["source"] for r in json.loads(out)["results"]] == ["TechCrunch"]


def test_reindex_reports_documents_skips_and_time(tmp_path: Path, db: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEEDS.iterdir():
        (corpus / seed.name).write_bytes(seed.read_bytes())
    (corpus / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    (corpus / "picture.png").write_bytes(b"\x89PNG\x00\x00")
    code, out = call("reindex", "--db", db, "--corpus", str(corpus))
    assert code == 0
    assert out.startswith("Indexed 5 documents in ")
    assert "Skipped 2 files:" in out
    assert "broken.md: invalid YAML front matter" in out
    assert "picture.png: not a text or markdown file (.png)" in out
    code, out = call("reindex", "--db", db, "--corpus", str(corpus), "--json")
    report = json.loads(out)
    assert report["documents"] == 5 and len(report["skipped"]) == 2 and report["took_ms"] > 0


def test_eval_prints_metrics_and_misses(db: str) -> None:
    code, out = call("eval", "--db", db, str(ROOT / "tests/eval/seeds-questions.jsonl"))
    assert code == 0
    assert "recall@1" in out and "MRR@10" in out and "abstain precision" in out
    code, out = call("eval", "--db", db, "--json", str(ROOT / "tests/eval/seeds-questions.jsonl"))
    data = json.loads(out)
    assert data["questions"] == 41 and "typo" in data["by_kind"] and "misses" in data
    curve = data["precision_by_share_answered"]
    assert [point["answered"] for point in curve] == [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert all(0.0 <= point["precision"] <= 1.0 for point in curve)
    confidences = [point["confidence"] for point in curve]
    assert confidences == sorted(confidences, reverse=True)
    code, out = call("eval", "--db", db, str(ROOT / "tests/eval/seeds-questions.jsonl"))
    assert "answering only the most confident" in out and "     100%" in out


def test_precision_curve_orders_by_confidence() -> None:
    from bot.answer.evaluate import Outcome, Question, precision_curve

    right = Question("r", "q", ("a",))
    none = Question("n", "q", ())
    outcomes = [Outcome(right, True, (("a",),), 0.9), Outcome(none, True, (("b",),), 0.8)]
    outcomes += [Outcome(right, True, (("c",),), 0.1), Outcome(right, True, (("a",),), 0.7)]
    curve = {point["answered"]: point for point in precision_curve(outcomes)}
    assert curve[0.5]["precision"] == 0.5 and curve[0.5]["confidence"] == 0.8
    assert curve[1.0]["precision"] == 0.5 and curve[1.0]["confidence"] == 0.1


def test_eval_rejects_a_bad_question_file(tmp_path: Path, db: str) -> None:
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"q": "fine", "relevant": []}\nnot json\n')
    code, _ = call("eval", "--db", db, str(bad))
    assert code == 2


def test_ask_logs_the_question(db: str) -> None:
    call("ask", "--db", db, "what is dojo")
    code, out = call("stats", "--db", db, "--json")
    data = json.loads(out)
    assert code == 0 and data["total"] == 1 and data["by_surface"] == {"cli": 1}


def test_stats_csv_lists_what_needs_review(db: str) -> None:
    call("ask", "--db", db, "what is dojo")
    call("ask", "--db", db, "=how do I bake sourdough?")
    code, out = call("stats", "--db", db, "--csv")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "kind,when,surface,question,article"
    assert len(lines) == 2 and lines[1].startswith("unanswered,")
    assert ",cli,'=how do I bake sourdough?," in lines[1]


def test_run_without_token_is_one_clear_line(db: str) -> None:
    result = run_cli("run", "--db", db)
    assert result.returncode == 2
    assert result.stderr.decode().strip().startswith("error: DISCORD_TOKEN is not set")
    assert "Traceback" not in result.stderr.decode()


@needs_shared(RUST_BLOG)
def test_rust_blog_with_url_template(db: str) -> None:
    result = run_cli(
        "ask",
        "--db",
        db,
        "--json",
        "--corpus",
        str(RUST_BLOG),
        "when were let chains stabilized",
        env={"BOT_CORPUS_URL_TEMPLATE": "https://blog.rust-lang.org/{path}/"},
    )
    data = json.loads(result.stdout)
    assert data["results"][0]["id"] == "Rust-1.88.0.md"
    assert data["results"][0]["url"] == "https://blog.rust-lang.org/2025/06/26/Rust-1.88.0/"
    excerpt = data["results"][0]["excerpt"]
    assert "**chaining**" in excerpt and "`let`" in excerpt  # code quoted verbatim, never bold
    assert "**`" not in excerpt and "`**" not in excerpt
