"""The hub's Ed25519 export key: made once in the data directory, never leaving it.

The private key is written with mode 0600; the public key travels inside each export and
its fingerprint is printed, so an auditor can pin it (`crsa export verify --key`).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.core.keyfiles import key_file

KEY_FILE = "export-ed25519.pem"


def hub_key(home: Path) -> Ed25519PrivateKey:
    def make() -> bytes:
        return Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    key = serialization.load_pem_private_key(key_file(home, KEY_FILE, make), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{home / 'keys' / KEY_FILE} is not an Ed25519 key")
    return key


def public_b64(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def fingerprint(public: str) -> str:
    return "SHA256:" + hashlib.sha256(base64.b64decode(public)).hexdigest()[:32]


def sign(key: Ed25519PrivateKey, data: bytes) -> str:
    return base64.b64encode(key.sign(data)).decode()


def verify(public: str, data: bytes, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public)).verify(
            base64.b64decode(signature), data
        )
    except (InvalidSignature, ValueError):
        return False
    return True
