"""Split a file's front matter from its content and parse it.

YAML between ``---`` lines and TOML between ``+++`` lines, through
python-frontmatter's handlers (TOML with the standard library's ``tomllib``).
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler

# The C loader is many times faster on large front matter; PyYAML may lack it.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FrontMatterError(ValueError):
    """Front matter that is present but cannot be used; the message says why."""


class FastYAMLHandler(YAMLHandler):
    """YAML front matter parsed with libyaml's safe loader when available."""

    def load(self, fm: str, **kwargs: object) -> Any:
        """Parse YAML front matter safely."""
        return yaml.load(fm, Loader=_SafeLoader)


class TomllibHandler(BaseHandler):
    """TOML front matter between ``+++`` lines, parsed with ``tomllib``."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        """Parse TOML front matter."""
        return tomllib.loads(fm)


_HANDLERS: tuple[BaseHandler, ...] = (FastYAMLHandler(), TomllibHandler())


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return ``(metadata, content)``; metadata is empty when the file has none.

    Raises :class:`FrontMatterError` when front matter is opened but broken:
    never closed, invalid YAML or TOML, or not a mapping.
    """
    stripped = text.lstrip("\ufeff\r\n\t ")
    for handler in _HANDLERS:
        if not handler.detect(stripped):
            continue
        kind = handler.START_DELIMITER
        try:
            fm, content = handler.split(stripped)
        except ValueError as exc:
            raise FrontMatterError(f"front matter opened with {kind} but never closed") from exc
        try:
            data = handler.load(fm)
        except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
            name = "YAML" if kind == "---" else "TOML"
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise FrontMatterError(f"invalid {name} front matter: {detail}") from exc
        except RecursionError as exc:
            raise FrontMatterError("front matter nested too deeply") from exc
        if data is None:
            return {}, content
        if not isinstance(data, dict):
            raise FrontMatterError(
                f"front matter is a {type(data).__name__}, not a mapping of fields"
            )
        return data, content
    return {}, text
