"""Served over SSH, the self-service console exits (ending the connection) when its user signs out or is signed
out, instead of going back to the sign-in screen; the store session is ended either way."""

from __future__ import annotations

from store import sessions
from tests.selfservice.conftest import _cheap_argon2  # noqa: F401  (a cheap argon2 profile, as in the other Pilot tests)
from tests.selfservice.helpers import ADMIN, ATTEMPT, make_alice, settle, sign_in
from tui.selfservice.app import SelfServiceApp


def served_app(db) -> SelfServiceApp:
    return SelfServiceApp(db, attempt=ATTEMPT, poll_seconds=3600, exit_on_sign_out=True)


async def test_sign_out_exits_the_served_console(db) -> None:
    make_alice(db)
    app = served_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        sid = app.me.sid
        app.action_sign_out()
        await settle(pilot)
        assert not app.is_running
    assert not sessions.is_live(db, sid)


async def test_revoked_session_exits_the_served_console_with_its_reason(db) -> None:
    make_alice(db)
    app = served_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        sessions.revoke(db, ADMIN, app.me.sid, "suspicious")
        app.check_session()
        await settle(pilot)
        assert not app.is_running  # the reason is printed on exit (seen over SSH in test_revocation.py)
