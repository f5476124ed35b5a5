"""Render an :class:`~bot.answer.build.Answer` as JSON (the contract) or as plain text."""

from __future__ import annotations

from typing import Any

from bot.answer.build import Answer, Result
from bot.model import Article, RelatedLink

NOT_FOUND = "I couldn't find an answer to that in the corpus."


def result_json(result: Result) -> dict[str, Any]:
    """One result as in the ``ask --json`` contract."""
    article = result.article
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "published": article.published,
        "score": round(result.score, 2),
        "excerpt": result.excerpt.markdown(),
        "section": _section(result),
        "also_covered_by": [_also(a) for a in result.also],
    }


def _section(result: Result) -> dict[str, Any] | None:
    """The heading the quote stands under and its link (with the anchor), or None."""
    section = result.section
    if section is None:
        return None
    return {"heading": section.heading, "anchor": section.anchor or None, "url": result.link}


def _also(article: Article) -> dict[str, Any]:
    return {"id": article.id, "title": article.title, "url": article.url, "source": article.source}


def related_json(link: RelatedLink) -> dict[str, Any]:
    """One related link as in the contract."""
    return {"title": link.title, "url": link.url, "source": link.source}


def answer_json(answer: Answer) -> dict[str, Any]:
    """The ``ask --json`` object: exactly the contract's keys, plus what the search did."""
    data: dict[str, Any] = {
        "query": answer.query,
        "answered": answer.answered,
        "results": [result_json(r) for r in answer.results],
        "related": [related_json(link) for link in answer.related],
        "took_ms": round(answer.took_ms, 2),
        "confidence": round(answer.confidence, 3),
    }
    if answer.searched_for:
        data["searched_for"] = answer.searched_for
    if answer.notes:
        data["notes"] = list(answer.notes)
    return data


def date_of(published: str | None) -> str | None:
    """The day part of an ISO timestamp."""
    return published[:10] if published else None


def citation_line(
    number: int, article: Article, title: str | None = None, url: str | None = None
) -> str:
    """``[n] Title — Source, 2021-06-26 <url>`` with the parts that exist (``title`` and
    ``url`` in place of the article's, for a quote's section)."""
    details = ", ".join(part for part in (article.source, date_of(article.published)) if part)
    line = f"[{number}] {title or article.title}"
    if details:
        line += f" \u2014 {details}"
    link = url or article.url
    if link:
        line += f" <{link}>"
    return line


def answer_text(answer: Answer) -> str:
    """The answer as plain text: what the Discord reply says, without the embed."""
    lines: list[str] = [f"({note})" for note in answer.notes]
    if answer.searched_for:
        lines.append(f"Showing results for: {answer.searched_for}")
    if not answer.answered:
        lines.append(NOT_FOUND)
        if answer.results:
            lines.append("Not sure, but these come closest:")
            lines += [citation_line(n, r.article) for n, r in enumerate(answer.results, 1)]
        return "\n".join(lines)
    top = answer.results[0]
    lines.append(f"{top.excerpt.markdown()} [1]")
    lines.append("")
    lines.append("Sources:")
    for number, result in enumerate(answer.results, 1):
        lines.append(citation_line(number, result.article, result.cited_title, result.link))
        if result.also:
            names = ", ".join(dict.fromkeys(a.source or a.title for a in result.also))
            lines.append(f"    also covered by {names}")
    if answer.related:
        lines.append("")
        lines.append("Related:")
        for link in answer.related:
            source = f" \u2014 {link.source}" if link.source else ""
            url = f" <{link.url}>" if link.url else ""
            lines.append(f"- {link.title}{source}{url}")
    return "\n".join(lines)
