"""An import is an edit like any other: the admin-account rules hold for the rows it updates."""

from __future__ import annotations

import json
import pathlib

from store import Actor, admins, sessions, users
from store.transfer.core import ImportOptions, run_import
from store.transfer.records import Issue

USER_ADMIN = Actor("mallory", kind="admin", role="user_admin")


def takeover_file(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "takeover.ndjson"
    row = {"username": "olga", "email": "mallory@evil.example", "email_verified": True, "status": "disabled"}
    path.write_text(json.dumps(row) + "\n")
    return path


def owner_olga(db, actor) -> None:
    users.create_user(db, actor, {"username": "olga", "email": "olga@example.com", "email_verified": True})
    admins.grant(db, actor, "olga", "owner", "first owner")


def test_a_user_admin_cannot_change_an_owner_through_import(db, actor, tmp_path: pathlib.Path) -> None:
    owner_olga(db, actor)
    issues: list[Issue] = []
    options = ImportOptions(format="userdesk", apply=True, on_conflict="update", match="username")
    summary = run_import(db, USER_ADMIN, takeover_file(tmp_path), options, on_issue=issues.append)
    olga = users.get_user(db, "olga")
    assert (olga.email, olga.status) == ("olga@example.com", "active")
    assert summary.updated == 0 and summary.errors == 1
    assert "user_admin may not" in issues[0].reason and "admin account" in issues[0].reason


def test_the_last_owner_cannot_be_disabled_through_import(db, actor, tmp_path: pathlib.Path) -> None:
    owner_olga(db, actor)
    issues: list[Issue] = []
    options = ImportOptions(format="userdesk", apply=True, on_conflict="update", match="username")
    summary = run_import(db, actor, takeover_file(tmp_path), options, on_issue=issues.append)
    assert users.get_user(db, "olga").status == "active"
    assert summary.errors == 1 and "owner" in issues[0].reason


def test_disabling_through_import_ends_the_users_sessions(db, actor, tmp_path: pathlib.Path) -> None:
    users.create_user(db, actor, {"username": "olga", "email": "olga@example.com"})
    olga = users.get_user(db, "olga")
    with db.write() as s:
        sessions.create_session(s, db, olga.id, app_id=None, ip=None, user_agent=None, method="password", now=db.now())
    options = ImportOptions(format="userdesk", apply=True, on_conflict="update", match="username")
    run_import(db, actor, takeover_file(tmp_path), options)
    assert users.get_user(db, "olga").status == "disabled"
    assert sessions.list_sessions(db, olga.id) == []
