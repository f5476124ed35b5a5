"""User ids are never stored: a keyed hash (HMAC-SHA256) stands in for them.

The key is the setting ``db.user_key_secret`` (``BOT_DB_USER_KEY_SECRET``) if set; else one is made
at random on first use and kept in a file beside the database (mode 0600), so
the same person maps to the same key across restarts while the database alone
reveals nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from bot.paths import private_folder

log = logging.getLogger(__name__)


class UserKeys:
    """Turns Discord user ids into stable, non-reversible keys."""

    def __init__(self, secret: bytes) -> None:
        """Use ``secret`` as the HMAC key."""
        self._secret = secret

    @classmethod
    def for_database(cls, db_path: Path, secret: str = "") -> UserKeys:
        """The keys for a database: the configured secret, or one kept beside the file."""
        if secret:
            return cls(secret.encode())
        key_file = db_path.with_name(db_path.name + ".key")
        try:
            return cls(key_file.read_bytes().strip())
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot read %s (%s); user keys use a one-off secret", key_file, exc)
            return cls(secrets.token_hex(32).encode())
        made = secrets.token_hex(32).encode()
        try:
            private_folder(key_file.parent)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(made)
        except FileExistsError:  # another process made it first
            return cls(key_file.read_bytes().strip())
        except OSError as exc:
            log.warning("cannot save %s (%s); user keys use a one-off secret", key_file, exc)
        return cls(made)

    def key_for(self, user_id: int | None) -> str | None:
        """The stored key for a user id (``None`` stays ``None``)."""
        if user_id is None:
            return None
        digest = hmac.new(self._secret, str(user_id).encode(), hashlib.sha256)
        return digest.hexdigest()[:32]
