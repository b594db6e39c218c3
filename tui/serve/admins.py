"""The server's view of admin accounts: find the admin a proven public key belongs to, check they still are one, and
record their connections in the audit log. A thin layer over `store.admins`, kept as one object so the server's
routing tests can stand in a directory of their own."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from store import Database, admins
from store.admins import AdminIdentity
from store.audit import Actor, record


class AdminDirectory:
    """Admin look-ups for the SSH server (each a few indexed reads: cheap enough before authentication ends)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def find_by_key(self, openssh_line: str) -> AdminIdentity | None:
        """The AdminIdentity whose registered key this is, or None (read-only: called for keys merely offered)."""
        return admins.find_admin_by_key(self.db, openssh_line)

    def key_proven(self, openssh_line: str) -> AdminIdentity | None:
        """`find_by_key` for a key whose signature was verified: also marks it used (a write, so only after proof)."""
        return admins.mark_key_used(self.db, openssh_line)

    def is_current(self, identity: AdminIdentity) -> bool:
        """Still an admin with that role (not revoked, not disabled)?"""
        return admins.admin_is_current(self.db, identity.user_id, identity.role)

    def audit(self, identity: AdminIdentity, action: str, *, key: str | None, address: str | None, reason: str) -> None:
        """One audit entry about the admin's SSH connection (connect / disconnect)."""
        with self.db.write() as s:
            record(
                s,
                Actor.admin(identity, key=key, address=address),
                action,
                now=self.db.now(),
                target_type="admin",
                target_uid=identity.uid,
                target_label=identity.username,
                reason=reason,
            )


def identity_fields(identity: AdminIdentity) -> dict[str, Any]:
    """The AdminIdentity as plain JSON-able fields for the hand-off."""
    return asdict(identity)
