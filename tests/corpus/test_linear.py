"""Every pass over corpus or question text is linear in its length (issue 12).

Each pass gets 1 MB of shapes that make naive parsers backtrack or pile up
tokens, and 10 KB of the same shape; the 1 MB run may take at most
``RATIO_BOUND`` times the 10 KB run. A linear pass takes about 100 times
(less where markup-dense text is taken as plain text past a budget); a
quadratic one would take about 10,000 times, so a quadratic pass cannot meet
the bound and a pause of the machine is retried rather than failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from bot.answer.excerpt import best_passage
from bot.corpus.markdown import DENSE_BUDGET, clean_inline, parse_markdown
from bot.model import Article
from bot.text.analysis import analyze

SMALL, LARGE = 10_000, 1_000_000
RATIO_BOUND = 1_000

SHAPES: dict[str, Callable[[int], str]] = {
    "spaces then a letter": lambda n: " " * (n - 1) + "a",
    "opening brackets": lambda n: "[" * n,
    "comment openers": lambda n: "<!--" * (n // 4),
    "space star letter": lambda n: " *a" * (n // 3),
    "image openers": lambda n: "![" * (n // 2),
    "backticks": lambda n: "`a" * (n // 2),
    "underscores": lambda n: "_a" * (n // 2),
    "link openers": lambda n: "[a](" * (n // 4),
    "tag openers": lambda n: "<a " * (n // 3),
    "entity openers": lambda n: "&#" * (n // 2),
    "emphasis marks": lambda n: "*_" * (n // 2),
    "short lines": lambda n: "a\n" * (n // 2),
    "short sentences": lambda n: "A b. " * (n // 5),
}


def _excerpt(text: str) -> object:
    article = Article(id="a.md", title="t", url=None, source=None, published=None, body=text)
    return best_passage(article, {"a": 1.0, "b": 1.0})


PASSES: dict[str, Callable[[str], object]] = {
    "markdown": parse_markdown,
    "inline markup": clean_inline,
    "analysis": analyze,
    "excerpt": _excerpt,
}


def _seconds(run: Callable[[str], object], text: str, tries: int) -> float:
    best = float("inf")
    for _ in range(tries):
        started = time.perf_counter()
        run(text)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("name", sorted(PASSES))
def test_each_pass_is_linear_on_hostile_shapes(name: str, shape: str) -> None:
    run, make = PASSES[name], SHAPES[shape]
    small, large = make(SMALL), make(LARGE)
    assert LARGE * 0.99 <= len(large) <= LARGE
    # the small run's best of five (it is short, so noise weighs most there); the large
    # one is run again only when a pause of the machine may have slowed it
    small_seconds = max(_seconds(run, small, 5), 1e-5)
    ratio = float("inf")
    for _ in range(3):
        ratio = min(ratio, _seconds(run, large, 1) / small_seconds)
        if ratio < RATIO_BOUND:
            break
    assert ratio < RATIO_BOUND, f"{name} on {shape}: 1 MB took {ratio:.0f}x 10 KB"


def test_markup_dense_text_past_the_budget_is_plain_text() -> None:
    bait = "![" * DENSE_BUDGET
    assert clean_inline(bait) == bait  # shown as it is, inert
    parsed = parse_markdown(f"# Title\n\nSome prose first.\n\n{bait}\n\nProse after.\n")
    assert "Some prose first." in parsed.body and "Prose after." in parsed.body
    assert bait in parsed.body
    short = parse_markdown("Text with [a link](https://x.example) and **bold**.\n")
    assert "a link" in short.body and "**" not in short.body and "https" not in short.body


def test_a_quote_looks_at_a_bounded_stretch_of_a_huge_article() -> None:
    from bot.answer.excerpt import SCAN_CHARS

    filler = "\n\n".join("Nothing about the topic in this paragraph at all." for _ in range(10_000))
    early = Article(id="a.md", title="t", url=None, source=None, published=None,
                    body="The gizmo is red and shiny.\n\n" + filler)  # fmt: skip
    assert "gizmo" in best_passage(early, {"gizmo": 1.0}).plain
    late = Article(id="b.md", title="t", url=None, source=None, published=None,
                   body=filler + "\n\nThe gizmo is red and shiny.")  # fmt: skip
    assert len(late.body) > SCAN_CHARS
    quoted = best_passage(late, {"gizmo": 1.0})
    assert quoted.weight == 0 and "gizmo" not in quoted.plain  # past the stretch: the opening
