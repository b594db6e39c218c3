"""Account detail, Security tab: each action confirmed with a reason; Esc never changes anything."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from store import history, mfa, sessions, users
from store.errors import NotFound
from store.models import User
from tui.admin.detail.temp_password import TempPasswordDialog
from tui.widgets.confirm import ConfirmDialog

from .detail_seed import (
    ALICE_UID,
    BOB_UID,
    confirm_with,
    make_app,
    open_detail,
    plain,
    screen_text,
    settle,
    type_text,
)


def live_sessions(db) -> int:
    return len(sessions.list_sessions(db, users.get_user(db, ALICE_UID).id))


async def test_disable_enable_archive_with_reasons(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "security")
        assert live_sessions(db) == 3
        assert screen.check_action("tab_action", ("enable",)) is False  # already active: not offered
        await pilot.press("d")
        await confirm_with(pilot, "left company")
        assert users.get_user(db, ALICE_UID).status == "disabled"
        assert live_sessions(db) == 0
        entry = history.audit_log(db, target_uid=ALICE_UID, limit=1)[0]
        assert (entry.action, entry.reason, entry.actor) == ("user.disable", "left company", actor.name)
        assert history.changes_of(entry)["sessions_ended"] == [None, 3]
        assert " DISABLED " in plain(screen.query_one("#detail-header").content)
        assert screen.check_action("tab_action", ("enable",)) is True
        assert screen.check_action("tab_action", ("disable",)) is False
        await pilot.press("e")
        await confirm_with(pilot, "came back")
        assert users.get_user(db, ALICE_UID).status == "active"
        await pilot.press("a")
        await confirm_with(pilot, "retired")
        assert users.get_user(db, ALICE_UID).status == "archived"
        assert [e.reason for e in history.audit_log(db, target_uid=ALICE_UID, limit=3)] == [
            "retired",
            "came back",
            "left company",
        ]


@pytest.mark.slow
async def test_escape_or_no_reason_changes_nothing(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "security")
        audit_before = len(history.audit_log(db, target_uid=ALICE_UID, limit=500))
        await pilot.press("d")
        await pilot.press("enter")  # no reason typed: refused, dialog stays
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "A reason is required." in plain(app.screen.query_one("#confirm-error").content)
        await pilot.press("escape")
        await settle(pilot)
        for key in ("a", "delete", "m", "p"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is not screen
            await type_text(pilot, "oops")
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen
        user = users.get_user(db, ALICE_UID)
        assert (user.status, user.mfa_state, user.must_change_password) == ("active", "active", False)
        assert live_sessions(db) == 3
        assert len(history.audit_log(db, target_uid=ALICE_UID, limit=500)) == audit_before


async def test_unlock_clears_the_lock_and_failed_attempts_with_a_reason(db, actor, seeded):
    with db.write() as s:
        s.execute(update(User).where(User.uid == ALICE_UID).values(failed_attempts=5, locked_until=db.now() + 600))
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "security")
        text = screen_text(screen)
        assert "LOCKED until" in text and "5 failed attempt(s)" in text
        assert " LOCKED " in plain(screen.query_one("#detail-header").content)
        await pilot.press("u")
        await confirm_with(pilot, "verified by phone")
        user = users.get_user(db, ALICE_UID)
        assert (user.failed_attempts, user.locked_until) == (0, None)
        assert history.audit_log(db, target_uid=ALICE_UID, limit=1)[0].reason == "verified by phone"
        assert "LOCKED" not in screen_text(screen)
        assert screen.check_action("tab_action", ("unlock",)) is False


async def test_temporary_password_is_checked_twice_then_set_must_change_and_ends_sessions(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID, "security")
        old_hash = users.get_user(db, ALICE_UID).password_hash
        await pilot.press("p")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, TempPasswordDialog)
        assert dialog.query_one("#pw").password  # masked
        await pilot.press("ctrl+t")
        assert not dialog.query_one("#pw").password  # revealed
        assert dialog.query_one("#must-change").value is True  # on by default
        # Typed twice differently; then a policy failure; both shown in the dialog.
        await type_text(pilot, "one")
        dialog.query_one("#pw2").value = "two"
        dialog.submit()
        await pilot.pause()
        assert "differ" in plain(dialog.query_one(".dialog-error").content)
        dialog.query_one("#pw").value = dialog.query_one("#pw2").value = "short"
        dialog.submit()
        await settle(pilot)
        assert "too short" in plain(dialog.query_one(".dialog-error").content)
        await pilot.press("ctrl+g")  # generate: filled in twice and shown
        generated = dialog.query_one("#pw").value
        assert len(generated) >= 20 and generated == dialog.query_one("#pw2").value
        password = "plum orchard lantern 42"
        dialog.query_one("#pw").value = dialog.query_one("#pw2").value = password
        dialog.submit()
        await settle(pilot)
        await confirm_with(pilot, "user forgot password")
        user = users.get_user(db, ALICE_UID)
        assert user.password_hash != old_hash and user.must_change_password
        assert live_sessions(db) == 0
        entry = history.audit_log(db, target_uid=ALICE_UID, limit=1)[0]
        assert (entry.action, entry.reason) == ("user.set_password", "user forgot password")
        assert password not in (entry.changes or "")


async def test_mfa_reset_removes_totp_and_recovery_codes_with_a_reason(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "security")
        assert "10 of 10 recovery codes left" in screen_text(screen)
        await pilot.press("m")
        await confirm_with(pilot, "lost phone")
        user = users.get_user(db, ALICE_UID)
        assert user.mfa_state == "none" and user.totp_secret is None
        assert mfa.recovery_codes_left(db, user.id) == 0
        assert history.audit_log(db, target_uid=ALICE_UID, limit=1)[0].reason == "lost phone"
        assert "no TOTP" in screen_text(screen)
        assert screen.check_action("tab_action", ("reset_mfa",)) is False


async def test_delete_with_a_reason_returns_to_the_directory(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, BOB_UID, "security")
        await pilot.press("delete")
        await confirm_with(pilot, "duplicate account")
        assert app.screen is not screen
        with pytest.raises(NotFound):
            users.get_user(db, BOB_UID)
        assert history.audit_log(db, target_uid=BOB_UID, limit=1)[0].reason == "duplicate account"
