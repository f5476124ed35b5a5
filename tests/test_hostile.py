"""Hostile questions on the command line and through the service, and rendering properties.

Whatever a public server sends, each question gets a clear answer or a clear
"no answer", nothing crashes, nothing user-supplied reaches a reply unescaped,
and every rendering stays within Discord's limits.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import discord
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answer.build import Answer
from bot.answer.render import NOT_FOUND, answer_json, answer_text
from bot.app import build_service
from bot.cli.main import main
from bot.discord.ui.embeds import (
    CONTENT_MAX,
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_VALUE_MAX,
    FOOTER_MAX,
    TITLE_MAX,
    answer_embed,
    not_found_embed,
)
from bot.discord.ui.views import answer_view
from bot.errors import QuestionError
from bot.service import Service
from bot.settings import load_settings
from tests.conftest import SEEDS, run_cli

LONG = "what is the dojo supercomputer " + "and then some more words " * 300  # ~7,500 chars
HOSTILE = [
    "🙂🔥🚀🤖",
    "?!...;;--((**))",
    "\u200b\u200b\u200d\u2060",
    "\u202etesla dojo\u202c \u2066chip\u2069",
    "@everyone what is dojo @here",
    "<@&123456789012345678> <@123456789012345678> <#123456789012345678> dojo",
    "[click me](https://evil.example/x) **dojo** `code` ||spoiler|| > quote",
    "'; DROP TABLE queries; --",
    "Robert'); DROP TABLE queries;-- dojo",
    "dojo\x00chip\x00",
    "\x1b[31mred dojo\x1b[0m \x07",
    LONG,
]
BLANK = ["", "   ", "\t\n", "\x00\x00 \x00"]
# What must never appear in a Discord payload: live mentions, masked links, controls.
RAW_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d|<#\d")
FORBIDDEN_CHARS = re.compile("[\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
BAD_URLS = [
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://files.example.com/a",
    "https://",
    "https://exa mple.com/",
    "http://x.example/)[y](javascript:alert(1)",
    "vbscript:msgbox(1)",
    "//evil.example/no-scheme",
]


@pytest.fixture(scope="module")
def seeds_service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    db = tmp_path_factory.mktemp("hostile") / "log.sqlite3"
    overrides = {"corpus.dir": str(SEEDS), "db.path": str(db)}
    service = build_service(load_settings(env={}, overrides=overrides))
    asyncio.run(service.start())
    return service


def call(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(args), out=out), out.getvalue()


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def assert_inert(payload: Any) -> None:
    """No live mention, no masked link to a bad scheme, no control or bidi character."""
    for text in strings(payload):
        assert not RAW_MENTION.search(text), text
        assert not FORBIDDEN_CHARS.search(text), repr(text)
        assert "javascript:" not in text and "data:text" not in text, text


def check_embed(embed: discord.Embed) -> None:
    assert len(embed.title or "") <= TITLE_MAX
    assert len(embed.description or "") <= DESCRIPTION_MAX
    assert len(embed.footer.text or "") <= FOOTER_MAX
    assert len(embed.fields) <= 25
    assert all(len(f.value or "") <= FIELD_VALUE_MAX for f in embed.fields)
    assert len(embed) <= EMBED_TOTAL_MAX
    payload = embed.to_dict()
    json.dumps(payload).encode("utf-8")  # what discord.py sends must encode
    assert_inert(payload)
    for url in [payload.get("url"), *re.findall(r"\]\(([^)]*)\)", embed.description or "")]:
        assert url is None or url.startswith(("https://", "http://")), url


def check_rendering(answer: Answer) -> None:
    """Every surface renders the answer within limits, and nothing raises."""
    check_embed(answer_embed(answer))
    check_embed(answer_embed(answer, page=1, first_number=4))
    check_embed(not_found_embed(answer))
    text = answer_text(answer)
    assert text.strip()
    json.dumps(answer_json(answer), ensure_ascii=False).encode("utf-8")
    view = answer_view(answer, "0" * 16, has_more=True, votes=True)
    rows: dict[int, int] = {}
    for item in view.children:
        rows[item.row or 0] = rows.get(item.row or 0, 0) + 1
        label = getattr(item, "label", None) or ""
        assert len(label) <= 80 and not RAW_MENTION.search(label)
        url = getattr(item, "url", None)
        assert url is None or url.startswith(("https://", "http://"))
    assert all(count <= 5 for count in rows.values())


# ---------------------------------------------------------------- the command line


@pytest.mark.parametrize("question", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_questions_on_the_command_line(question: str, tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    code, text = call("ask", "--db", db, question)
    assert code == 0
    assert "Sources:" in text or NOT_FOUND in text
    assert not FORBIDDEN_CHARS.search(text.replace("\n", "")), repr(text)
    code, out = call("ask", "--db", db, "--json", question)
    data = json.loads(out)
    assert code == 0 and isinstance(data["answered"], bool)
    assert "\x00" not in data["query"] and len(data["query"]) <= 1000


@pytest.mark.parametrize("question", BLANK, ids=range(len(BLANK)))
def test_blank_questions_are_a_clear_usage_error(
    question: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = call("ask", "--db", str(tmp_path / "q.sqlite3"), question)
    assert code == 2 and out == ""
    assert capsys.readouterr().err.strip() == (
        "error: the question is empty: ask something about the corpus"
    )


def test_a_question_over_6000_characters_is_answered_on_a_cut_question(tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    assert len(LONG) > 6000
    code, text = call("ask", "--db", db, LONG)
    assert code == 0
    first_line = text.splitlines()[0]
    assert re.fullmatch(r"\(Your question was cut to its first [\d,]+ characters\.\)", first_line)
    assert "Dojo" in text
    data = json.loads(call("ask", "--db", db, "--json", LONG)[1])
    assert data["answered"] is True
    assert len(data["query"]) <= 1000 and LONG.startswith(data["query"])
    assert any("cut to its first" in note for note in data["notes"])


def test_stdin_with_nul_invalid_utf8_controls_and_a_huge_line(tmp_path: Path) -> None:
    lines = [
        b"what is dojo",
        b"\xff\xfe\xfd D1 chip \x00",
        b"\x1b[2J\x1b[31mtesla gpus\x1b[0m",
        "\u202eodjo \u200b".encode(),
        b"@everyone <@&1> '; DROP TABLE queries; --",
        LONG.encode(),
        b"\x00\x00",
    ]
    stdin = b"\n".join(lines) + b"\n"
    db = str(tmp_path / "q.sqlite3")
    as_json = run_cli("ask", "--db", db, "--json", "-", stdin=stdin)
    assert as_json.returncode == 0 and b"Traceback" not in as_json.stderr
    objects = [json.loads(line) for line in as_json.stdout.decode().splitlines()]
    assert len(objects) == len(lines) - 1  # a line of NUL bytes is a blank line: skipped
    assert all(isinstance(o["answered"], bool) for o in objects)
    assert [o["answered"] for o in objects[:3]] == [True, True, True]
    assert "\ufffd" in objects[1]["query"]  # undecodable bytes replaced, never dropped silently
    assert "\x00" not in objects[1]["query"]
    assert objects[4]["query"] == "@everyone <@&1> '; DROP TABLE queries; --"
    assert any("cut to its first" in n for n in objects[5]["notes"])
    as_text = run_cli("ask", "--db", db, "-", stdin=stdin)
    assert as_text.returncode == 0 and b"Traceback" not in as_text.stderr
    out = as_text.stdout.decode()
    assert "\x1b" not in out and "\u202e" not in out and "\x00" not in out
    assert out.count("Sources:") + out.count(NOT_FOUND) == len(objects)


def test_invalid_utf8_in_the_argument_is_answered(tmp_path: Path) -> None:
    result = run_cli("ask", "--db", str(tmp_path / "q.sqlite3"), "--json", b"\xff\xfe dojo chip")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answered"] is True and data["query"].startswith("\ufffd")


# ------------------------------------------------------------ through the service


async def test_hostile_questions_through_the_service_render_safely(
    seeds_service: Service,
) -> None:
    for question in HOSTILE:
        answer = await seeds_service.ask(question)
        check_rendering(answer)
        assert "\x00" not in answer.query
    for question in BLANK:
        with pytest.raises(QuestionError):
            await seeds_service.ask(question)


async def test_links_other_than_http_are_never_offered(seeds_service: Service) -> None:
    answer = await seeds_service.ask("dojo D1 chip")
    assert answer.answered and answer.related
    for bad in BAD_URLS:
        hostile = replace(
            answer,
            results=tuple(replace(r, article=replace(r.article, url=bad)) for r in answer.results),
            related=tuple(replace(link, url=bad) for link in answer.related),
        )
        check_rendering(hostile)
        embed = answer_embed(hostile).to_dict()
        assert "url" not in embed
        assert bad not in json.dumps(embed, ensure_ascii=False)
        view = answer_view(hostile, "0" * 16, has_more=True, votes=True)
        assert [getattr(item, "url", None) for item in view.children if item.row == 0] == []


QUESTIONS = st.one_of(
    st.text(max_size=300),
    st.text(min_size=5900, max_size=7000, alphabet=st.characters(codec="utf-8")),
    st.sampled_from(HOSTILE + BLANK),
    st.lists(st.sampled_from(["dojo", "@everyone", "**", "<@&1>", "\u202e", "](x)", " "])).map(
        "".join
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(question=QUESTIONS)
def test_any_question_renders_within_every_limit(seeds_service: Service, question: str) -> None:
    try:
        answer = asyncio.run(seeds_service.ask(question))
    except QuestionError as exc:
        assert str(exc) and len(str(exc)) < CONTENT_MAX
        return
    assert question.replace("\x00", " ").strip(), "a blank question must be refused"
    assert len(answer.query) <= seeds_service.settings.search.max_question_chars
    check_rendering(answer)


FIELD = st.text(max_size=200)


def article_file(title: str, body: str, source: str, url: str, excerpt: str) -> str:
    meta: dict[str, object] = {"title": title, "source": source, "url": url, "excerpt": excerpt}
    meta["related"] = [{"title": f"{title} related", "url": url, "source": source}]
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    title=FIELD,
    body=st.text(max_size=2000),
    source=FIELD,
    excerpt=FIELD,
    url=st.one_of(st.sampled_from([*BAD_URLS, "https://example.com/a"]), FIELD),
    question=QUESTIONS,
)
def test_any_article_and_any_question_render_within_every_limit(
    title: str, body: str, source: str, excerpt: str, url: str, question: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus"
        corpus.mkdir()
        (corpus / "any.md").write_text(article_file(title, body, source, url, excerpt))
        (corpus / "known.md").write_text("# Dojo\n\nThe dojo supercomputer trains networks.\n")
        overrides = {"corpus.dir": str(corpus), "db.path": str(Path(folder) / "q.sqlite3")}
        service = build_service(load_settings(env={}, overrides=overrides))
        for asked in (question, f"{title} {body[:200]}"):
            try:
                answer = asyncio.run(_start_and_ask(service, asked))
            except QuestionError:
                continue
            check_rendering(answer)


async def _start_and_ask(service: Service, question: str) -> Answer:
    if not service.ready:
        await service.start()
    return await service.ask(question)
