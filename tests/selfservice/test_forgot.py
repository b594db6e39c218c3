"""Forgot password: the same answer whether or not the account exists; code; new password under the policy."""

from __future__ import annotations

from store import history, sessions, users
from store.auth import Attempt, check_password, complete
from tests.conftest import PASSWORD

from .helpers import (
    NEW_PASSWORD,
    codes_sent,
    enter_code,
    latest_code,
    make_alice,
    make_app,
    make_bob,
    message,
    screen_name,
    screen_text,
    settle,
    type_into,
)


async def _ask(pilot, identifier: str) -> str:
    await pilot.press("ctrl+f")
    await settle(pilot)
    await type_into(pilot, "#identifier", identifier)
    await pilot.press("enter")
    await settle(pilot)
    return screen_text(pilot.app.screen)


async def test_unknown_and_known_accounts_get_the_same_answer(db) -> None:
    make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        unknown = await _ask(pilot, "nobody@example.com")
        assert app.screen.query_one("#steps").current == "step-code"
        await enter_code(pilot, "123456")
        refused = message(app)
        await pilot.press("escape")
        await settle(pilot)
        known = await _ask(pilot, "alice@example.com")
    assert unknown == known
    assert "If an account matches" in known
    assert refused.startswith("That code is not valid")
    assert codes_sent(db) == 1  # only to the real account


async def test_reset_with_code_then_policy_then_sign_in(db) -> None:
    alice = make_alice(db)
    other = complete(db, check_password(db, "alice", PASSWORD, Attempt()), "email_code", Attempt()).session
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ask(pilot, "alice")
        await enter_code(pilot, "000000" if latest_code(db) != "000000" else "111111")
        assert message(app).startswith("That code is not valid")
        await enter_code(pilot, latest_code(db, "alice@example.com"))
        assert app.screen.query_one("#steps").current == "step-password"
        await type_into(pilot, "#new", "alice martin 2024")
        await type_into(pilot, "#repeat", "alice martin 2024")
        await pilot.press("enter")
        await settle(pilot)
        assert "must not contain your username" in message(app)
        await type_into(pilot, "#new", NEW_PASSWORD)
        await type_into(pilot, "#repeat", NEW_PASSWORD + "x")
        await pilot.press("enter")
        await settle(pilot)
        assert "differ" in message(app)
        await type_into(pilot, "#repeat", NEW_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "SignInScreen"
        assert "Sign in with the new password" in message(app)
        assert not sessions.is_live(db, other.sid)  # every session of the account ended
        await type_into(pilot, "#identifier", "alice")
        await type_into(pilot, "#password", NEW_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "SecondStepScreen"  # the second step is still required
    entry = history.audit_log(db, target_uid=alice.uid, limit=5)
    assert any(e.action == "self.reset_password" and e.actor == "self:alice" for e in entry)
    reasons = [r.reason for r in history.login_history(db, alice.id, limit=10) if not r.success]
    assert "password reset: wrong code" in reasons


async def test_reset_does_not_bypass_totp(db) -> None:
    make_bob(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ask(pilot, "bob")
        await enter_code(pilot, latest_code(db, "bob@example.com"))
        await type_into(pilot, "#new", NEW_PASSWORD)
        await type_into(pilot, "#repeat", NEW_PASSWORD)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await type_into(pilot, "#identifier", "bob")
        await type_into(pilot, "#password", NEW_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "SecondStepScreen"
        assert "authenticator" in screen_text(app.screen)
    assert users.get_user(db, "bob").mfa_state == "active"
