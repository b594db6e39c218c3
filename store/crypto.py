"""The key file and what it protects: TOTP secrets (AES-GCM) and keyed hashes (HMAC-SHA256).

The key lives outside the database (default: beside the config, mode 0600), so a copy of the
database file alone reveals no TOTP secret and cannot be used to forge recovery codes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DatabaseError

KEY_BYTES = 64  # 32 for AES-256-GCM, 32 for HMAC


def create_private_file(path: Path, content: bytes | None = None) -> None:
    """Create `path` with mode 0600 (never readable by others, even for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if content:
            os.write(fd, content)
    finally:
        os.close(fd)


class Keys:
    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise DatabaseError("the key file is damaged (wrong length)")
        self._aead = AESGCM(raw[:32])
        self._mac_key = raw[32:]

    @classmethod
    def load_or_create(cls, path: Path) -> Keys:
        if not path.exists():
            try:
                create_private_file(path, base64.b64encode(secrets.token_bytes(KEY_BYTES)) + b"\n")
            except FileExistsError:
                pass  # created by a concurrent process; read theirs
        try:
            raw = base64.b64decode(path.read_bytes().strip(), validate=True)
        except (OSError, ValueError) as exc:
            raise DatabaseError(f"cannot read the key file {path}: {exc}") from exc
        return cls(raw)

    def encrypt(self, plain: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, plain.encode(), b"userdesk-totp")

    def decrypt(self, blob: bytes) -> str:
        return self._aead.decrypt(blob[:12], blob[12:], b"userdesk-totp").decode()

    def mac(self, value: str) -> str:
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()

    def check_value(self) -> str:
        """A fingerprint stored in the database to detect a mismatched key file."""
        return self.mac("userdesk key check v1")


def token_hash(token: str) -> str:
    """Unkeyed SHA-256 for high-entropy (>=128-bit) tokens: enough, and verifiable without the key."""
    return hashlib.sha256(token.encode()).hexdigest()
