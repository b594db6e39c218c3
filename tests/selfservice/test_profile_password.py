"""Own profile (only "U" fields and user-editable custom fields) and password change."""

from __future__ import annotations

import pytest

from store import custom, history, sessions, users
from store.auth import Attempt, check_password, complete
from tests.conftest import PASSWORD

from .helpers import (
    ADMIN,
    NEW_PASSWORD,
    make_alice,
    make_app,
    message,
    screen_name,
    screen_text,
    settle,
    sign_in,
    type_into,
)


async def test_edit_profile_and_user_editable_custom_field(db) -> None:
    alice = make_alice(db)
    custom.define_field(db, ADMIN, "shirt", "enum", label="Shirt size", options=["S", "M", "L"], user_editable=True)
    custom.define_field(db, ADMIN, "badge", "number", label="Badge number")
    custom.set_value(db, ADMIN, "alice", "badge", "4711")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        screen = app.screen
        assert not screen.query("#c-badge")  # admin-only: shown, not editable
        assert "Badge number" in screen_text(screen) and "4711" in screen_text(screen)
        assert not screen.query("#f-email") and not screen.query("#f-given_name")
        await type_into(pilot, "#f-city", "[b]Leeds[/b]")
        screen.query_one("#c-shirt").value = "M"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert message(app) == "Saved."
        assert app.screen.query_one("#f-city").value == "[b]Leeds[/b]"  # markup stays literal
        await type_into(pilot, "#f-birthdate", "31/12/1990")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "YYYY-MM-DD" in message(app)
        assert app.focused.id == "f-birthdate"
    user = users.get_user(db, "alice")
    assert user.city == "[b]Leeds[/b]" and user.birthdate is None
    assert {v.field.key: v.value for v in custom.user_values(db, alice.id)} == {"shirt": "M", "badge": "4711"}
    actions = {(e.action, e.actor) for e in history.audit_log(db, target_uid=alice.uid, limit=10)}
    assert ("self.update", "self:alice") in actions and ("data.set", "self:alice") in actions


async def test_profile_conflict_when_changed_meanwhile(db) -> None:
    make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        users.update_user(db, ADMIN, "alice", {"company": "Acme"})  # an admin saves in between
        await type_into(pilot, "#f-city", "Paris")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "changed elsewhere" in message(app)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen.query_one("#f-company").value == "Acme"
    assert users.get_user(db, "alice").city == "London"


@pytest.mark.slow
async def test_change_password_with_refusals_then_end_other_sessions(db) -> None:
    alice = make_alice(db)
    other = complete(db, check_password(db, "alice", PASSWORD, Attempt()), "email_code", Attempt()).session
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await pilot.press("f3")
        await settle(pilot)
        assert screen_name(app) == "PasswordScreen"

        async def attempt(current: str, new: str, repeat: str | None = None) -> str:
            await type_into(pilot, "#current", current)
            await type_into(pilot, "#new", new)
            await type_into(pilot, "#repeat", new if repeat is None else repeat)
            await pilot.press("ctrl+s")
            await settle(pilot)
            return message(app) if screen_name(app) == "PasswordScreen" else ""

        assert await attempt("wrong password guess", NEW_PASSWORD) == "Your current password is not correct."
        assert "too short" in await attempt(PASSWORD, "short one")
        assert "too common" in await attempt(PASSWORD, "passwordpassword")
        assert "differ" in await attempt(PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")
        await attempt(PASSWORD, NEW_PASSWORD)
        assert screen_name(app) == "ConfirmDialog"
        assert "1 other session" in screen_text(app.screen)
        await pilot.press("y")
        await settle(pilot)
        assert "1 other session(s) signed out" in message(app)
        assert app.me is not None and sessions.is_live(db, app.me.sid)
    assert not sessions.is_live(db, other.sid)
    failures = [r for r in history.login_history(db, alice.id, limit=20) if not r.success]
    assert any(r.reason == "self-service password change: wrong current password" for r in failures)
    check_password(db, "alice", NEW_PASSWORD, Attempt())
