"""Credentials the hub must replay (a partner's TAXII password), sealed in the store.

The hub cannot hash these as it hashes API tokens: it has to send them. So they are
encrypted (Fernet: AES-128-CBC with an HMAC-SHA256) with a key kept beside the export key in
the data directory (`keys/`, mode 0600), never in the store: a store copied, backed up or
read by an Elasticsearch operator yields no partner password. Hubs on several hosts sharing
one Elasticsearch cluster share this key file, as they share the export key.

A value stored before sealing existed reads as it is, and is sealed the next time its feed
is written.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from hub.core.errors import ConfigError
from hub.core.keyfiles import key_file

KEY_FILE = "secrets.fernet"
SEALED = "sealed:v1:"


class VaultError(ConfigError):
    """A sealed value this hub's key cannot open."""


class Vault:
    def __init__(self, key: bytes, where: Path | None = None) -> None:
        self._fernet = Fernet(key)
        self._where = where

    @classmethod
    def of(cls, home: Path) -> Vault:
        """The data directory's vault; its key is made on first use."""
        key = key_file(home, KEY_FILE, Fernet.generate_key)
        return cls(key.strip(), home / "keys" / KEY_FILE)

    def seal(self, plain: str) -> str:
        """`plain` encrypted for the store; nothing stays nothing."""
        if not plain:
            return ""
        return SEALED + self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def is_sealed(self, stored: str) -> bool:
        return stored.startswith(SEALED) or not stored

    def open(self, stored: str) -> str:
        if not stored.startswith(SEALED):
            return stored  # written before sealing, or empty
        try:
            return self._fernet.decrypt(stored[len(SEALED) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise VaultError(
                "a stored partner credential cannot be opened with this hub's key"
                + (f" ({self._where})" if self._where else ""),
                hint="copy keys/secrets.fernet from the hub that added the feed, or add the"
                " feed again with its credentials",
            ) from None
