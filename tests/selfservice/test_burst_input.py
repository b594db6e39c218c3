"""Type-ahead (issue 8, item 15): input that arrives in one burst lands where slow typing would put it.

A password manager's auto-type sends "user<Tab>password<Enter>" at once; the terminal driver posts all
those keys to the app back to back. `burst` does the same through `pilot.press` with its pause between
keys taken out (Pilot normally waits for the app to go idle after every key, which hides the bug).
Covers the self-service sign-in, second step and password change, and the admin temporary-password dialog
followed by its reason prompt (both consoles share the one router, tui/widgets/type_ahead.py).
"""

from __future__ import annotations

from textual.widgets import Input

from store import history, users
from store.passwords import verify_password
from tests.conftest import PASSWORD
from tests.pilot import burst
from tests.pilot import settle as pilot_settle

from .helpers import NEW_PASSWORD, make_alice, make_app, make_bob, screen_name, sign_in, totp_at


async def test_sign_in_burst_puts_the_password_in_the_password_field_every_time(db, monkeypatch):
    make_bob(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        for attempt in range(5):
            await pilot_settle(pilot)
            assert screen_name(app) == "SignInScreen", attempt
            sign_in_screen = app.screen
            sign_in_screen.query_one("#identifier", Input).value = ""
            sign_in_screen.query_one("#identifier", Input).focus()
            await pilot.pause()
            await burst(pilot, monkeypatch, "bob\t" + PASSWORD + "\r")
            assert sign_in_screen.query_one("#identifier", Input).value == "bob", attempt
            assert screen_name(app) == "SecondStepScreen", attempt
            await pilot.press("escape")  # back to the sign-in screen for the next round
        assert not app.ui_errors


async def test_second_step_burst_signs_in(db, monkeypatch):
    make_bob(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await burst(pilot, monkeypatch, "bob\t" + PASSWORD + "\r")
        assert screen_name(app) == "SecondStepScreen"
        await burst(pilot, monkeypatch, totp_at(db) + "\r")
        assert screen_name(app) == "ProfileScreen"
        assert app.me is not None and app.me.username == "bob"


async def test_password_change_burst_fills_each_field_in_turn(db, monkeypatch):
    make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await pilot.press("f3")
        await pilot_settle(pilot)
        assert screen_name(app) == "PasswordScreen"
        await burst(pilot, monkeypatch, f"{PASSWORD}\t{NEW_PASSWORD}\t{NEW_PASSWORD}\r")
        assert not app.ui_errors
    user = users.get_user(db, "alice")
    assert verify_password(user.password_hash, NEW_PASSWORD)


async def test_admin_temporary_password_and_reason_burst(db, actor, monkeypatch):
    from tests.admin.detail_seed import ALICE_UID, open_detail, seed
    from tests.admin.detail_seed import make_app as make_admin_app
    from tui.admin.detail import UserDetailScreen

    monkeypatch.setattr(UserDetailScreen, "LIVE_SECONDS", 3600.0)
    seed(db)
    app = make_admin_app(db, actor)
    temporary = "plum orchard lantern 42"
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("p")
        await pilot_settle(pilot)
        assert type(app.screen).__name__ == "TempPasswordDialog"
        await burst(pilot, monkeypatch, f"{temporary}\t{temporary}\rforgot it\r")
        assert type(app.screen).__name__ == "UserDetailScreen", type(app.screen).__name__
    entry = history.audit_log(db, target_uid=ALICE_UID, limit=1)[0]
    assert entry.reason == "forgot it"
    assert verify_password(users.get_user(db, ALICE_UID).password_hash, temporary)
