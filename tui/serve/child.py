"""The console process of one SSH session: `python -m tui.serve.child --handoff-fd N`, started by the server on a
fresh PTY in a new session.

It first makes the PTY its controlling terminal (so window changes arrive as SIGWINCH), reads the verified identity
from the inherited descriptor (never from argv or the environment), opens the database and runs the console that
identity is routed to. SIGTERM (server shutdown, timeouts, revocation) and SIGHUP (the connection dropped) make the
console exit cleanly: it signs its session out and restores the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import signal
import sys
import termios
from typing import Any

from textual.app import App

from store import Database, StoreError, selfservice
from store.auth import Attempt

from .handoff import Handoff, read_fd

USER_AGENT = "userdesk-serve"


def self_service_app(db: Database, handoff: Handoff) -> App:
    from tui.selfservice.app import SelfServiceApp

    attempt = Attempt(app=selfservice.SELF_SERVICE_APP, ip=handoff.address, user_agent=USER_AGENT)
    return SelfServiceApp(db, attempt=attempt, exit_on_sign_out=True)


def admin_app(db: Database, handoff: Handoff) -> App:
    """The admin console as the verified admin (it asks for their TOTP code before showing anything)."""
    from store.admins import AdminIdentity
    from tui.admin.app import AdminApp

    identity = AdminIdentity(**(handoff.admin or {}))
    return AdminApp(db, admin=identity, key=handoff.key_fingerprint, address=handoff.address)


def build_app(db: Database, handoff: Handoff) -> App:
    return admin_app(db, handoff) if handoff.route == "admin" else self_service_app(db, handoff)


def _exit_on(app: App, *signals: int) -> None:
    """Turn these signals into a clean app exit (sign-out, terminal restored) instead of sudden death."""

    def handler(signum: int, _frame: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not running yet (or any more): just go
            raise SystemExit(128 + signum) from None
        loop.call_soon_threadsafe(app.exit)

    for sig in signals:
        signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.serve.child")
    parser.add_argument("--handoff-fd", type=int, required=True)
    args = parser.parse_args(argv)
    with contextlib.suppress(OSError):
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    return run(args.handoff_fd)


def run(handoff_fd: int) -> int:
    """Run the console the hand-off routes to, on the terminal at fds 0-2. Returns the exit status."""
    try:
        handoff = read_fd(handoff_fd)
        db = Database(handoff.db)
    except (OSError, ValueError, StoreError) as exc:
        print(f"userdesk: the console could not start: {exc}", file=sys.stderr)
        return 1
    try:
        app = build_app(db, handoff)
        _exit_on(app, signal.SIGTERM, signal.SIGHUP)
        app.run()
        return app.return_code or 0
    finally:
        db.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
