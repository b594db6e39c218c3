"""Over SSH, end users sign in to the self-service console (password, then a TOTP code); revoking the session,
or disabling the user, closes the SSH connection within seconds and leaves nothing running."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyotp

from store import mfa, sessions, users
from tests.conftest import PASSWORD
from tests.selfservice.helpers import ADMIN, TOTP_SECRET, make_bob

from .helpers import Screen, open_console, process_gone, start_server

CLOSE_WITHIN = 12.0  # the console checks its session every 3 s; generous for a loaded machine


async def sign_in(screen: Screen, username: str) -> None:
    await screen.wait_for("sign in to your account")
    await asyncio.sleep(0.5)  # keys sent in the console's first instants can go before its focus is set
    screen.type(username)
    await screen.wait_for(username)
    await asyncio.sleep(0.3)
    screen.type("\t")  # to the password field
    await asyncio.sleep(0.3)
    screen.type(PASSWORD)  # masked, drawn cell by cell: nothing to wait for on the wire
    await asyncio.sleep(0.3)
    screen.type("\r")
    await screen.wait_for("6-digit code")
    screen.type(pyotp.TOTP(TOTP_SECRET).now() + "\r")
    await screen.wait_for(f"signed in as {username}")


async def test_revoked_session_and_disabled_user_close_their_connections(tmp_path: Path, live_db) -> None:
    """Two end users at once (as `self` and as any other SSH user): one session revoked, the other user disabled."""
    bob, _ = make_bob(live_db)
    make_carl(live_db)
    served = await start_server(tmp_path, live_db)
    try:
        (bob_conn, _, bob_screen), (carl_conn, _, carl_screen) = await asyncio.gather(
            open_console(served.port), open_console(served.port, username="carl")
        )
        await asyncio.gather(sign_in(bob_screen, "bob"), sign_in(carl_screen, "carl"))
        pids = served.gateway.session_pids()
        assert len(pids) == 2
        [session] = sessions.list_sessions(live_db, bob.id)
        assert session.ip == "127.0.0.1" and session.user_agent == "userdesk-serve"
        sessions.revoke_all(live_db, ADMIN, bob.id, "test")
        users.disable_user(live_db, ADMIN, "carl", "left")
        said_to_bob, _ = await asyncio.gather(bob_screen.rest(CLOSE_WITHIN), carl_screen.rest(CLOSE_WITHIN))
        assert "Your session was ended" in said_to_bob
        assert all(process_gone(pid) for pid in pids)
        bob_conn.close()
        carl_conn.close()
    finally:
        await served.gateway.close()
    assert sum("route=self" in line and "ended=console exited" in line for line in served.lines) == 2


def make_carl(db) -> None:
    """Like bob: TOTP with the same secret (each sign-in uses its own account's replay guard)."""
    users.create_user(db, ADMIN, {"username": "carl"}, password=PASSWORD)
    mfa.enroll(db, ADMIN, "carl")
    with db.write() as s:
        users.require_user(s, "carl").totp_secret = db.keys.encrypt(TOTP_SECRET)
    mfa.confirm(db, ADMIN, "carl", pyotp.TOTP(TOTP_SECRET).at(db.now() - 30))
