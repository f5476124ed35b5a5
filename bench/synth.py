"""A deterministic synthetic corpus of N articles, and questions with known answers.

Sentences come from the shared corpora (``../shared/corpora/rust-blog`` and
``powerapps-news``: excerpts and bodies); every synthetic article is a seeded
random draw of a 1-2 sentence excerpt and a body of 8-20 sentences, titled with
the first 5-10 words of its first body sentence (as a headline echoes the lede),
written in the seeds' YAML front-matter format, 1000 files per sub-folder.

A question is 4-8 content words of two sentences of one article, longer words
likelier, one in five with a typo. Its relevant articles are every article that
holds both sentences (almost always just that one). The question file is in
``bot eval``'s format.

    python -m bench.synth --size 10000          # prints the folder

The result is cached under ``/tmp/corpus-bot-synth/N/`` and reused when its
marker file (written last) matches the parameters.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answer.excerpt import split_sentences
from bot.corpus.loader import load_corpus
from bot.text.analysis import analyze

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT.parent / "shared/corpora/rust-blog", ROOT.parent / "shared/corpora/powerapps-news")
CACHE = Path("/tmp/corpus-bot-synth")
FORMAT_VERSION = 3
PER_FOLDER = 1000
MAX_SENTENCES = 22  # excerpt (1-2) + body (8-20)
PROVIDERS = (
    "Rust Blog",
    "Inside Rust",
    "Power Apps Blog",
    "Microsoft Learn",
    "The Register",
    "Ars Technica",
    "Dev Weekly",
    "LWN",
)
TOPICS = (
    "Rust",
    "Power Apps",
    "Releases",
    "Community",
    "Compiler",
    "Tooling",
    "Security",
    "Performance",
    "AI",
    "Data",
)
_CODE_RE = re.compile(r"[`|{}<>\[\]=#*_\\]|https?:|::|->|\w\(")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Synthetic:
    """Where a generated corpus lives."""

    size: int
    articles: Path  # the corpus folder (give this to the engines)
    questions: Path  # JSON lines: id, q, relevant, kind


def _usable(sentence: str) -> bool:
    words = sentence.split()
    if not 6 <= len(words) <= 40 or len(sentence) > 320 or sentence[-1] not in ".!?":
        return False
    if not sentence.isprintable():  # YAML cannot hold every character unescaped
        return False
    return not _CODE_RE.search(sentence) and len(content_words(sentence)) >= 4


def collect(sources: tuple[Path, ...] = SOURCES) -> list[str]:
    """Distinct usable sentences of the source corpora's excerpts and bodies, sorted."""
    sentences: set[str] = set()
    for source in sources:
        for article in load_corpus(source).articles:
            for paragraph in [article.excerpt or "", *article.body.split("\n\n")]:
                for sentence in split_sentences(" ".join(paragraph.split())):
                    if _usable(sentence):
                        sentences.add(sentence)
    return sorted(sentences)


def content_words(sentence: str) -> list[str]:
    """Distinct words of a sentence that the analyzer keeps (no stop words), in order."""
    seen: set[str] = set()
    words: list[str] = []
    for word in _WORD_RE.findall(sentence):
        terms = analyze(word)
        if len(word) >= 3 and terms and terms[0] not in seen:
            seen.add(terms[0])
            words.append(word)
    return words


def _typo(word: str, rng: np.random.Generator) -> str:
    """Swap two neighbouring inner letters, or drop one."""
    at = int(rng.integers(1, len(word) - 2))
    if rng.random() < 0.5:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + word[at + 1 :]


@dataclass(frozen=True, slots=True)
class Plan:
    """The random draws behind every article (numpy arrays, one row per article)."""

    title_words: np.ndarray  # 5..10: words of the first body sentence in the title
    excerpt_len: np.ndarray  # 1 or 2
    body_len: np.ndarray  # 8..20
    sentences: np.ndarray  # (size, MAX_SENTENCES) sentence indexes; -1 past the end
    days: np.ndarray  # days after 2015-01-01
    providers: np.ndarray
    topics: np.ndarray  # (size, 3) topic indexes; -1 when unused


def plan(size: int, n_sentences: int, rng: np.random.Generator) -> Plan:
    """Draw every article's parts at once (fast and reproducible)."""
    excerpt_len = rng.integers(1, 3, size)
    body_len = rng.integers(8, 21, size)
    sentences = rng.integers(0, n_sentences, (size, MAX_SENTENCES), dtype=np.int32)
    used = np.arange(MAX_SENTENCES)[None, :] < (excerpt_len + body_len)[:, None]
    sentences[~used] = -1
    topics = rng.integers(0, len(TOPICS), (size, 3))
    topics[rng.integers(1, 4, size)[:, None] <= np.arange(3)[None, :]] = -1
    return Plan(
        title_words=rng.integers(5, 11, size),
        excerpt_len=excerpt_len,
        body_len=body_len,
        sentences=sentences,
        days=rng.integers(0, 4300, size),
        providers=rng.integers(0, len(PROVIDERS), size),
        topics=topics,
    )


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes, with characters kept as they are)."""
    return json.dumps(text, ensure_ascii=False)


def article_id(n: int) -> str:
    """The corpus id (relative path) of article ``n``."""
    return f"{n // PER_FOLDER:04d}/{n:07d}.md"


def render(n: int, p: Plan, sentences: list[str]) -> str:
    """The file text of article ``n``: YAML front matter as in ``seeds/``, then the body."""
    parts = [sentences[i] for i in p.sentences[n] if i >= 0]
    cut = int(p.excerpt_len[n])
    excerpt, body = " ".join(parts[:cut]), parts[cut:]
    title = " ".join(body[0].split()[: int(p.title_words[n])]).rstrip(".!?,;:")
    paragraphs = [" ".join(body[i : i + 4]) for i in range(0, len(body), 4)]
    day = np.datetime64("2015-01-01") + np.timedelta64(int(p.days[n]), "D")
    topics = "".join(f"\n  - {TOPICS[t]}" for t in p.topics[n] if t >= 0)
    return (
        "---\n"
        f"title: {_quoted(title)}\n"
        f"excerpt: {_quoted(excerpt)}\n"
        f"publishedDateTime: {day}T09:00:00Z\n"
        f'webUrl: "https://example.com/{n}"\n'
        "type: article\n\n"
        f"provider:\n  name: {PROVIDERS[int(p.providers[n])]}\n\n"
        f"topics:{topics}\n"
        "---\n\n" + "\n\n".join(paragraphs) + "\n"
    )


def _pick(words: list[str], count: int, rng: np.random.Generator) -> list[str]:
    """``count`` of ``words`` in their order, longer (rarer, more telling) ones likelier."""
    weights = np.array([len(word) - 2 for word in words], dtype=float)
    chosen = rng.choice(len(words), count, replace=False, p=weights / weights.sum())
    return [words[int(i)] for i in sorted(chosen)]


def questions(
    p: Plan, sentences: list[str], count: int, rng: np.random.Generator
) -> list[dict[str, object]]:
    """``count`` questions, each from two sentences of a distinct random article."""
    size = len(p.body_len)
    rows: list[dict[str, object]] = []
    for n in rng.permutation(size)[: min(count * 2, size)]:
        used = [int(i) for i in p.sentences[n] if i >= 0]
        first, second = (used[int(i)] for i in rng.choice(len(used), 2, replace=False))
        if first == second:
            continue
        words_a, words_b = content_words(sentences[first]), content_words(sentences[second])
        total = int(rng.integers(4, 9))
        take_a = min(len(words_a), max(2, total // 2))
        take_b = min(len(words_b), max(2, total - take_a))
        chosen = [*_pick(words_a, take_a, rng), *_pick(words_b, take_b, rng)]
        kind = "keyword"
        long_words = [i for i, w in enumerate(chosen) if len(w) >= 6]
        if long_words and rng.random() < 0.2:
            at = long_words[int(rng.integers(len(long_words)))]
            chosen[at] = _typo(chosen[at], rng)
            kind = "typo"
        both = (p.sentences == first).any(axis=1) & (p.sentences == second).any(axis=1)
        relevant = [article_id(int(i)) for i in np.flatnonzero(both)]
        rows.append(
            {"id": f"q{len(rows)}", "q": " ".join(chosen), "relevant": relevant, "kind": kind}
        )
        if len(rows) == count:
            break
    return rows


def ensure(size: int, seed: int = 42, count: int = 500, cache: Path = CACHE) -> Synthetic:
    """Generate the corpus of ``size`` articles (or reuse a complete one) and its questions."""
    folder = cache / str(size)
    result = Synthetic(size, folder / "articles", folder / "questions.jsonl")
    marker = folder / "complete.json"
    wanted = {"version": FORMAT_VERSION, "size": size, "seed": seed, "questions": count}
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return result
    if folder.exists():
        shutil.rmtree(folder)
    result.articles.mkdir(parents=True)
    sentences = collect()
    rng = np.random.default_rng(seed)
    p = plan(size, len(sentences), rng)
    for start in range(0, size, PER_FOLDER):
        sub = result.articles / f"{start // PER_FOLDER:04d}"
        sub.mkdir()
        for n in range(start, min(start + PER_FOLDER, size)):
            (sub / f"{n:07d}.md").write_text(render(n, p, sentences), encoding="utf-8")
    rows = questions(p, sentences, count, rng)
    result.questions.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    marker.write_text(json.dumps(wanted))  # last: a folder without it is incomplete
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--questions", type=int, default=500)
    args = parser.parse_args()
    started = time.perf_counter()
    made = ensure(args.size, args.seed, args.questions)
    took = time.perf_counter() - started
    print(f"{made.articles} ({made.size:,} articles, {took:.1f} s)\n{made.questions}")


if __name__ == "__main__":
    main()
