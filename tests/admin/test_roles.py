"""The admin console as each role: what it shows, what it refuses, the sign-in gate, and revocation ending it."""

from __future__ import annotations

import pyotp
import pytest
from textual.actions import parse as parse_action

from store import Actor, admins, mfa, users
from store.models import User
from tests.conftest import PASSWORD
from tests.pilot import plain, settle
from tui.admin.admins_screen import AdminsScreen
from tui.admin.app import AdminApp
from tui.admin.detail import UserDetailScreen
from tui.admin.directory import DirectoryScreen
from tui.admin.roles import WhoBar
from tui.admin.signin import AdminSignInScreen
from tui.widgets.help import collect_bindings

SETUP = Actor("setup")


def make_admin(db, name: str, role: str, *, totp: bool = True) -> tuple[admins.AdminIdentity, str | None]:
    users.create_user(db, SETUP, {"username": name}, password=PASSWORD)
    secret = None
    if totp:
        secret = mfa.enroll(db, SETUP, name).secret
        mfa.confirm(db, SETUP, name, pyotp.TOTP(secret).at(db.now()))
    admins.grant(db, SETUP, name, role)
    return admins.identity_of(db, name), secret


def shown(screen) -> set[str]:
    """Actions offered by help and the palette (hidden ones are left out, disabled ones kept); an account-detail
    key `tab_action('delete')` is named by its tab action, `delete`."""
    names = set()
    for entry in collect_bindings(screen):
        _, name, parameters = parse_action(entry.action)
        names.add(str(parameters[0]) if name == "tab_action" else entry.action)
    return names


# role -> (directory actions shown, directory actions hidden, detail security actions shown, hidden)
EXPECTED = {
    "owner": ({"new_user", "audit_log", "admins"}, set(), {"delete", "unlock", "disable"}, set()),
    "user_admin": ({"new_user", "audit_log"}, {"admins"}, {"delete", "unlock", "disable"}, set()),
    "helpdesk": (
        {"apps_groups"},
        {"new_user", "audit_log", "admins"},
        {"unlock", "reset_mfa", "set_password"},
        {"delete", "disable", "archive"},
    ),
    "auditor": ({"audit_log", "admins"}, {"new_user"}, set(), {"unlock", "delete", "reset_mfa", "set_password"}),
}


@pytest.mark.parametrize("role", list(EXPECTED))
async def test_console_as_each_role(db, role) -> None:
    dir_shown, dir_hidden, sec_shown, sec_hidden = EXPECTED[role]
    plain_user = users.create_user(db, SETUP, {"username": "plain"})
    with db.write() as s:  # locked and enrolled, so that unlock and MFA reset are on offer
        record = s.get(User, plain_user.id)
        record.locked_until, record.failed_attempts, record.mfa_state = db.now() + 600, 5, "active"
    identity, _ = make_admin(db, "me", role)
    app = AdminApp(db, actor=Actor.admin(identity, key=None, address=None))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DirectoryScreen)
        assert plain(screen.query_one(WhoBar).render()) == f"Signed in as me · {role}"
        actions = shown(screen)
        assert dir_shown <= actions and not (dir_hidden & actions), actions
        await pilot.press("n")  # create user: only owner and user_admin
        await settle(pilot)
        assert (type(app.screen).__name__ == "CreateUserScreen") == (role in ("owner", "user_admin"))
        if not isinstance(app.screen, DirectoryScreen):
            await pilot.press("escape")
            await settle(pilot)
        uid = users.get_user(db, "plain").uid
        detail = UserDetailScreen(uid)
        await app.push_screen(detail)
        await settle(pilot)
        detail.show_tab("security")
        await settle(pilot)
        actions = shown(detail)
        assert sec_shown <= actions and not (sec_hidden & actions), actions
        await pilot.press("delete")  # never deletes unless the role may
        await settle(pilot)
        if role not in ("owner", "user_admin"):
            assert users.get_user(db, "plain")
            assert isinstance(app.screen, UserDetailScreen)


async def test_owner_admins_screen_lists_and_grants(db) -> None:
    identity, _ = make_admin(db, "olga", "owner")
    users.create_user(db, SETUP, {"username": "hal"})
    app = AdminApp(db, actor=Actor.admin(identity, key=None, address=None))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, AdminsScreen)
        assert [v.username for v in app.screen.views] == ["olga"]
        assert {"grant", "revoke"} <= shown(app.screen)
        await pilot.press("g")
        await settle(pilot)
        grant = app.screen
        grant.query_one("#grant-user").value = "hal"
        grant.query_one("#grant-role").value = "helpdesk"
        grant.query_one("#grant-reason").value = "joins support"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert admins.identity_of(db, "hal").role == "helpdesk"
        assert [(v.username, v.role) for v in app.screen.views] == [("olga", "owner"), ("hal", "helpdesk")]


async def test_auditor_sees_admins_but_cannot_grant(db) -> None:
    identity, _ = make_admin(db, "aud", "auditor")
    app = AdminApp(db, actor=Actor.admin(identity, key=None, address=None))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, AdminsScreen)
        actions = shown(app.screen)
        assert "grant" not in actions and "revoke" not in actions
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, AdminsScreen)


async def test_gate_asks_password_then_totp_before_anything(db, clock) -> None:
    identity, secret = make_admin(db, "uma", "user_admin")
    clock.advance(60)
    app = AdminApp(db, admin=identity, ask_password=True, address="192.0.2.7")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, AdminSignInScreen)
        assert not app.query(DirectoryScreen) and app.actor.role is None
        app.screen.query_one("#signin-password").value = PASSWORD
        app.screen.query_one("#signin-code").value = "000000"
        app.screen.query_one("#signin-code").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AdminSignInScreen)
        assert "Sign-in failed" in plain(app.screen.query_one("#signin-error").render())
        app.screen.query_one("#signin-password").value = PASSWORD
        app.screen.query_one("#signin-code").value = pyotp.TOTP(secret).at(db.now())
        app.screen.query_one("#signin-code").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert (app.actor.kind, app.actor.name, app.actor.role, app.actor.address) == (
            "admin",
            "uma",
            "user_admin",
            "192.0.2.7",
        )
        assert plain(app.screen.query_one(WhoBar).render()) == "Signed in as uma · user_admin"


async def test_admin_without_totp_is_refused_until_enrolled(db) -> None:
    identity, _ = make_admin(db, "newbie", "helpdesk", totp=False)
    app = AdminApp(db, admin=identity, ask_password=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, AdminSignInScreen)
        assert "Admins must have TOTP" in plain(app.screen.query_one("#signin-error").render())
        assert all(field.disabled for field in app.screen.query("Input"))


async def test_revoking_the_role_ends_the_console(db, clock, monkeypatch) -> None:
    monkeypatch.setattr(AdminApp, "LIVENESS_SECONDS", 0.2)
    identity, secret = make_admin(db, "hal", "helpdesk")
    make_admin(db, "olga", "owner")
    clock.advance(60)
    app = AdminApp(db, admin=identity, key=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one("#signin-code").value = pyotp.TOTP(secret).at(db.now())
        app.screen.query_one("#signin-code").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        admins.revoke(db, Actor.local(), "hal", "moved teams")
        for _ in range(40):
            await pilot.pause(0.1)
            if not app.is_running:
                break
        assert not app.is_running
    assert app.return_code == 0


async def test_disabling_the_account_ends_a_console_opened_for_a_signed_in_admin(db, monkeypatch) -> None:
    monkeypatch.setattr(AdminApp, "LIVENESS_SECONDS", 0.2)
    identity, _ = make_admin(db, "uma", "user_admin")
    make_admin(db, "olga", "owner")
    app = AdminApp(db, actor=Actor.admin(identity, key=None, address=None))  # as `userdesk --as uma admin`
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        users.disable_user(db, Actor.local(), "uma", "left")
        for _ in range(40):
            await pilot.pause(0.1)
            if not app.is_running:
                break
        assert not app.is_running


async def test_audit_log_screen_shows_the_structured_actor(db) -> None:
    from tui.admin.audit_log import AuditLogScreen

    identity, _ = make_admin(db, "hal", "helpdesk")
    owner, _ = make_admin(db, "olga", "owner")
    users.create_user(db, SETUP, {"username": "plain"})
    users.unlock_user(db, Actor.admin(identity, key=None, address="198.51.100.4"), "plain", "called in")
    app = AdminApp(db, actor=Actor.admin(owner, key=None, address=None))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, AuditLogScreen)
        detail = plain(app.screen.query_one("#audit-changes").render())
        assert "hal (helpdesk) from 198.51.100.4" in detail


async def test_helpdesk_cannot_read_the_audit_tab(db) -> None:
    identity, _ = make_admin(db, "hal", "helpdesk")
    users.create_user(db, SETUP, {"username": "plain"})
    app = AdminApp(db, actor=Actor.admin(identity, key=None, address=None))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        detail = UserDetailScreen(users.get_user(db, "plain").uid)
        await app.push_screen(detail)
        await settle(pilot)
        assert detail.check_action("tab", (8,)) is False
        detail.show_tab("audit")
        await settle(pilot)
        assert detail.tab("audit").entries == []


def footer_actions(screen) -> set[str]:
    from tui.widgets.footer import Footer

    return {key.action for key in screen.query_one(Footer).shown_keys()}


async def test_one_gate_hides_an_action_from_footer_help_palette_and_key(db) -> None:
    """The role gate is AdminCalls.check_action: every place that offers an action asks it, none has its own."""
    from tui.widgets.commands import palette_entries
    from tui.widgets.help import HelpScreen

    identity, _ = make_admin(db, "hal", "helpdesk")
    app = AdminApp(db, actor=Actor.admin(identity, key=None, address=None))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DirectoryScreen)
        assert "new_user" not in footer_actions(screen) and "filters" in footer_actions(screen)
        assert not {"new_user", "audit_log"} & {e.action for e in palette_entries(screen)}
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        help_text = plain(app.screen.query_one("#help-keys").content)
        assert "Create a user" not in help_text and "Filter by status" in help_text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("l")  # the audit log: not for helpdesk
        await settle(pilot)
        assert app.screen is screen


async def test_who_bar_only_on_full_screens_of_a_signed_in_admin(db, clock) -> None:
    identity, secret = make_admin(db, "olga", "owner")
    clock.advance(60)
    app = AdminApp(db, admin=identity)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, AdminSignInScreen)
        assert not app.screen.query(WhoBar)  # nobody is signed in yet
        app.screen.query_one("#signin-code").value = pyotp.TOTP(secret).at(db.now())
        app.screen.query_one("#signin-code").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert len(app.screen.query(WhoBar)) == 1
        await pilot.press("A", "g")
        await settle(pilot)
        assert type(app.screen).__name__ == "GrantDialog" and not app.screen.query(WhoBar)
    local = AdminApp(db)  # the local owner's console: no bar (the snapshots' layout)
    async with local.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(local.screen, DirectoryScreen) and not local.screen.query(WhoBar)


async def test_refused_grant_keeps_the_dialog_with_the_store_message(db) -> None:
    identity, _ = make_admin(db, "olga", "owner")
    app = AdminApp(db, actor=Actor.admin(identity, key=None, address=None))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("A", "g")
        await settle(pilot)
        grant = app.screen
        grant.query_one("#grant-user").value = "nobody-here"
        grant.query_one("#grant-role").value = "auditor"
        grant.query_one("#grant-reason").value = "typo"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is grant
        assert "nobody-here" in plain(grant.query_one(".dialog-error").render())
        assert [v.username for v in admins.list_admins(db)] == ["olga"]


async def test_owner_revokes_a_role_with_a_reason(db) -> None:
    identity, _ = make_admin(db, "olga", "owner")
    make_admin(db, "hal", "helpdesk")
    app = AdminApp(db, actor=Actor.admin(identity, key=None, address=None))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdminsScreen)
        screen.query_one("#admins-table").move_cursor(row=[v.username for v in screen.views].index("hal"))
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("enter")  # no reason: refused by the dialog, nothing done
        await settle(pilot)
        assert admins.identity_of(db, "hal").role == "helpdesk"
        await pilot.press(*"moved teams", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert [v.username for v in screen.views] == ["olga"]


async def test_closing_the_console_when_the_session_cannot_be_ended_shows_no_traceback(db, clock, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    identity, secret = make_admin(db, "uma", "user_admin")
    clock.advance(60)

    def busy(*args, **kwargs):
        raise OperationalError("UPDATE session", {}, Exception("database is locked"))

    app = AdminApp(db, admin=identity, ask_password=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one("#signin-password").value = PASSWORD
        app.screen.query_one("#signin-code").value = pyotp.TOTP(secret).at(db.now())
        app.screen.query_one("#signin-code").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.session_sid is not None
        monkeypatch.setattr(admins, "end_sign_in", busy)
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert app.return_code == 0  # the exit ran to its end: no exception left the app
