"""200 simultaneous ``/ask`` through the fake Discord: acknowledgements, replies, heartbeats.

    python -m bench.discord_concurrency [--burst 200] [--corpus DIR]

All interactions are dispatched at once; the report gives, from dispatch, the
time to each deferred acknowledgement (Discord wants it within 3 s) and to each
answer, and the gateway heartbeats the bot sent meanwhile (heartbeat every 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from bot.answer.evaluate import read_questions
from bot.app import build_service
from bot.discord.bot import CorpusBot
from bot.querylog.stats import percentile
from bot.settings import load_settings
from fakediscord import (
    IDS,
    FakeConfig,
    FakeDiscord,
    default_config,
    patched_discord,
    running_bot,
)

ROOT = Path(__file__).resolve().parent.parent


async def burst(fake: FakeDiscord, questions: list[str], size: int) -> dict[str, object]:
    started = time.perf_counter()
    beats_before = fake.heartbeats
    records = await asyncio.gather(
        *(
            fake.send_slash_command(
                "ask", {"question": questions[n % len(questions)]}, user=IDS.member
            )
            for n in range(size)
        )
    )

    async def timed(record: object) -> tuple[float, float]:
        await record.wait_callback(timeout=30)  # type: ignore[attr-defined]
        ack = (time.perf_counter() - started) * 1000
        await record.wait_followup(timeout=60)  # type: ignore[attr-defined]
        return ack, (time.perf_counter() - started) * 1000

    results = await asyncio.gather(*(timed(r) for r in records))
    acks = [a for a, _ in results]
    replies = [r for _, r in results]
    return {
        "interactions": size,
        "ack_ms": {
            "p50": percentile(acks, 0.5),
            "p95": percentile(acks, 0.95),
            "max": round(max(acks), 1),
        },
        "reply_ms": {
            "p50": percentile(replies, 0.5),
            "p95": percentile(replies, 0.95),
            "max": round(max(replies), 1),
        },
        "all_acked_within_3s": max(acks) < 3000,
        "heartbeats_during": fake.heartbeats - beats_before,
        "seconds": round(time.perf_counter() - started, 2),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/rust-blog"))
    parser.add_argument("--questions", default=str(ROOT / "tests/eval/rust-blog-questions.jsonl"))
    args = parser.parse_args()
    questions = [q.q for q in read_questions(Path(args.questions))]
    with tempfile.TemporaryDirectory() as state:
        settings = load_settings(
            env={},
            overrides={
                "corpus.dir": args.corpus,
                "db.path": f"{state}/log.sqlite3",
                "corpus.index_cache": f"{state}/index",
                "discord.cooldown_rate": 1000,
                "discord.guild_rate": 100_000,
            },
        )
        service = build_service(settings)
        await service.start()
        config: FakeConfig = default_config()
        async with FakeDiscord(config) as fake:
            with patched_discord(fake):
                async with running_bot(CorpusBot(settings, service, Path(state))):
                    report = await burst(fake, questions, args.burst)
                    report["corpus"] = Path(args.corpus).name
                    report["documents"] = len(service.snapshot.index)
                    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main())
