"""Sign-in: password, then always a second step; the constant failure message; every attempt logged."""

from __future__ import annotations

from sqlmodel import select

from store import history, sessions, users
from store.auth import CHALLENGE_EXPIRED
from store.errors import AuthFailed
from store.models import App
from store.selfservice import NO_SECOND_STEP
from tests.conftest import PASSWORD

from .helpers import (
    NEW_PASSWORD,
    codes_sent,
    enter_code,
    latest_code,
    make_alice,
    make_app,
    make_bob,
    make_carol,
    make_dave,
    message,
    screen_name,
    settle,
    sign_in,
    submit_password,
    totp_at,
    type_into,
)


def last_attempt(db, user):
    return history.login_history(db, user.id, limit=1)[0]


async def test_email_code_sign_in_opens_a_self_service_session(db):
    alice = make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit_password(pilot, "alice")
        assert screen_name(app) == "SecondStepScreen"
        assert "a****@example.com" in message(app) or "a****@example.com" in str(app.screen.query_one("#how").content)
        assert latest_code(db) not in "".join(str(w.render()) for w in app.screen.query("Static"))
        await enter_code(pilot, latest_code(db, "alice@example.com"))
        assert screen_name(app) == "ProfileScreen"
        assert app.me is not None and app.me.user_id == alice.id
        [view] = sessions.list_sessions(db, alice.id)
        assert (view.app, view.method, view.user_agent) == ("self-service", "email_code", "userdesk-self-service")
    assert sessions.list_sessions(db, alice.id) == []  # closing the console ends its session
    event = last_attempt(db, alice)
    assert (event.method, event.success, event.app, event.ip) == ("email_code", True, "self-service", "203.0.113.9")
    with db.read() as s:
        assert s.exec(select(App).where(App.name == "self-service")).first() is not None  # made on first use


async def test_wrong_password_and_unknown_user_get_the_same_message(db):
    alice = make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit_password(pilot, "alice", "not the right password at all")
        wrong = message(app)
        await submit_password(pilot, "nobody-here", PASSWORD)
        unknown = message(app)
        assert screen_name(app) == "SignInScreen" and app.me is None
    assert wrong == unknown == AuthFailed.MESSAGE
    assert last_attempt(db, alice).reason == "wrong password"
    assert codes_sent(db) == 0


async def test_wrong_code_is_refused_and_logged(db):
    alice = make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit_password(pilot, "alice")
        good = latest_code(db)
        await enter_code(pilot, "000000" if good != "000000" else "111111")
        assert message(app) == AuthFailed.MESSAGE
        assert screen_name(app) == "SecondStepScreen" and app.me is None
        event = last_attempt(db, alice)
        assert (event.method, event.success, event.reason) == ("email_code", False, "wrong code")
        await enter_code(pilot, good)  # the right code still works after one mistake
        assert screen_name(app) == "ProfileScreen"
    assert users.get_user(db, "alice").failed_attempts == 0


async def test_expired_code_is_refused_and_the_sign_in_starts_again(db, clock):
    """Past the sign-in window no code can succeed: the console says so and goes back to the password (before, it
    showed the constant failure, and every further code failed the same way)."""
    alice = make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit_password(pilot, "alice")
        code = latest_code(db)
        clock.advance(db.policy.code_ttl_minutes * 60 + 1)
        await enter_code(pilot, code)
        assert app.me is None and screen_name(app) == "SignInScreen"
        assert (
            message(app)
            == f"This sign-in took more than {db.policy.code_ttl_minutes} minutes. Enter your password again."
        )
    assert last_attempt(db, alice).reason == "code expired"


async def test_a_late_totp_code_starts_the_sign_in_again(db, clock):
    bob, _ = make_bob(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit_password(pilot, "bob")
        clock.advance(db.policy.code_ttl_minutes * 60 + 1)
        await enter_code(pilot, totp_at(db))  # a good code, but step one is too old
        assert app.me is None and screen_name(app) == "SignInScreen"
        assert "took more than" in message(app)
    assert last_attempt(db, bob).reason == CHALLENGE_EXPIRED


async def test_a_wrong_code_in_time_keeps_the_second_step(db):
    make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit_password(pilot, "alice")
        await enter_code(pilot, "000000")
        assert message(app) == AuthFailed.MESSAGE and screen_name(app) == "SecondStepScreen"


async def test_resend_is_rate_limited_and_shows_the_wait(db, clock):
    make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit_password(pilot, "alice")
        first = latest_code(db)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert "wait 60 s" in message(app)
        assert codes_sent(db) == 1
        clock.advance(61)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert "new code is on its way" in message(app)
        assert codes_sent(db) == 2
        await enter_code(pilot, first)  # replaced by the new one
        assert app.me is None
        await enter_code(pilot, latest_code(db))
        assert screen_name(app) == "ProfileScreen"


async def test_totp_sign_in_and_replayed_code(db):
    bob, _ = make_bob(db)
    app = make_app(db)
    code = totp_at(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "bob", code)
        assert screen_name(app) == "ProfileScreen"
        await pilot.press("ctrl+o")  # sign out, then try the very same code again
        await settle(pilot)
        assert screen_name(app) == "SignInScreen" and app.me is None
        await sign_in(pilot, db, "bob", code)
        assert message(app) == AuthFailed.MESSAGE and app.me is None
    event = last_attempt(db, bob)
    assert (event.method, event.success, event.reason) == ("totp", False, "wrong or replayed TOTP code")
    assert codes_sent(db) == 0  # TOTP users are never sent codes


async def test_recovery_code_sign_in_works_once(db):
    bob, recovery = make_bob(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit_password(pilot, "bob")
        await pilot.press("ctrl+g")
        await enter_code(pilot, recovery[0])
        assert screen_name(app) == "ProfileScreen"
        await pilot.press("ctrl+o")
        await settle(pilot)
        await submit_password(pilot, "bob")
        await pilot.press("ctrl+g")
        await enter_code(pilot, recovery[0])
        assert message(app) == AuthFailed.MESSAGE
    assert last_attempt(db, bob).reason == "wrong or used recovery code"


async def test_no_verified_contact_and_no_totp_fails_safely(db):
    carol = make_carol(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit_password(pilot, "carol")
        assert screen_name(app) == "SignInScreen" and app.me is None
        assert message(app) == AuthFailed.MESSAGE
    event = last_attempt(db, carol)
    assert (event.success, event.reason) == (False, NO_SECOND_STEP)
    assert users.get_user(db, "carol").failed_attempts == 0  # the password was right: not a lockout strike
    assert codes_sent(db) == 0  # never to an unverified address
    assert sessions.list_sessions(db, carol.id) == []


async def test_lockout_applies_to_wrong_codes(db):
    make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit_password(pilot, "alice")
        for _ in range(db.policy.lockout_threshold):
            await enter_code(pilot, "999999")
            db.clock.advance(30)  # past the throttle between failures (store/lockout.py)
        await enter_code(pilot, latest_code(db))
        assert app.me is None and message(app) == AuthFailed.MESSAGE
    assert users.is_locked(users.get_user(db, "alice"), db.now())


async def test_forced_password_change_blocks_everything_else(db):
    dave = make_dave(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "dave", to="+14155550123")
        assert screen_name(app) == "ForcedPasswordScreen"
        for key in ("f2", "f3", "f4", "f5", "f6", "f7", "f8"):
            await pilot.press(key)
            await settle(pilot)
            assert screen_name(app) == "ForcedPasswordScreen"
        app.action_show_section("profile")
        assert screen_name(app) == "ForcedPasswordScreen"
        await type_into(pilot, "#new", "password1234567")
        await type_into(pilot, "#repeat", "password1234567")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "too common" in message(app)
        await type_into(pilot, "#new", PASSWORD)
        await type_into(pilot, "#repeat", PASSWORD)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "must differ" in message(app)
        await type_into(pilot, "#new", NEW_PASSWORD)
        await type_into(pilot, "#repeat", NEW_PASSWORD)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen_name(app) == "ProfileScreen"
        assert "Password changed" in message(app)
    user = users.get_user(db, "dave")
    assert not user.must_change_password
    entry = history.audit_log(db, target_uid=dave.uid, limit=3)
    assert any(e.action == "self.change_password" and e.actor == "self:dave" for e in entry)
