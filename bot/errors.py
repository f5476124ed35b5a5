"""Errors whose message is for the user: one clear sentence each.

Every surface catches these and shows the message; anything else is logged
with its traceback.
"""

from __future__ import annotations


class QuestionError(ValueError):
    """A question that cannot be asked (empty, say); the message is for the user."""


class CorpusError(RuntimeError):
    """The corpus folder is missing or unreadable; the message is for the user."""


class SettingsError(ValueError):
    """A setting is missing, of the wrong type or out of range; the message says which."""
