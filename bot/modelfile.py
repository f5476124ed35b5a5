"""Models shipped as plain data (the abstain model, the reranker): their checks.

Both are JSON with lists of numbers; a list that is not one of numbers, of the
right size and finite, makes the file unusable, with one clear reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def numbers(
    data: Mapping[str, Any], key: str, size: int, error: type[ValueError], what: str
) -> tuple[float, ...]:
    """``data[key]`` as ``size`` finite numbers, or ``error`` saying what is wrong
    (``what`` names the model in the message)."""
    values = data.get(key)
    if not isinstance(values, list) or len(values) != size:
        raise error(f"{what}: {key} must be a list of {size} numbers")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise error(f"{what}: {key} must hold numbers only")
    found = tuple(float(v) for v in values)
    if not all(math.isfinite(v) for v in found):
        raise error(f"{what}: {key} holds a number that is not finite")
    return found
