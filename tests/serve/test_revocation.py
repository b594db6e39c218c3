"""Over SSH, an end user signs in to the self-service console (password, then a TOTP code); revoking the session,
or disabling the user, closes the SSH connection within seconds and leaves nothing running."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyotp

from store import sessions, users
from tests.conftest import PASSWORD
from tests.selfservice.helpers import ADMIN, TOTP_SECRET, make_bob

from .helpers import Screen, open_console, process_gone, start_server

CLOSE_WITHIN = 12.0  # the console checks its session every 3 s; generous for a loaded machine


async def sign_in_bob(screen: Screen) -> None:
    await screen.wait_for("sign in to your account")
    await asyncio.sleep(0.5)  # keys sent in the console's first instants can go before its focus is set
    screen.type("bob")
    await screen.wait_for("bob")
    await asyncio.sleep(0.3)
    screen.type("\t")  # to the password field
    await asyncio.sleep(0.3)
    screen.type(PASSWORD)  # masked, drawn cell by cell: nothing to wait for on the wire
    await asyncio.sleep(0.3)
    screen.type("\r")
    await screen.wait_for("6-digit code")
    screen.type(pyotp.TOTP(TOTP_SECRET).now() + "\r")
    await screen.wait_for("signed in as bob")


async def test_revoked_session_closes_the_connection(tmp_path: Path, live_db) -> None:
    bob, _ = make_bob(live_db)
    served = await start_server(tmp_path, live_db)
    try:
        conn, _process, screen = await open_console(served.port)
        await sign_in_bob(screen)
        [pid] = served.gateway.session_pids()
        [session] = sessions.list_sessions(live_db, bob.id)
        assert session.ip == "127.0.0.1" and session.user_agent == "userdesk-serve"
        sessions.revoke_all(live_db, ADMIN, bob.id, "test")
        said = await screen.rest(timeout=CLOSE_WITHIN)
        assert "Your session was ended" in said
        assert process_gone(pid)
        conn.close()
    finally:
        await served.gateway.close()
    assert any("route=self" in line and "ended=console exited" in line for line in served.lines)


async def test_disabled_user_is_disconnected(tmp_path: Path, live_db) -> None:
    make_bob(live_db)
    served = await start_server(tmp_path, live_db)
    try:
        conn, _process, screen = await open_console(served.port, username="bob")  # any user without an admin key
        await sign_in_bob(screen)
        [pid] = served.gateway.session_pids()
        users.disable_user(live_db, ADMIN, "bob", "left")
        await screen.rest(timeout=CLOSE_WITHIN)
        assert process_gone(pid)
        conn.close()
    finally:
        await served.gateway.close()
