"""The abstain decision: a confidence from 0 to 1 that the corpus answers a question.

A small logistic regression over the signals of :mod:`bot.answer.signals`, learned
offline from labelled questions (``python -m bench.calibrate``) and shipped
as plain data in ``bot/data/abstain.json``: nothing is trained at start-up.
The bot answers when the confidence reaches ``search.min_confidence``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from bot.answer.signals import SIGNALS
from bot.modelfile import numbers

MODEL_FILE = "abstain.json"
# The model for an index with the semantic stage (learned from the signals as the fused
# search gives them; bench.calibrate --semantic decides which signals it weighs).
SEMANTIC_MODEL_FILE = "abstain-semantic.json"
OFFTOPIC_FILE = "offtopic.txt"
FORMAT = 1
# A corpus of long articles holds most ordinary words somewhere, so even an off-topic
# question can look answerable there. The bar to answer is raised, for each corpus, to
# the confidence this share of the built-in off-topic questions stays under,
OFFTOPIC_QUANTILE = 0.875
# but never above this (in a corpus about cooking, say, some of them are on topic).
OFFTOPIC_CAP = 0.6


class ModelError(ValueError):
    """An abstain model file that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class AbstainModel:
    """Standardised logistic regression: ``sigmoid(b + sum(w * (x - mean) / scale))``."""

    signals: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # the confidence chosen across corpora as the default bar

    def confidence(self, values: Mapping[str, float]) -> float:
        """The probability that the question is answerable, from its signals."""
        z = self.intercept
        for name, mean, scale, coef in zip(
            self.signals, self.mean, self.scale, self.coef, strict=True
        ):
            z += coef * (float(values.get(name, 0.0)) - mean) / scale
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def as_json(self, **extra: Any) -> dict[str, Any]:
        """The model as stored, with ``extra`` notes (what it was trained on, figures)."""
        return {
            "format": FORMAT,
            "signals": list(self.signals),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
            **extra,
        }


def _numbers(data: Mapping[str, Any], key: str, size: int) -> tuple[float, ...]:
    return numbers(data, key, size, ModelError, "abstain model")


def parse_model(data: Mapping[str, Any], known: Sequence[str]) -> AbstainModel:
    """Check and build a model from its JSON form; every signal must be one of ``known``."""
    if data.get("format") != FORMAT:
        raise ModelError(f"abstain model: format {data.get('format')!r}, expected {FORMAT}")
    signals = data.get("signals")
    if not isinstance(signals, list) or not all(isinstance(s, str) for s in signals):
        raise ModelError("abstain model: signals must be a list of names")
    unknown = sorted(set(signals) - set(known))
    if unknown:
        raise ModelError(f"abstain model: unknown signals {', '.join(unknown)}")
    size = len(signals)
    scale = _numbers(data, "scale", size)
    if any(s <= 0 for s in scale):
        raise ModelError("abstain model: every scale must be positive")
    intercept, threshold = data.get("intercept"), data.get("threshold")
    if not isinstance(intercept, int | float) or not isinstance(threshold, int | float):
        raise ModelError("abstain model: intercept and threshold must be numbers")
    return AbstainModel(
        signals=tuple(signals),
        mean=_numbers(data, "mean", size),
        scale=scale,
        coef=_numbers(data, "coef", size),
        intercept=float(intercept),
        threshold=float(threshold),
    )


def read_model(path: Path, known: Sequence[str]) -> AbstainModel:
    """A model from a JSON file; raises :class:`ModelError` saying what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read abstain model {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ModelError(f"abstain model {path} is not a JSON object")
    return parse_model(data, known)


@cache
def offtopic_questions() -> tuple[str, ...]:
    """The built-in off-topic questions (cooking, sport, travel, health …), one a line."""
    text = resources.files("bot").joinpath("data", OFFTOPIC_FILE).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def offtopic_bar(confidences: Sequence[float]) -> float:
    """The confidence off-topic questions stay under in a corpus (capped; 0 with none)."""
    if not confidences:
        return 0.0
    ordered = sorted(confidences)
    at = min(len(ordered) - 1, int(OFFTOPIC_QUANTILE * len(ordered)))
    return min(OFFTOPIC_CAP, ordered[at])


@cache
def shipped_model(name: str = MODEL_FILE) -> AbstainModel:
    """A model that ships with the package (read once): :data:`MODEL_FILE`, or
    :data:`SEMANTIC_MODEL_FILE` for an index with the semantic stage."""
    text = resources.files("bot").joinpath("data", name).read_text(encoding="utf-8")
    return parse_model(json.loads(text), SIGNALS)
