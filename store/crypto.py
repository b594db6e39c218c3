"""The key file and what it protects: TOTP secrets (AES-GCM) and keyed hashes (HMAC-SHA256).

The key lives outside the database (default: beside the config, mode 0600), so a copy of the
database file alone reveals no TOTP secret and cannot be used to forge recovery codes.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DatabaseError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 64  # 32 for AES-256-GCM, 32 for HMAC


def describe_os_error(exc: OSError) -> str:
    """'disk full' for ENOSPC/EDQUOT (the words people search for), else the system's own wording."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disk full (no space left on device)"
    return exc.strerror or exc.__class__.__name__


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:  # a file where the directory should be: say so, not "File exists"
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path.parent)) from None


def create_private_file(path: Path, content: bytes | None = None) -> None:
    """Create `path` with mode 0600 (never readable by others, even for a moment).

    Raises OSError as the system reports it; callers turn it into their own error naming the file.
    A file that could not be written whole is removed again.
    """
    _make_parent(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if content:
            _write_all(fd, content)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view) :]


def write_private_file_atomically(path: Path, content: bytes) -> bool:
    """Write `path` (mode 0600) whole or not at all; returns False when it already exists.

    The bytes go to a temporary file in the same directory, are fsynced, then linked to the final
    name: link() never replaces an existing file (so two processes creating the key at once both
    end up reading the same one) and a full disk or a crash leaves no partial file under the name.
    """
    _make_parent(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        _write_all(fd, content)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        _fsync_directory(path.parent)
        return True
    finally:
        if fd >= 0:
            os.close(fd)
        Path(temporary).unlink(missing_ok=True)


def _fsync_directory(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a directory; the file itself is on disk
    finally:
        os.close(fd)


def check_private(path: Path, what: str) -> None:
    """Refuse a secret file that group or others may read or write (as OpenSSH does for a private key)."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise DatabaseError(f"{what} {path} is readable by others (mode {mode:04o}); chmod 600 it")


class Keys:
    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise DatabaseError("the key file is damaged (wrong length)")
        self._aead_key = raw[:32]  # AESGCM is built when first used: checking the key file needs only the MAC
        self._mac_key = raw[32:]

    @classmethod
    def load(cls, path: Path) -> Keys:
        """Read an existing key file; a missing, unreadable, damaged or shared one is an error."""
        try:
            check_private(path, "key file")
            raw = base64.b64decode(path.read_bytes().strip(), validate=True)
        except FileNotFoundError:
            raise DatabaseError(
                f"key file {path} is missing; the database was made with a key: restore it from your backup "
                "(or set USERDESK_KEY_FILE to where it is)"
            ) from None
        except OSError as exc:
            raise DatabaseError(f"cannot read the key file {path}: {describe_os_error(exc)}") from None
        except ValueError as exc:
            raise DatabaseError(f"the key file {path} is damaged: {exc}") from None
        return cls(raw)

    @classmethod
    def load_or_create(cls, path: Path) -> Keys:
        """For a new database only: use the key file if there is one, else write a new one."""
        if not path.exists():
            try:
                write_private_file_atomically(path, base64.b64encode(secrets.token_bytes(KEY_BYTES)) + b"\n")
            except OSError as exc:
                raise DatabaseError(f"cannot create the key file {path}: {describe_os_error(exc)}") from None
        return cls.load(path)

    def encrypt(self, plain: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead().encrypt(nonce, plain.encode(), b"userdesk-totp")

    def decrypt(self, blob: bytes) -> str:
        return self._aead().decrypt(blob[:12], blob[12:], b"userdesk-totp").decode()

    def mac(self, value: str) -> str:
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()

    def _aead(self) -> AESGCM:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # here: the first paint needs no cipher

        return AESGCM(self._aead_key)

    def check_value(self) -> str:
        """A fingerprint stored in the database to detect a mismatched key file."""
        return self.mac("userdesk key check v1")


def token_hash(token: str) -> str:
    """Unkeyed SHA-256 for high-entropy (>=128-bit) tokens: enough, and verifiable without the key."""
    return hashlib.sha256(token.encode()).hexdigest()
