"""A PNG chart of the query log: questions per day (answered or not) and latency."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from bot.querylog.stats import Stats

WIDTH, HEIGHT, DPI = 8, 5.5, 100


def render_chart(stats: Stats) -> bytes:
    """Two panels over a date axis: stacked bars of questions per day (quiet days as
    zero) and latency p50/p95 per day; without questions, one panel that says so."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    if not stats.per_day:
        figure = plt.figure(figsize=(WIDTH, 2.5), dpi=DPI)
        try:
            figure.text(0.5, 0.5, "No questions in this period", ha="center", va="center",
                        fontsize=16, color="#555555")  # fmt: skip
            return _png(figure)
        finally:
            plt.close(figure)
    return _panels(stats)


def _panels(stats: Stats) -> bytes:
    from matplotlib import dates as mdates
    from matplotlib import pyplot

    days = [dt.date.fromisoformat(d.day) for d in stats.per_day]
    answered = [d.answered for d in stats.per_day]
    missed = [d.unanswered for d in stats.per_day]
    figure, (top, bottom) = pyplot.subplots(2, 1, figsize=(WIDTH, HEIGHT), sharex=True, dpi=DPI)
    try:
        width = 0.8 if len(days) <= 120 else 1.0  # a bar a day, touching on long periods
        top.bar(days, answered, width=width, label="answered", color="#5865F2")
        top.bar(days, missed, width=width, bottom=answered, label="not answered", color="#FEE75C")
        top.set_ylabel("questions")
        top.yaxis.get_major_locator().set_params(integer=True)
        # legends above the panels, beside the title: never over a bar
        top.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False)
        top.set_title(f"{stats.total} questions, {stats.answer_rate:.0%} answered", loc="left")
        asked = [(day, d) for day, d in zip(days, stats.per_day, strict=True) if d.latency_p50]
        bottom.plot([a for a, _d in asked], [d.latency_p50 for _a, d in asked], marker=".",
                    label="p50")  # fmt: skip
        bottom.plot([a for a, _d in asked], [d.latency_p95 for _a, d in asked], marker=".",
                    label="p95")  # fmt: skip
        bottom.set_ylabel("latency (ms)")
        bottom.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=10)  # type: ignore[no-untyped-call]
        bottom.xaxis.set_major_locator(locator)
        formatter = mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
        bottom.xaxis.set_major_formatter(formatter)
        pad = dt.timedelta(days=1)
        bottom.set_xlim(days[0] - pad, days[-1] + pad)
        figure.tight_layout()
        return _png(figure)
    finally:
        pyplot.close(figure)


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
