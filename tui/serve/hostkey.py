"""The server's persistent ed25519 host key: created once (mode 0600, written atomically), then reused.

Decision: like sshd, a host key readable by group or others is refused rather than silently used, and a new key
is written to a temporary file in the same directory (O_EXCL, 0600), fsynced, then renamed over the final name, so
a crash never leaves a truncated key behind.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import asyncssh

from store import config as cfg

KEY_NAME = "ssh_host_ed25519_key"


class HostKeyError(Exception):
    """The host key cannot be read, created, or is unsafe."""


def default_path() -> Path:
    return cfg.data_dir() / KEY_NAME


def fingerprint(key: asyncssh.SSHKey) -> str:
    return key.get_fingerprint("sha256")


def public_line(key: asyncssh.SSHKey) -> str:
    return key.export_public_key("openssh").decode().strip()


def load(path: Path) -> asyncssh.SSHKey:
    """Read an existing host key; refuse one that others can read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise HostKeyError(f"no host key at {path}; start `userdesk serve` once to create it") from None
    except OSError as exc:
        raise HostKeyError(f"cannot read the host key {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise HostKeyError(f"the host key {path} is readable by others (mode {mode & 0o777:o}); chmod 600 it")
    try:
        return asyncssh.read_private_key(str(path))
    except (OSError, asyncssh.KeyImportError) as exc:
        raise HostKeyError(f"cannot read the host key {path}: {exc}") from None


def load_or_create(path: Path) -> tuple[asyncssh.SSHKey, bool]:
    """The host key at `path`, creating it on first use. Returns (key, created)."""
    if path.exists():
        return load(path), False
    key = asyncssh.generate_private_key("ssh-ed25519")
    _write_atomically(path, key.export_private_key("openssh"))
    return key, True


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise HostKeyError(f"cannot create the host key {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise HostKeyError(f"cannot write the host key {path}: {exc.strerror}") from None
