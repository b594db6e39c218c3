"""The verified identity, handed from the SSH server to a console process through an inherited pipe.

Decision: the server writes one small JSON object into a pipe and closes its end before starting the console; the
console gets only the read end's number (pass_fds) and reads it to EOF. Nothing a client can influence travels in
argv or the environment (the client's TERM aside), so a user cannot claim another route or identity.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

MAX_BYTES = 16 * 1024  # far above a real hand-off; well below a pipe's buffer, so writing never blocks


@dataclass(frozen=True)
class Handoff:
    """What a console process needs: which console, for whom, from where, over which database."""

    route: str  # "admin" or "self"
    db: str
    address: str | None = None
    key_fingerprint: str | None = None
    admin: dict[str, Any] | None = None  # AdminIdentity fields (user_id, uid, username, role) for route "admin"

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Handoff:
        raw = json.loads(data)
        if not isinstance(raw, dict) or raw.get("route") not in ("admin", "self") or not isinstance(raw.get("db"), str):
            raise ValueError("malformed hand-off")
        if raw["route"] == "admin" and not isinstance(raw.get("admin"), dict):
            raise ValueError("malformed hand-off: admin route without an identity")
        return cls(
            route=raw["route"],
            db=raw["db"],
            address=raw.get("address"),
            key_fingerprint=raw.get("key_fingerprint"),
            admin=raw.get("admin"),
        )


def write_pipe(handoff: Handoff) -> int:
    """A pipe holding the hand-off; returns the read end (close it in the parent once the child has started)."""
    data = handoff.to_json()
    if len(data) > MAX_BYTES:
        raise ValueError("hand-off too large")
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, data)
    finally:
        os.close(write_fd)
    return read_fd


def read_fd(fd: int) -> Handoff:
    """Read the hand-off from an inherited descriptor to EOF, then close it."""
    chunks: list[bytes] = []
    try:
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
            if sum(map(len, chunks)) > MAX_BYTES:
                raise ValueError("hand-off too large")
    finally:
        os.close(fd)
    return Handoff.from_json(b"".join(chunks))
