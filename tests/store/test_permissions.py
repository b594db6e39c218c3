"""Roles enforced in store/: every store operation as every role against the one table, and the escalation rules."""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from store import (
    Actor,
    access,
    admins,
    apps_groups,
    custom,
    directory,
    history,
    identities,
    mfa,
    permissions,
    sessions,
    users,
)
from store.auth import authenticate
from store.errors import PermissionDenied
from store.models import AuditEntry
from tests.conftest import PASSWORD

SETUP = Actor("setup")  # trusted in-process code (kind "system")
NEW_PASSWORD = "another quite unusual passphrase"


def ed25519_line(comment: str = "admin@laptop") -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    raw = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return f"{raw} {comment}"


def as_role(role: str, name: str = "acting") -> Actor:
    return Actor(name, kind="admin", role=role, key="local")


@dataclass
class World:
    """What every operation needs, made by trusted setup code before the actor under test acts."""

    db: Any
    target_id: int
    staff_key: str


def build(db, *, password: bool = False, staff_key: bool = False) -> World:
    target = users.create_user(db, SETUP, {"username": "target"}, password=PASSWORD if password else None)
    users.create_user(db, SETUP, {"username": "staff"})
    admins.grant(db, SETUP, "staff", "auditor")
    access.create_group(db, SETUP, "g")
    access.add_member(db, SETUP, "g", "staff")
    access.create_app(db, SETUP, "crm")
    custom.define_field(db, SETUP, "dept", "string")
    identities.link(db, SETUP, "target", "github", "t1")
    line = ed25519_line()
    if staff_key:
        admins.add_key(db, SETUP, "staff", line)
    return World(db, target.id, line)


def _session_sid(w: World) -> str:
    return authenticate(w.db, "target", PASSWORD).session.sid


# (operation, action it needs, setup options, call)
OPERATIONS: list[tuple[str, str, dict[str, bool], Callable[[World, Actor], Any]]] = [
    # users
    ("users.create_user", "users.create", {}, lambda w, a: users.create_user(w.db, a, {"username": "new"})),
    ("users.update_user", "users.edit", {}, lambda w, a: users.update_user(w.db, a, "target", {"name": "T"})),
    ("users.disable_user", "users.disable", {}, lambda w, a: users.disable_user(w.db, a, "target")),
    ("users.enable_user", "users.enable", {}, lambda w, a: users.enable_user(w.db, a, "target")),
    ("users.archive_user", "users.archive", {}, lambda w, a: users.archive_user(w.db, a, "target")),
    ("users.unlock_user", "users.unlock", {}, lambda w, a: users.unlock_user(w.db, a, "target")),
    ("users.delete_user", "users.delete", {}, lambda w, a: users.delete_user(w.db, a, "target")),
    (
        "users.set_password temporary",
        "users.temporary_password",
        {},
        lambda w, a: users.set_password(w.db, a, "target", NEW_PASSWORD, must_change=True),
    ),
    (
        "users.set_password permanent",
        "users.set_password",
        {},
        lambda w, a: users.set_password(w.db, a, "target", NEW_PASSWORD, must_change=False),
    ),
    ("users.get_user", "users.read", {}, lambda w, a: users.get_user(w.db, "target", actor=a)),
    # mfa and sessions
    ("mfa.enroll", "mfa.enroll", {}, lambda w, a: mfa.enroll(w.db, a, "target")),
    ("mfa.reset", "mfa.reset", {}, lambda w, a: mfa.reset(w.db, a, "target")),
    ("sessions.revoke", "sessions.revoke", {"password": True}, lambda w, a: sessions.revoke(w.db, a, _session_sid(w))),
    ("sessions.revoke_all", "sessions.revoke", {}, lambda w, a: sessions.revoke_all(w.db, a, w.target_id)),
    ("sessions.list_sessions", "sessions.read", {}, lambda w, a: sessions.list_sessions(w.db, actor=a)),
    # history and audit
    ("history.login_history", "history.read", {}, lambda w, a: history.login_history(w.db, w.target_id, actor=a)),
    ("history.audit_log", "audit.read", {}, lambda w, a: history.audit_log(w.db, actor=a)),
    # directory
    ("directory.page", "users.read", {}, lambda w, a: directory.page(w.db, directory.DirectoryQuery(), actor=a)),
    (
        "directory.count_and_order",
        "users.read",
        {},
        lambda w, a: directory.count_and_order(w.db, directory.DirectoryQuery(), actor=a),
    ),
    ("directory.search", "users.read", {}, lambda w, a: directory.search(w.db, "tar", actor=a)),
    # custom data and fields
    ("custom.define_field", "fields.define", {}, lambda w, a: custom.define_field(w.db, a, "site", "string")),
    ("custom.list_fields", "fields.read", {}, lambda w, a: custom.list_fields(w.db, actor=a)),
    ("custom.set_value", "custom.set", {}, lambda w, a: custom.set_value(w.db, a, "target", "dept", "Ops")),
    ("custom.user_values", "users.read", {}, lambda w, a: custom.user_values(w.db, w.target_id, actor=a)),
    ("custom.edit_field", "fields.define", {}, lambda w, a: custom.edit_field(w.db, a, "dept", label="Department")),
    ("custom.delete_field", "fields.define", {}, lambda w, a: custom.delete_field(w.db, a, "dept")),
    ("custom.field_impact", "fields.read", {}, lambda w, a: custom.field_impact(w.db, "dept", actor=a)),
    # groups, apps and rules
    ("access.create_group", "groups.manage", {}, lambda w, a: access.create_group(w.db, a, "h")),
    ("access.add_member", "groups.manage", {}, lambda w, a: access.add_member(w.db, a, "g", "target")),
    ("access.remove_member", "groups.manage", {}, lambda w, a: access.remove_member(w.db, a, "g", "staff")),
    ("access.create_app", "apps.manage", {}, lambda w, a: access.create_app(w.db, a, "wiki")),
    ("access.set_default", "apps.manage", {}, lambda w, a: access.set_default(w.db, a, "crm", "deny")),
    (
        "access.set_rule",
        "apps.manage",
        {},
        lambda w, a: access.set_rule(w.db, a, "crm", "deny", user_ref="target"),
    ),
    ("access.list_apps", "access.read", {}, lambda w, a: access.list_apps(w.db, actor=a)),
    ("access.list_groups", "access.read", {}, lambda w, a: access.list_groups(w.db, actor=a)),
    ("access.app_rules", "access.read", {}, lambda w, a: access.app_rules(w.db, "crm", actor=a)),
    ("access.user_access", "access.read", {}, lambda w, a: access.user_access(w.db, "target", actor=a)),
    ("access.user_groups", "access.read", {}, lambda w, a: access.user_groups(w.db, w.target_id, actor=a)),
    ("apps_groups.rename_group", "groups.manage", {}, lambda w, a: apps_groups.rename_group(w.db, a, "g", "g2")),
    ("apps_groups.rename_app", "apps.manage", {}, lambda w, a: apps_groups.rename_app(w.db, a, "crm", "crm2")),
    ("apps_groups.delete_app", "apps.manage", {}, lambda w, a: apps_groups.delete_app(w.db, a, "crm")),
    ("apps_groups.group_members", "access.read", {}, lambda w, a: apps_groups.group_members(w.db, "g", actor=a)),
    (
        "history.filtered_audit_log",
        "audit.read",
        {},
        lambda w, a: history.filtered_audit_log(w.db, history.AuditFilter(), actor=a),
    ),
    # identities
    ("identities.link", "identities.manage", {}, lambda w, a: identities.link(w.db, a, "target", "gitlab", "x")),
    ("identities.unlink", "identities.manage", {}, lambda w, a: identities.unlink(w.db, a, "target", "github")),
    ("identities.list", "users.read", {}, lambda w, a: identities.list_identities(w.db, w.target_id, actor=a)),
    # admins
    ("admins.grant", "admins.manage", {}, lambda w, a: admins.grant(w.db, a, "target", "helpdesk")),
    ("admins.revoke", "admins.manage", {}, lambda w, a: admins.revoke(w.db, a, "staff")),
    ("admins.add_key", "admins.manage", {}, lambda w, a: admins.add_key(w.db, a, "staff", w.staff_key)),
    (
        "admins.remove_key",
        "admins.manage",
        {"staff_key": True},
        lambda w, a: admins.remove_key(w.db, a, "staff", admins.key_fingerprint(w.staff_key)),
    ),
    ("admins.list_admins", "admins.read", {}, lambda w, a: admins.list_admins(w.db, actor=a)),
    ("admins.list_keys", "admins.read", {}, lambda w, a: admins.list_keys(w.db, actor=a)),
]


@pytest.mark.parametrize("role", permissions.ROLES)
@pytest.mark.parametrize(("name", "action", "setup", "call"), OPERATIONS, ids=[op[0] for op in OPERATIONS])
def test_every_operation_as_every_role(db, role, name, action, setup, call) -> None:
    world = build(db, **setup)
    before = len(history.audit_log(db, limit=1000))
    if role in permissions.ACTIONS[action][1]:
        call(world, as_role(role))
    else:
        with pytest.raises(PermissionDenied, match=f"^{role} may not {permissions.describe(action)}$"):
            call(world, as_role(role))
        assert len(history.audit_log(db, limit=1000)) == before  # nothing written


def test_table_covers_the_issue() -> None:
    allowed = {
        role: {a for a, (_, roles) in permissions.ACTIONS.items() if role in roles} for role in permissions.ROLES
    }
    assert allowed["owner"] == set(permissions.ACTIONS)
    assert {"users.unlock", "mfa.reset", "users.temporary_password", "sessions.revoke"} <= allowed["helpdesk"]
    assert not {"users.delete", "users.create", "users.edit", "audit.read", "users.set_password"} & allowed["helpdesk"]
    assert all(a.endswith(".read") or a == "export" for a in allowed["auditor"])
    assert "audit.read" in allowed["auditor"] and "history.read" in allowed["auditor"]
    assert "admins.manage" not in allowed["user_admin"] and "export.secrets" not in allowed["user_admin"]


def test_refusal_names_role_and_action(db) -> None:
    build(db)
    with pytest.raises(PermissionDenied, match=r"^helpdesk may not delete users$"):
        users.delete_user(db, as_role("helpdesk"), "target")
    assert users.get_user(db, "target")


def test_every_public_store_operation_with_an_actor_is_in_the_table() -> None:
    """A new store operation taking an actor must be added to OPERATIONS (and so to the table)."""
    import inspect

    covered = {op[0].split()[0] for op in OPERATIONS}
    modules = [users, mfa, sessions, custom, access, identities, admins, apps_groups]
    missing = []
    for module in modules:
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or fname.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:2] == ["db", "actor"] and f"{module.__name__.split('.')[-1]}.{fname}" not in covered:
                missing.append(f"{module.__name__}.{fname}")
    known_aliases = {"store.sessions.revoke", "store.identities.list_identities", "store.mfa.confirm"}
    known_aliases |= {"store.mfa.regenerate_recovery_codes", "store.admins.add_key"}
    known_aliases |= {"store.apps_groups.delete_group"}  # its own test below: the group holds an admin account
    assert sorted(set(missing) - known_aliases) == []


# -- escalation rules -------------------------------------------------------------------------------------------------


@pytest.fixture
def staffed(db):
    """An owner, a user_admin, a helpdesk and an auditor, plus a plain user."""
    for name, role in (("olga", "owner"), ("uma", "user_admin"), ("hal", "helpdesk"), ("aud", "auditor")):
        users.create_user(db, SETUP, {"username": name})
        admins.grant(db, SETUP, name, role)
    users.create_user(db, SETUP, {"username": "plain"})
    return db


def test_only_a_higher_role_or_an_owner_changes_an_admin_account(staffed) -> None:
    db = staffed
    with pytest.raises(PermissionDenied, match="helpdesk may not unlock users on an admin account"):
        users.unlock_user(db, as_role("helpdesk"), "hal")  # same role
    with pytest.raises(PermissionDenied, match="helpdesk may not reset MFA on an admin account"):
        mfa.reset(db, as_role("helpdesk"), "uma")  # higher role
    users.unlock_user(db, as_role("helpdesk"), "aud")  # strictly higher than auditor
    users.unlock_user(db, as_role("helpdesk"), "plain")
    with pytest.raises(PermissionDenied, match="user_admin may not disable users on an admin account"):
        users.disable_user(db, as_role("user_admin"), "uma")
    with pytest.raises(PermissionDenied, match="user_admin may not delete users on an admin account"):
        users.delete_user(db, as_role("user_admin"), "olga")
    with pytest.raises(PermissionDenied, match="user_admin may not set temporary passwords on an admin account"):
        users.set_password(db, as_role("user_admin"), "olga", NEW_PASSWORD, must_change=True)
    users.disable_user(db, as_role("user_admin"), "hal")
    users.create_user(db, SETUP, {"username": "olga2"})
    admins.grant(db, SETUP, "olga2", "owner")
    users.disable_user(db, as_role("owner"), "olga2")  # an owner may change another owner
    assert users.get_user(db, "olga2").status == "disabled"


def test_groups_and_app_rules_of_an_admin_account_need_a_higher_role(staffed) -> None:
    """Group membership and a user's app rule are changes to that user: the admin-account rule applies too."""
    db = staffed
    access.create_group(db, SETUP, "ops")
    access.add_member(db, SETUP, "ops", "olga")
    access.create_app(db, SETUP, "crm")
    with pytest.raises(PermissionDenied, match="user_admin may not manage groups on an admin account"):
        access.remove_member(db, as_role("user_admin"), "ops", "olga")
    with pytest.raises(PermissionDenied, match="user_admin may not manage groups on an admin account"):
        access.add_member(db, as_role("user_admin"), "ops", "uma")
    with pytest.raises(PermissionDenied, match="on an admin account"):
        access.set_rule(db, as_role("user_admin"), "crm", "deny", user_ref="olga")
    assert access.user_groups(db, admins.identity_of(db, "olga").user_id) == ["ops"]
    assert [d.allowed for d in access.user_access(db, "olga")] == [True]
    access.add_member(db, as_role("user_admin"), "ops", "plain")  # a plain user: as before
    access.add_member(db, as_role("user_admin"), "ops", "hal")  # strictly lower role
    access.set_rule(db, as_role("user_admin"), "crm", "deny", user_ref="hal")
    assert access.remove_member(db, as_role("owner"), "ops", "olga")
    access.set_rule(db, as_role("owner"), "crm", "deny", user_ref="olga")
    assert [d.allowed for d in access.user_access(db, "olga")] == [False]


def test_nobody_grants_a_role_above_their_own(staffed, monkeypatch) -> None:
    with pytest.raises(PermissionDenied, match=r"^user_admin may not manage admins and admin keys$"):
        admins.grant(staffed, as_role("user_admin"), "plain", "helpdesk")
    # Even if the table let user_admins manage admins, the rank rule still holds.
    what, roles = permissions.ACTIONS["admins.manage"]
    monkeypatch.setitem(permissions.ACTIONS, "admins.manage", (what, roles | {"user_admin"}))
    with pytest.raises(PermissionDenied, match="user_admin may not grant the owner role"):
        admins.grant(staffed, as_role("user_admin"), "plain", "owner")
    admins.grant(staffed, as_role("user_admin"), "plain", "helpdesk")
    with pytest.raises(PermissionDenied, match="on an admin account"):
        admins.revoke(staffed, as_role("user_admin"), "uma")  # same role: not strictly higher


@pytest.mark.parametrize(
    "change",
    [
        lambda db: admins.revoke(db, as_role("owner"), "olga"),
        lambda db: admins.grant(db, as_role("owner"), "olga", "user_admin"),
        lambda db: users.disable_user(db, as_role("owner"), "olga"),
        lambda db: users.archive_user(db, as_role("owner"), "olga"),
        lambda db: users.delete_user(db, as_role("owner"), "olga"),
        lambda db: users.disable_user(db, Actor.local(), "olga"),
    ],
    ids=["revoke", "demote", "disable", "archive", "delete", "disable-as-local-owner"],
)
def test_the_last_owner_cannot_be_removed_or_disabled(staffed, change) -> None:
    with pytest.raises(PermissionDenied, match="the last owner cannot be removed or disabled"):
        change(staffed)
    assert admins.identity_of(staffed, "olga").role == "owner"
    assert users.get_user(staffed, "olga").status == "active"


def test_a_second_owner_can_go(staffed) -> None:
    users.create_user(staffed, SETUP, {"username": "otto"})
    admins.grant(staffed, as_role("owner"), "otto", "owner")
    assert admins.revoke(staffed, as_role("owner"), "olga") == "owner"
    with pytest.raises(PermissionDenied, match="last owner"):
        users.delete_user(staffed, as_role("owner"), "otto")


def test_self_service_and_system_actors_are_not_subject_to_roles(db) -> None:
    build(db)
    me = Actor.self_service("target", "x", address=None)
    users.update_user(db, me, "target", {"name": "Me"}, action="self.update_profile")
    assert users.get_user(db, "target").name == "Me"


# -- the structured audit actor ---------------------------------------------------------------------------------------


def test_local_actor_is_the_effective_uid_never_the_environment(db, monkeypatch) -> None:
    expected = pwd.getpwuid(os.geteuid()).pw_name
    monkeypatch.setenv("USER", "alice")
    monkeypatch.setenv("LOGNAME", "alice")
    monkeypatch.setenv("SSH_CLIENT", "\x1b]52;c;aGk=\x07 22 22")
    local = Actor.local()
    assert (local.name, local.kind, local.role, local.key, local.address) == (expected, "local", "owner", "local", None)
    users.create_user(db, Actor.local(), {"username": "nina"})
    entry = history.audit_log(db, limit=1)[0]
    assert isinstance(entry, AuditEntry)
    assert entry.actor == expected != "alice"
    assert (entry.actor_kind, entry.actor_role, entry.actor_key, entry.actor_address) == (
        "local",
        "owner",
        "local",
        None,
    )


def test_admin_actor_records_role_key_and_checked_address(db) -> None:
    build(db)
    line = ed25519_line()
    admins.add_key(db, SETUP, "staff", line)
    identity = admins.find_admin_by_key(db, line)
    assert identity is not None and identity.role == "auditor"
    admins.grant(db, SETUP, "staff", "helpdesk")
    identity = admins.find_admin_by_key(db, line)
    assert identity is not None
    actor = Actor.admin(identity, key=line, address="203.0.113.9")
    users.unlock_user(db, actor, "target")
    entry = history.audit_log(db, limit=1)[0]
    assert (entry.actor, entry.actor_kind, entry.actor_role) == ("staff", "admin", "helpdesk")
    assert entry.actor_key == admins.key_fingerprint(line) and entry.actor_address == "203.0.113.9"
    assert Actor.admin(identity, key=None, address="not an ip\x1b[2J").address is None


def test_deleting_a_group_with_an_admin_member_needs_a_higher_role(staffed) -> None:
    access.create_group(staffed, SETUP, "ops")
    access.add_member(staffed, SETUP, "ops", "uma")  # a user_admin
    with pytest.raises(PermissionDenied, match="on an admin account"):
        apps_groups.delete_group(staffed, as_role("user_admin"), "ops")
    for role in ("helpdesk", "auditor"):
        with pytest.raises(PermissionDenied, match=f"^{role} may not manage groups$"):
            apps_groups.delete_group(staffed, as_role(role), "ops")
    assert [g.name for g, _n in access.list_groups(staffed)] == ["ops"]
    apps_groups.delete_group(staffed, as_role("owner"), "ops")
    assert access.list_groups(staffed) == []
