"""Account detail: changes that remove a user's last way in say so and offer the fixes; verify by a reason or a code;
every account action in the palette from any tab; every tab's footer fits 80 columns."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input

from store import delivery_queue, history, mfa, users
from store.verification import SIGN_IN_RULE
from tests.store.test_sessions_data import outbox_code
from tui.admin.detail.screen import TAB_IDS
from tui.admin.detail.way_in import VerifyCodeDialog, WayInFixDialog
from tui.widgets.commands import BindingCommands, command_help, command_title, palette_entries, split_description
from tui.widgets.confirm import ConfirmDialog

from .detail_seed import ALICE_UID, confirm_with, make_app, open_detail, plain, screen_text, settle
from .screen_dump import footer_line, screen_lines

EDIT = (*users.PROFILE_FIELDS, "email_verified", "phone_verified")


def dialog_text(app) -> str:
    return "\n".join(screen_lines(app))


async def test_mfa_reset_warns_when_totp_is_the_last_way_in_and_offers_the_fix(db, actor, seeded):
    users.update_user(db, actor, ALICE_UID, {"email_verified": False}, allowed=EDIT)
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        detail = plain(app.screen.query_one("#confirm-detail").content)
        assert "password alone" not in detail
        assert "cannot finish signing in" in detail and SIGN_IN_RULE in detail
        assert "mark the email verified (with a reason)" in detail
        await confirm_with(pilot, "lost phone")
        await settle(pilot)
        assert isinstance(app.screen, WayInFixDialog)
        assert app.screen.focused is app.screen.query_one("#fix-mark_email", Button)
        await pilot.press("enter")  # the first fix: mark the email verified, with a reason
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await confirm_with(pilot, "called them on the number on file")
        user = users.get_user(db, ALICE_UID)
        assert (user.mfa_state, user.email_verified) == ("none", True)
        entry = history.audit_log(db, target_uid=ALICE_UID, limit=1)[0]
        assert (entry.action, entry.reason) == ("user.mark_verified", "called them on the number on file")


async def test_mfa_reset_with_a_verified_address_says_how_they_sign_in(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("m")
        await settle(pilot)
        detail = plain(app.screen.query_one("#confirm-detail").content)
        assert "code sent to their verified email or phone" in detail
        assert "cannot finish" not in detail
        await pilot.press("escape")


async def test_mfa_reset_of_an_unfinished_setup_says_so(db, actor, seeded):
    """A pending TOTP set-up has no authenticator and no recovery codes to remove: the text says what happens."""
    from store.models import User

    with db.write() as s:
        user = s.get(User, users.get_user(db, ALICE_UID).id)
        user.mfa_state = "pending"
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("m")
        await settle(pilot)
        detail = plain(app.screen.query_one("#confirm-detail").content)
        assert "Cancels their unfinished TOTP set-up." in detail
        assert "authenticator" not in detail and "recovery code" not in detail
        await pilot.press("escape")


async def test_email_change_warns_then_verifies_by_code(db, actor, seeded, config):
    mfa.reset(db, actor, ALICE_UID, "setup")  # the verified email is alice's only second step now
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID)
        screen.query_one("#field-email", Input).value = "alice@northwind.example"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "cannot finish signing in" in plain(app.screen.query_one("#confirm-detail").content)
        await pilot.press("escape")  # Esc: nothing saved
        await settle(pilot)
        assert users.get_user(db, ALICE_UID).email == "alice@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert users.get_user(db, ALICE_UID).email == "alice@northwind.example"
        assert isinstance(app.screen, WayInFixDialog)
        app.screen.query_one("#fix-code_email", Button).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, VerifyCodeDialog)
        await pilot.press("enter")  # Send code (focused)
        await settle(pilot)
        assert delivery_queue.drain(10)
        code = outbox_code(config)
        assert app.screen.focused is app.screen.query_one("#code", Input)
        await pilot.press(*code, "enter")
        await settle(pilot)
        assert app.screen is screen
        user = users.get_user(db, ALICE_UID)
        assert (user.email, user.email_verified) == ("alice@northwind.example", True)
        assert "code to verified email" in screen_text(screen)


async def test_wrong_code_is_refused_in_the_dialog(db, actor, seeded, config):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("c")  # alice's phone is not verified
        await settle(pilot)
        assert isinstance(app.screen, VerifyCodeDialog) and app.screen.kind == "phone"
        await pilot.press("enter")
        await settle(pilot)
        assert delivery_queue.drain(10)
        code = outbox_code(config)
        await pilot.press(*("000000" if code != "000000" else "111111"), "enter")
        await settle(pilot)
        assert isinstance(app.screen, VerifyCodeDialog)
        assert "not accepted" in dialog_text(app)
        assert users.get_user(db, ALICE_UID).phone_verified is False
        await pilot.press("escape")


async def test_mark_phone_verified_needs_a_reason(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("V")
        await settle(pilot)
        await pilot.press("enter")  # no reason: refused
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await confirm_with(pilot, "HR record")
        assert users.get_user(db, ALICE_UID).phone_verified is True


@pytest.mark.slow
async def test_palette_reaches_every_account_action_from_any_tab(db, actor, seeded):
    users.unlock_user(db, actor, ALICE_UID)
    with db.write() as s:
        from store.models import User

        user = s.exec(users.select(User).where(User.uid == ALICE_UID)).one()
        user.failed_attempts = 2
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID)
        hits = [h async for h in BindingCommands(screen).discover()]
        titles = {h.text for h in hits}
        for title in ("Unlock: clear the sign-in lock and the failed attempts", "Revoke the highlighted session"):
            assert title in titles
        assert "Enable the account again" not in titles  # alice is active: not offered
        revoke = next(h for h in hits if h.text == "Revoke the highlighted session")
        assert "Sessions tab · key: x" in str(revoke.help)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"revoke the highlighted")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.active_tab == "sessions"  # a row action: the tab is shown, the admin picks the session
        assert app.screen is screen
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # the revoke confirmation, on the sessions tab
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"unlock: clear")
        await pilot.pause(0.3)
        await pilot.press("enter")  # not a row action: it runs at once, on the Security tab
        await settle(pilot)
        assert screen.active_tab == "security"
        assert isinstance(app.screen, ConfirmDialog)
        await confirm_with(pilot, "user called")
        assert users.get_user(db, ALICE_UID).failed_attempts == 0


def test_palette_descriptions_keep_inner_parentheses():
    assert split_description("Add the selected users (or the highlighted one) to a group") == (
        "Add the selected users (or the highlighted one) to a group",
        "",
    )
    assert split_description("Filter the login history (result, app, IP, dates)") == (
        "Filter the login history",
        "result, app, IP, dates",
    )
    assert split_description("Back (from a field (any): leave it)") == ("Back", "from a field (any): leave it")
    assert split_description("(only a parenthetical)") == ("(only a parenthetical)", "")


@pytest.mark.slow
async def test_palette_entries_read_well(db, actor, seeded):
    """No palette title or help line with an unbalanced parenthesis (a description cut in the middle)."""
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        for tab in TAB_IDS:
            screen = await open_detail(pilot, ALICE_UID, tab)

            for entry in palette_entries(screen):
                for text in (command_title(entry), command_help(entry)):
                    assert text.count("(") == text.count(")"), text
            await pilot.press("escape")
            await settle(pilot)


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_every_tab_footer_fits(db, actor, seeded, size):
    app = make_app(db, actor)
    async with app.run_test(size=size) as pilot:
        for tab in TAB_IDS:
            await open_detail(pilot, ALICE_UID, tab)
            footer = footer_line(app).rstrip()
            assert footer.endswith("F1 Help"), (tab, footer)
            await pilot.press("escape")
            await settle(pilot)


@pytest.mark.parametrize("state", ["archived", "locked"])
async def test_security_footer_fits_80_columns_in_the_fullest_states(db, actor, seeded, state):
    from store.models import User

    with db.write() as s:
        user = s.exec(users.select(User).where(User.uid == ALICE_UID)).one()
        user.failed_attempts = 3  # alice has TOTP and an unverified phone: MFA and Code are offered too
        if state == "archived":
            user.status = "archived"
        else:
            user.locked_until = db.now() + 600
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID, "security")
        footer = footer_line(app).rstrip()
        assert footer.endswith("F1 Help"), footer
        for label in ("p Password", "m MFA", "c Code"):
            assert label in footer
        assert ("e Enable" in footer) is (state == "archived")
        assert ("u Unlock" in footer) is (state == "locked")


@pytest.mark.parametrize(
    ("role", "code", "mark"),
    [("owner", True, True), ("user_admin", True, True), ("helpdesk", True, False), ("auditor", False, False)],
)
async def test_verify_actions_follow_the_role(db, seeded, role, code, mark):
    from store import Actor

    admin = Actor("someone", kind="admin", role=role, key="local")
    app = make_app(db, admin)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "security")  # alice's phone is not verified
        assert bool(screen.check_action("tab_action", ("send_code",))) is code
        assert bool(screen.check_action("tab_action", ("mark_phone_verified",))) is mark
        titles = {e.description for e in palette_entries(screen)}
        assert ("Mark the phone verified (a reason is required)" in titles) is mark
