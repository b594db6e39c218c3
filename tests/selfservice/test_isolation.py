"""The self-service console only ever acts on the signed-in user, and signed out it offers nothing but
sign-in and "forgot password"."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Static

from store import custom, identities, sessions, users
from store import selfservice as ss
from store.auth import Attempt, check_password, complete
from store.errors import NotFound, ValidationError
from tests.conftest import PASSWORD
from tui.selfservice import app as app_module
from tui.selfservice.base import AccountScreen, account_bindings
from tui.widgets.commands import palette_entries
from tui.widgets.help import HelpScreen

from .helpers import (
    ADMIN,
    latest_code,
    make_alice,
    make_app,
    make_bob,
    message,
    plain,
    screen_name,
    settle,
    sign_in,
    signed_in,
    submit_password,
    totp_at,
    type_into,
)

PACKAGE = Path(app_module.__file__).parent


def test_console_imports_nothing_from_the_admin_console() -> None:
    code = (
        "import sys, tui.selfservice.app, tui.widgets.qr; "
        "bad = sorted(m for m in sys.modules if m == 'tui.admin' or m.startswith('tui.admin.')); "
        "print(','.join(bad))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2], check=True
    )
    assert done.stdout.strip() == ""


def test_no_module_of_the_console_names_admin_code_or_the_directory() -> None:
    """Statically too: no import of tui.admin, and no directory search (it lists other users)."""
    for path in [*PACKAGE.glob("*.py"), PACKAGE.parent / "widgets" / "qr.py"]:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")] + [a.name for a in node.names]
            for name in names:
                assert "admin" not in name, f"{path.name} imports {name}"
                assert "directory" not in name, f"{path.name} imports {name}"


async def test_signed_out_app_offers_only_sign_in_and_forgot_password(db) -> None:
    make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        assert [type(s).__name__ for s in app.screen_stack] == ["Screen", "SignInScreen"]
        offered = {e.title for e in palette_entries(app.screen)}
        assert offered == {"Sign in", "Show password", "Forgot password", "Help", "Quit"}
        for key in ("f2", "f3", "f4", "f5", "f6", "f7", "f8", "ctrl+o"):
            await pilot.press(key)
            await settle(pilot)
            assert screen_name(app) == "SignInScreen" and app.me is None
        for section in app_module.SECTION_SCREENS:  # even called directly, as a crafted action would
            app.action_show_section(section)
            await settle(pilot)
            assert screen_name(app) == "SignInScreen"
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert screen_name(app) == "ForgotPasswordScreen"
        offered = {e.title for e in palette_entries(app.screen)}
        assert offered == {"Continue", "Back", "Help", "Quit"}  # resend and reveal come with later steps


@pytest.mark.slow
async def test_every_action_has_a_key_a_palette_entry_and_a_help_line(db) -> None:
    make_alice(db)
    _bob, _ = make_bob(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        for section, screen_class in app_module.SECTION_SCREENS.items():
            app.action_show_section(section)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AccountScreen)
            actions = palette_entries(screen)
            descriptions = {a.title for a in actions}
            for binding in screen_class.BINDINGS:  # the section's own keys (enabled ones appear in the palette)
                assert binding.description and binding.tooltip and binding.id, binding
                assert binding.show or binding.action.startswith("app.show_section"), binding  # else: in the sidebar
            for binding in account_bindings():
                assert binding.description in descriptions
            assert {"Help", "Quit", "Sign out"} <= descriptions
            await pilot.press("f1")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            help_text = plain(app.screen.query_one("#help-keys", Static).content)
            for action in actions:
                assert action.description in help_text
            await pilot.press("escape")
            await settle(pilot)


async def test_profile_input_naming_another_user_changes_nothing_of_theirs(db) -> None:
    make_alice(db)
    bob, _ = make_bob(db)
    before = users.to_dict(users.get_user(db, "bob"))
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        for crafted in ("bob", bob.uid, "bob@example.com"):
            await type_into(pilot, "#f-username", crafted)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert any(word in message(app) for word in ("cannot be used", "must not")), message(app)
            assert "already used" not in message(app)
        await type_into(pilot, "#f-username", "alice")
        await type_into(pilot, "#f-external_id", "bob")  # someone else's *username* as a value is just a value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert message(app) == "Saved."
    assert users.to_dict(users.get_user(db, "bob")) == before
    assert users.get_user(db, "alice").external_id == "bob"


async def test_email_change_to_another_users_address_changes_nothing_and_reveals_nothing(db) -> None:
    make_alice(db)
    make_bob(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert screen_name(app) == "StepUpScreen"  # a new address needs a fresh verification first
        await type_into(pilot, "#stepup-code", latest_code(db, "alice@example.com"))
        await pilot.press("enter")
        await settle(pilot)
        await type_into(pilot, "#contact-value", "BOB@example.com")
        await pilot.press("enter")
        await settle(pilot)
        assert "already" not in message(app)  # the same answer as for a free address (issue 13 item 11)
        assert "We sent a 6-digit code" in plain(app.screen.query_one("#contact-how").content)
    assert users.get_user(db, "bob").email == "bob@example.com"
    assert users.get_user(db, "alice").email == "alice@example.com"


def test_store_operations_cannot_reach_another_users_session_or_identity(db) -> None:
    alice = make_alice(db)
    bob, _ = make_bob(db)
    identities.link(db, ADMIN, "bob", "github", "bob-gh")
    bob_checked = check_password(db, "bob", PASSWORD, Attempt())
    bob_session = complete(db, bob_checked, "totp", Attempt(), totp_at(db)).session
    me = signed_in(db, alice)
    with pytest.raises(ss.StepUpRequired):
        ss.end_session(db, me, bob_session.sid)  # ending sessions needs a re-authentication first (ASVS 7.5.2)
    me.fresh_until = db.now() + 60
    with pytest.raises(NotFound):
        ss.end_session(db, me, bob_session.sid)
    assert sessions.is_live(db, bob_session.sid)
    with pytest.raises(NotFound):
        ss.unlink_identity(db, me, "github")  # alice has none; bob's stays
    assert [i.subject for i in identities.list_identities(db, bob.id)] == ["bob-gh"]
    with pytest.raises(ValidationError):
        ss.save_profile(db, me, {"email": "x@example.com"}, {}, users.get_user(db, "alice").version)
    with pytest.raises(ValidationError):
        ss.save_profile(db, me, {"email_verified": True}, {}, users.get_user(db, "alice").version)
    custom.define_field(db, ADMIN, "tier", "string")
    with pytest.raises(ValidationError):
        ss.save_profile(db, me, {}, {"tier": "gold"}, users.get_user(db, "alice").version)


@pytest.mark.slow
async def test_every_store_call_of_a_full_tour_names_only_the_signed_in_user(db, monkeypatch) -> None:
    """Record the user each store lookup and per-user query is made for while using every screen."""
    alice = make_alice(db)
    make_bob(db)
    identities.link(db, ADMIN, "alice", "github", "alice-gh")
    refs: list[str] = []
    user_ids: list[int] = []
    real_find = users.find_user
    monkeypatch.setattr(users, "find_user", lambda s, ref: refs.append(ref) or real_find(s, ref))
    from store import codes, history

    for module, name in (
        (codes, "issue"),
        (codes, "verify"),
        (history, "login_history"),
        (sessions, "list_sessions"),
        (sessions, "revoke_all"),
        (identities, "list_identities"),
        (custom, "user_values"),
    ):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, _recording(real, user_ids))
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await type_into(pilot, "#f-name", "Alice M.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        for key in ("f3", "f4", "f5", "f6", "f7", "f8", "f2"):
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("b")  # step-up by emailed code, then the QR screen
        await settle(pilot)
        await type_into(pilot, "#stepup-code", latest_code(db))
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "TotpSetupScreen"
    assert refs and set(refs) <= {"alice", alice.uid}, set(refs)
    assert user_ids and set(user_ids) == {alice.id}, set(user_ids)


def _recording(real, user_ids: list[int]):
    def wrapper(db, *args, **kwargs):
        user_id = kwargs.get("user_id", args[0] if args else None)
        if isinstance(user_id, int):
            user_ids.append(user_id)
        return real(db, *args, **kwargs)

    return wrapper


async def test_sign_in_of_another_user_on_the_second_step_is_impossible(db) -> None:
    """The challenge is bound to the user whose password was checked: bob's code does not sign in alice."""
    make_alice(db)
    make_bob(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit_password(pilot, "alice")
        await type_into(pilot, "#code", totp_at(db))  # bob's current TOTP code
        await pilot.press("enter")
        await settle(pilot)
        assert app.me is None
