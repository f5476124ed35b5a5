"""Time from an interaction's arrival to the bot's acknowledgement and reply.

Runs the real bot against the fake Discord of the test suite (127.0.0.1), sends
``/ask`` with real questions one after another and reports p50/p95 of:
ack (arrival -> deferred callback) and reply (arrival -> the answer's followup).

    python -m bench.discord_latency [--questions 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

from bot.answer.evaluate import read_questions
from bot.app import build_service
from bot.discord.bot import CorpusBot
from bot.querylog.stats import percentile
from bot.settings import load_settings
from fakediscord import IDS, FakeDiscord, patched_discord, running_bot

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPORA = {
    "seeds": (ROOT / "seeds", ROOT / "tests/eval/seeds-questions.jsonl"),
    "powerapps-news": (
        SHARED / "corpora/powerapps-news",
        ROOT / "tests/eval/powerapps-news-questions.jsonl",
    ),
    "rust-blog": (SHARED / "corpora/rust-blog", ROOT / "tests/eval/rust-blog-questions.jsonl"),
}


async def measure(name: str, count: int, state: Path) -> dict[str, object]:
    corpus, question_file = CORPORA[name]
    questions = [q.q for q in read_questions(question_file)]
    settings = load_settings(
        env={},
        overrides={
            "corpus.dir": str(corpus),
            "db.path": str(state / f"{name}.sqlite3"),
            "discord.cooldown_rate": 1000,  # one member asks all: no rate limit applies
            "discord.guild_rate": 100_000,
        },
    )
    service = build_service(settings)
    await service.start()
    acks: list[float] = []
    replies: list[float] = []
    async with FakeDiscord() as fake:
        with patched_discord(fake):
            async with running_bot(CorpusBot(settings, service, state / name)):
                for n in range(count):
                    question = questions[n % len(questions)]
                    started = time.perf_counter()
                    record = await fake.send_slash_command(
                        "ask", {"question": question}, user=IDS.member
                    )
                    await record.wait_callback()
                    acks.append((time.perf_counter() - started) * 1000)
                    await record.wait_followup()
                    replies.append((time.perf_counter() - started) * 1000)
    return {
        "corpus": name,
        "documents": len(service.snapshot.index),
        "questions": count,
        "ack_ms": {"p50": percentile(acks, 0.5), "p95": percentile(acks, 0.95)},
        "reply_ms": {
            "p50": percentile(replies, 0.5),
            "p95": percentile(replies, 0.95),
            "mean": round(statistics.fmean(replies), 2),
        },
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    args = parser.parse_args()
    state = Path("/tmp/corpus-bot-bench")
    state.mkdir(exist_ok=True)
    for name in args.corpus or ["seeds", "powerapps-news", "rust-blog"]:
        print(json.dumps(await measure(name, args.questions, state)))


if __name__ == "__main__":
    asyncio.run(main())
