"""Email and phone: the code goes to the NEW address; removing the last way to sign in is refused."""

from __future__ import annotations

from store import history, users
from tests.pilot import plain

from .helpers import (
    ADMIN,
    latest_code,
    make_alice,
    make_app,
    message,
    outbox_messages,
    screen_name,
    screen_text,
    settle,
    sign_in,
    type_into,
)


async def _open_change(pilot, row: int) -> None:
    await pilot.press("f5")
    await settle(pilot)
    table = pilot.app.screen.query_one("#contacts")
    table.move_cursor(row=row)
    await pilot.press("c")
    await settle(pilot)
    if screen_name(pilot.app) == "StepUpScreen":  # a new address needs a fresh verification first
        await type_into(pilot, "#stepup-code", latest_code(pilot.app.db, "alice@example.com"))
        await pilot.press("enter")
        await settle(pilot)


async def test_change_email_needs_the_code_sent_to_the_new_address(db, clock) -> None:
    alice = make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await _open_change(pilot, 0)
        assert screen_name(app) == "ContactChangeScreen"
        await type_into(pilot, "#contact-value", "not-an-address")
        await pilot.press("enter")
        await settle(pilot)
        assert "not a valid address" in message(app)
        await type_into(pilot, "#contact-value", "Alice.New@Example.org")
        await pilot.press("enter")
        await settle(pilot)
        assert "a********@example.org" in screen_text(app.screen)
        code = latest_code(db, "alice.new@example.org")
        await type_into(pilot, "#contact-code", "000000" if code != "000000" else "111111")
        await pilot.press("enter")
        await settle(pilot)
        assert "not valid" in message(app)
        assert users.get_user(db, "alice").email == "alice@example.com"  # nothing changes before the code
        clock.advance(db.policy.code_ttl_minutes * 60 + 1)
        await type_into(pilot, "#contact-code", code)
        await pilot.press("enter")
        await settle(pilot)
        assert "expired" in message(app)
        clock.advance(61)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await type_into(pilot, "#contact-code", latest_code(db, "alice.new@example.org"))
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "ContactsScreen"
        assert "alice.new@example.org" in screen_text(app.screen) and "verified" in screen_text(app.screen)
    user = users.get_user(db, "alice")
    assert (user.email, user.email_verified) == ("alice.new@example.org", True)
    assert any("To: alice@example.com" in m and "was changed" in m for m in outbox_messages(db))  # old address told
    entry = history.audit_log(db, target_uid=alice.uid, limit=1)[0]
    assert (entry.action, entry.actor) == ("self.change_email", "self:alice")


async def test_verify_an_unverified_phone_then_remove_email(db) -> None:
    make_alice(db, phone="+447700900123")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await pilot.press("f5")
        await settle(pilot)
        table = app.screen.query_one("#contacts")
        table.move_cursor(row=0)
        await pilot.press("x")  # email is the only verified address and there is no TOTP
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert screen_name(app) == "StepUpScreen"
        await type_into(pilot, "#stepup-code", latest_code(db, "alice@example.com"))
        await pilot.press("enter")
        await settle(pilot)
        assert "last way to confirm a sign-in" in message(app)
        assert users.get_user(db, "alice").email == "alice@example.com"
        await _open_change(pilot, 1)
        assert app.screen.query_one("#contact-value").value == "+447700900123"  # verify the current one
        await pilot.press("enter")
        await settle(pilot)
        await type_into(pilot, "#contact-code", latest_code(db, "+447700900123"))
        await pilot.press("enter")
        await settle(pilot)
        assert users.get_user(db, "alice").phone_verified
        app.screen.query_one("#contacts").move_cursor(row=0)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")  # still fresh from the step-up a moment ago
        await settle(pilot)
        assert "was removed" in message(app)
    user = users.get_user(db, "alice")
    assert (user.email, user.phone, user.phone_verified) == (None, "+447700900123", True)


async def test_email_cannot_be_set_to_one_already_in_use(db) -> None:
    make_alice(db)
    users.create_user(db, ADMIN, {"username": "zoe", "email": "zoe@example.com"})
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await _open_change(pilot, 0)
        await type_into(pilot, "#contact-value", "zoe@example.com")
        await pilot.press("enter")
        await settle(pilot)
        how = plain(app.screen.query_one("#contact-how").content)
        assert "We sent a 6-digit code to" in how and "already" not in message(app)  # issue 13 item 11
        await type_into(pilot, "#contact-code", "123456")
        await pilot.press("enter")
        await settle(pilot)
        assert "already" not in message(app) and "zoe" not in message(app)
        await pilot.press("escape")
        await settle(pilot)
        assert screen_name(app) == "ContactsScreen"
    assert users.get_user(db, "zoe").email == "zoe@example.com"
