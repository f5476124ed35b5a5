"""Keep secrets (the Discord token) out of logs and error messages.

:func:`install_redaction` adds a filter to every handler of the root logger,
so a record from any library that happens to carry the token, in its message,
its arguments or its traceback, is written with the token masked.
"""

from __future__ import annotations

import logging

MASK = "[redacted]"
MIN_SECRET_CHARS = 8  # shorter "secrets" would mask ordinary words


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced by :data:`MASK`."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in a record's message, arguments and traceback."""

    def __init__(self, *secrets: str) -> None:
        """Mask each of ``secrets`` (empty and very short ones are ignored)."""
        super().__init__()
        self.secrets = tuple(s for s in secrets if len(s) >= MIN_SECRET_CHARS)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: mask what is there
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install_redaction(*secrets: str, logger: logging.Logger | None = None) -> RedactingFilter:
    """Mask ``secrets`` in everything the handlers of ``logger`` (default: root) write.

    Returns the filter so a caller can remove it again.
    """
    redacting = RedactingFilter(*secrets)
    for handler in _handlers(logger):
        handler.addFilter(redacting)
    return redacting


def remove_redaction(redacting: RedactingFilter, logger: logging.Logger | None = None) -> None:
    """Take a filter from :func:`install_redaction` off the handlers again."""
    for handler in _handlers(logger):
        handler.removeFilter(redacting)


def _handlers(logger: logging.Logger | None) -> list[logging.Handler]:
    """The logger's handlers, and the last-resort handler used when there are none."""
    handlers = list((logger or logging.getLogger()).handlers)
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    return handlers
