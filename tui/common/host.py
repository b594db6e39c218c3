"""What a screen may ask of its app, typed: `self.app` is a plain `App` to the type checker.

Both consoles' apps satisfy `StoreHost` (the open database); the admin app also `AuditedHost` (the
actor every change is recorded under). Screens reach them through `host(self)` / `audited_host(self)`,
a checked cast instead of `# type: ignore` at each use.
"""

from __future__ import annotations

from typing import Protocol, cast

from textual.dom import DOMNode

from store import Actor, Database


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
