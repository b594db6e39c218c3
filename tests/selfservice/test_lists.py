"""Own sign-in history, sessions (sign out another), linked identities and apps."""

from __future__ import annotations

import contextlib

from store import access, identities, sessions
from store.auth import Attempt, check_password, complete
from store.errors import AuthFailed
from store.models import User
from tests.conftest import PASSWORD
from tui.widgets.commands import palette_entries

from .helpers import (
    ADMIN,
    latest_code,
    make_alice,
    make_app,
    message,
    screen_name,
    screen_text,
    settle,
    sign_in,
    type_into,
)


async def test_history_shows_attempts_without_admin_reasons(db) -> None:
    make_alice(db)
    with contextlib.suppress(AuthFailed):
        check_password(db, "alice", "definitely wrong password", Attempt(app=None, ip="198.51.100.7"))
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await pilot.press("f6")
        await settle(pilot)
        text = screen_text(app.screen)
        assert "\u2717 password" in text and "198.51.100.7" in text
        assert "\u2713 email code" in text and "203.0.113.9" in text
        assert "wrong password" not in text  # failure reasons are for admins
        assert "Older" not in {e.title for e in palette_entries(app.screen)}  # one page only


async def test_history_pages_with_a_keyset_cursor(db) -> None:
    alice = make_alice(db)
    for n in range(60):
        with contextlib.suppress(AuthFailed):
            check_password(db, "alice", f"wrong {n}", Attempt(ip=f"198.51.100.{n}"))
        with db.write() as s:  # keep alice unlocked
            s.get(User, alice.id).failed_attempts = 0
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await pilot.press("f6")
        await settle(pilot)
        first = screen_text(app.screen)
        assert "page 1" in first
        await pilot.press("n")
        await settle(pilot)
        second = screen_text(app.screen)
        assert "page 2" in second and "198.51.100.0" in second and "198.51.100.0 " not in first
        await pilot.press("p")
        await settle(pilot)
        assert "page 1" in screen_text(app.screen)


async def test_sessions_list_and_sign_out_another(db) -> None:
    make_alice(db)
    other = complete(
        db, check_password(db, "alice", PASSWORD, Attempt(ip="192.0.2.44")), "email_code", Attempt(ip="192.0.2.44")
    ).session
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await pilot.press("f7")
        await settle(pilot)
        text = screen_text(app.screen)
        assert "this" in text and "192.0.2.44" in text
        table = app.screen.query_one("#sessions")
        table.move_cursor(row=0)  # this console's own session is first
        await pilot.press("x")
        await settle(pilot)
        assert "use Sign out" in message(app)
        table.move_cursor(row=1)
        await pilot.press("x")
        await settle(pilot)
        assert screen_name(app) == "ConfirmDialog"
        await pilot.press("y")
        await settle(pilot)
        assert screen_name(app) == "StepUpScreen"  # ending sessions needs a re-authentication (ASVS 7.5.2)
        await type_into(pilot, "#stepup-code", latest_code(db, "alice@example.com"))
        await pilot.press("enter")
        await settle(pilot)
        assert "signed out" in message(app)
        assert "192.0.2.44" not in screen_text(app.screen)
        assert sessions.is_live(db, app.me.sid)
    assert not sessions.is_live(db, other.sid)


async def test_identities_unlink_and_apps(db) -> None:
    alice = make_alice(db)
    identities.link(db, ADMIN, "alice", "github", "alice-gh")
    access.create_app(db, ADMIN, "payroll", "deny")
    access.create_app(db, ADMIN, "wiki")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await pilot.press("f8")
        await settle(pilot)
        text = screen_text(app.screen)
        assert "github | alice-gh" in text
        assert "payroll | not available" in text and "wiki | available" in text
        assert "default" not in text and "deny" not in text  # the policy reason is for admins
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert screen_name(app) == "StepUpScreen"
        await type_into(pilot, "#stepup-code", latest_code(db, "alice@example.com"))
        await pilot.press("enter")
        await settle(pilot)
        assert "unlinked" in message(app)
    assert identities.list_identities(db, alice.id) == []
