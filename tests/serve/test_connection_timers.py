"""Review fixes of `userdesk serve`: a connection that opens no console cannot hold its slot (login timeout after
authentication, maximum length per connection), and an admin key merely offered writes nothing to the database."""

from __future__ import annotations

import time
from pathlib import Path

import asyncssh
import pytest

from store import Actor, admins, users
from tui.serve.admins import AdminDirectory
from tui.serve.limits import Limits
from tui.serve.server import Connection, Gateway

from .helpers import connect, start_server, wait_until

pytestmark = pytest.mark.sqlite_only("SSH transport mechanics (login timeout, connection length)")

SETUP = Actor("setup")


async def test_authenticated_connection_without_a_console_is_closed(tmp_path: Path, live_db) -> None:
    """Signing in as `self` is free: two such connections must not keep both per-address slots for ever."""
    limits = Limits(max_per_ip=2, login_timeout=1.5, idle_timeout=600.0)
    served = await start_server(tmp_path, live_db, limits, prefork=False)
    try:
        held = [await connect(served.port) for _ in range(2)]  # authenticated, no console opened
        started = time.monotonic()
        for conn in held:
            await wait_until(lambda conn=conn: conn.is_closed(), timeout=15)
        assert time.monotonic() - started < 14
        await wait_until(lambda: served.gateway.gate.open_total == 0, timeout=5)
        third = await connect(served.port)  # the slots are free again
        third.close()
        await third.wait_closed()
    finally:
        await served.gateway.close()
    assert len(served.log_for(lambda line: "ended=no console opened after authentication" in line)) == 2


async def test_maximum_length_counts_per_connection(tmp_path: Path, live_db) -> None:
    limits = Limits(login_timeout=600.0, idle_timeout=600.0, max_session=2.0)
    served = await start_server(tmp_path, live_db, limits, prefork=False)
    try:
        conn = await connect(served.port)
        await wait_until(conn.is_closed, timeout=15)
    finally:
        await served.gateway.close()
    assert served.log_for(lambda line: "ended=maximum session length" in line)


async def test_an_offered_admin_key_is_marked_used_only_once_proven(tmp_path: Path, live_db) -> None:
    private = asyncssh.generate_private_key("ssh-ed25519")
    line = private.export_public_key("openssh").decode().strip()
    users.create_user(live_db, SETUP, {"username": "olga"})
    admins.grant(live_db, SETUP, "olga", "owner")
    admins.add_key(live_db, SETUP, "olga", line)

    # What asyncssh does for a key a client only offers (no signature): the look-up must not write.
    offered = Connection(Gateway(live_db, "unused", None, admins=AdminDirectory(live_db), log=lambda _: None))  # type: ignore[arg-type]
    assert offered.validate_public_key("olga", private.convert_to_public()) is True
    offered.auth_completed()
    assert offered.route is not None and offered.route.kind == "self"
    assert admins.list_keys(live_db, "olga")[0].last_used_at is None

    served = await start_server(tmp_path, live_db, prefork=False)
    try:
        conn = await connect(served.port, "olga", client_keys=[private], kbdint_auth=False)
        await wait_until(lambda: admins.list_keys(live_db, "olga")[0].last_used_at is not None, timeout=10)
        conn.close()
        await conn.wait_closed()
    finally:
        await served.gateway.close()
