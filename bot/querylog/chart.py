"""A PNG chart of the query log: questions per day (answered or not) and latency."""

from __future__ import annotations

import io

from bot.querylog.stats import Stats


def render_chart(stats: Stats) -> bytes:
    """Two panels: stacked bars of questions per day, and latency p50/p95 per day."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    days = [d.day for d in stats.per_day] or ["(none)"]
    answered = [d.answered for d in stats.per_day] or [0]
    missed = [d.unanswered for d in stats.per_day] or [0]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True, dpi=100)
    try:
        top.bar(days, answered, label="answered", color="#5865F2")
        top.bar(days, missed, bottom=answered, label="not answered", color="#FEE75C")
        top.set_ylabel("questions")
        top.legend(loc="upper left")
        top.set_title(f"{stats.total} questions, {stats.answer_rate:.0%} answered")
        p50 = [d.latency_p50 or 0.0 for d in stats.per_day] or [0.0]
        p95 = [d.latency_p95 or 0.0 for d in stats.per_day] or [0.0]
        bottom.plot(days, p50, marker="o", label="p50")
        bottom.plot(days, p95, marker="o", label="p95")
        bottom.set_ylabel("latency (ms)")
        bottom.legend(loc="upper left")
        figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
