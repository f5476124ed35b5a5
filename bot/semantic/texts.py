"""What of an article is turned into vectors: its title with its opening, and for a long
article, a few passages (a documentation page's sections, else stretches of its body).

The model reads at most 256 word pieces, about 180 words, so each text is cut
to :data:`WORDS` words. Pure.
"""

from __future__ import annotations

import hashlib

from bot.model import Article

# Words in one text (the model reads about this many; more would be cut anyway).
WORDS = 160
# At most this many passages of an article besides its opening.
PASSAGES = 6


def _words(text: str, limit: int = WORDS) -> list[str]:
    found: list[str] = []
    for word in text.split():
        found.append(word)
        if len(found) >= limit:
            break
    return found


def _opening(article: Article) -> str:
    lead = " ".join(_words(f"{article.excerpt or ''} {article.body}", WORDS))
    return f"{article.title}. {lead}".strip()


def _section_texts(article: Article) -> list[str]:
    texts: list[str] = []
    for section in article.sections:
        words = _words(article.body[section.start : section.end])
        if len(words) >= 12:
            texts.append(f"{article.title} › {section.heading}. {' '.join(words)}")
    return texts


def _stretches(article: Article) -> list[str]:
    words = article.body.split()
    return [
        f"{article.title}. {' '.join(words[start : start + WORDS])}"
        for start in range(WORDS, len(words), WORDS)
        if len(words) - start >= 40
    ]


def _spread(texts: list[str], wanted: int) -> list[str]:
    """``wanted`` of ``texts``, evenly spread from the first to the last."""
    if len(texts) <= wanted:
        return texts
    step = (len(texts) - 1) / (wanted - 1)
    return [texts[round(n * step)] for n in range(wanted)]


def article_texts(article: Article) -> list[str]:
    """The texts whose vectors stand for ``article``: its opening first."""
    passages = _section_texts(article) if len(article.sections) > 1 else []
    passages = passages or _stretches(article)
    return [_opening(article), *_spread(passages, PASSAGES)]


def texts_key(texts: list[str]) -> str:
    """A digest of an article's texts: unchanged texts keep their vectors."""
    digest = hashlib.blake2b(digest_size=12)
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()
