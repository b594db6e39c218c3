"""What a screen may ask of its app, typed: `self.app` is a plain `App` to the type checker.

Both consoles' apps satisfy `StoreHost` (the open database); the admin app also `AuditedHost` (the
actor every change is recorded under) and `AdminHost` (the admin it was opened for, and the sign-in gate's
way back). Screens reach them through `host(self)` / `audited_host(self)` / `admin_host(self)`, a checked
cast instead of `# type: ignore` at each use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:  # annotations only: the admin console's first paint imports no SQLAlchemy
    from textual.dom import DOMNode

    from store import Actor, Database
    from store.admins import AdminIdentity


class StoreHost(Protocol):
    """An app with an open directory database."""

    db: Database


class AuditedHost(StoreHost, Protocol):
    """An app whose changes are made (and audited) as one actor."""

    actor: Actor


def host(node: DOMNode) -> StoreHost:
    """The app of `node`, as a StoreHost."""
    return cast(StoreHost, node.app)


def audited_host(node: DOMNode) -> AuditedHost:
    """The app of `node`, as an AuditedHost (the admin console)."""
    return cast(AuditedHost, node.app)


class AdminHost(AuditedHost, Protocol):
    """The admin console: opened for a named admin (`admin`, None for the local owner), signed in through
    the gate, which reports success with `signed_in`."""

    admin: AdminIdentity | None

    def signed_in(self, identity: AdminIdentity, session_sid: str | None) -> None: ...


def admin_host(node: DOMNode) -> AdminHost:
    """The app of `node`, as an AdminHost (the admin console)."""
    return cast(AdminHost, node.app)
