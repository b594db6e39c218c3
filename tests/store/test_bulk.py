"""Bulk actions: the preview (dry run) and the run are one function; select-all-matching walks the query in
batches; archive takes group memberships and app rules with it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from store import Actor, access, admins, bulk, permissions, sessions, users
from store.auth import authenticate
from store.directory import DirectoryQuery
from store.errors import PermissionDenied, ValidationError
from store.history import audit_log
from store.models import AppRule, AuditEntry, GroupMember
from tests.conftest import PASSWORD

SETUP = Actor("setup")


def as_role(role: str) -> Actor:
    return Actor("acting", kind="admin", role=role, key="local")


@pytest.fixture
def crew(db):
    for name in ("ann", "bob", "cat", "dan"):
        users.create_user(db, SETUP, {"username": name}, password=PASSWORD)
    access.create_group(db, SETUP, "ops")
    access.add_member(db, SETUP, "ops", "ann")
    return db


def uids(db, *names: str) -> list[str]:
    return [users.get_user(db, n).uid for n in names]


def audit_count(db, action: str) -> int:
    with db.read() as s:
        return len(s.exec(select(AuditEntry.id).where(AuditEntry.action == action)).all())


def test_preview_counts_only_what_really_changes(crew, actor):
    """Issue 13 item 6: '2 users selected; 1 will be added (1 already a member)'."""
    report = bulk.run_bulk(crew, actor, "add_group", uids=uids(crew, "ann", "bob"), group="ops", dry_run=True)
    assert (report.considered, report.changed, dict(report.unchanged)) == (2, 1, {"already a member": 1})
    assert audit_count(crew, "group.add_member") == 1  # the fixture's only: a preview writes nothing
    done = bulk.run_bulk(crew, actor, "add_group", uids=uids(crew, "ann", "bob"), group="ops", reason="team")
    assert (done.changed, dict(done.unchanged)) == (report.changed, dict(report.unchanged))
    assert audit_count(crew, "group.add_member") == 2


@pytest.mark.parametrize(
    ("action", "setup", "expected_skip"),
    [
        ("disable", lambda db: users.disable_user(db, SETUP, "ann"), "already disabled"),
        ("enable", lambda db: users.disable_user(db, SETUP, "bob"), "already active"),
        (
            "unlock",
            lambda db: users._transition(db, SETUP, "bob", "user.unlock", None, failed_attempts=3),
            "not locked",
        ),
        ("sign_out", lambda db: authenticate(db, "bob", PASSWORD), "no live sessions"),
        ("remove_group", lambda db: None, "not a member"),
        ("archive", lambda db: users.archive_user(db, SETUP, "ann"), "already archived"),
    ],
)
def test_no_op_rows_in_preview_and_run(crew, actor, action, setup, expected_skip):
    setup(crew)
    kwargs = {"group": "ops"} if action == "remove_group" else {}
    preview = bulk.run_bulk(crew, actor, action, uids=uids(crew, "ann", "bob"), dry_run=True, **kwargs)
    assert preview.changed == 1 and dict(preview.unchanged) == {expected_skip: 1}
    run = bulk.run_bulk(crew, actor, action, uids=uids(crew, "ann", "bob"), reason="r", **kwargs)
    assert run.changed == 1 and dict(run.unchanged) == {expected_skip: 1}
    again = bulk.run_bulk(crew, actor, action, uids=uids(crew, "ann", "bob"), dry_run=True, **kwargs)
    assert again.changed == 0  # the run did what the preview said


def test_bulk_unlock_delete_and_remove_from_group(crew, actor):
    access.add_member(crew, SETUP, "ops", "bob")
    report = bulk.run_bulk(crew, actor, "remove_group", uids=uids(crew, "ann", "bob"), group="ops", reason="r")
    assert report.changed == 2 and access.list_groups(crew)[0][1] == 0
    report = bulk.run_bulk(crew, actor, "delete", uids=uids(crew, "cat", "dan"), reason="leavers")
    assert report.changed == 2 and users.count_users(crew) == 2
    assert audit_count(crew, "user.delete") == 2  # one audit event per user


def test_select_all_matching_walks_the_query_in_batches(db, actor):
    for i in range(23):
        users.create_user(db, SETUP, {"username": f"temp{i:02}"})
    users.create_user(db, SETUP, {"username": "keeper"})
    users.disable_user(db, SETUP, "temp05")
    seen: list[int] = []
    query = DirectoryQuery(search="temp")
    preview = bulk.run_bulk(db, actor, "disable", query=query, dry_run=True, batch=5, progress=seen.append)
    assert (preview.considered, preview.changed, preview.skipped) == (23, 22, 1)
    assert seen == [5, 10, 15, 20, 23]
    # the filter matches fewer users as the run disables them: the keyset walk neither skips nor repeats anyone
    active = DirectoryQuery(search="temp", status="active")
    run = bulk.run_bulk(db, actor, "disable", query=active, reason="cleanup", batch=4)
    assert run.changed == 22
    assert users.get_user(db, "keeper").status == "active"
    assert all(users.get_user(db, f"temp{i:02}").status == "disabled" for i in range(23))
    assert audit_count(db, "user.disable") == 23


def test_select_all_matching_delete_walks_past_deleted_rows(db, actor):
    for i in range(12):
        users.create_user(db, SETUP, {"username": f"gone{i:02}"})
    run = bulk.run_bulk(db, actor, "delete", query=DirectoryQuery(search="gone"), reason="r", batch=5)
    assert run.changed == 12 and users.count_users(db) == 0


def test_archive_removes_memberships_and_app_rules(crew, actor):
    access.create_group(crew, SETUP, "dev")
    access.add_member(crew, SETUP, "dev", "ann")
    access.create_app(crew, SETUP, "crm")
    access.set_rule(crew, SETUP, "crm", "allow", user_ref="ann")
    assert bulk.archive_preview(crew, "ann") == "removes 2 group memberships and 1 app rule"
    preview = bulk.run_bulk(crew, actor, "archive", uids=uids(crew, "ann", "bob"), dry_run=True)
    assert (preview.removed_memberships, preview.removed_rules) == (2, 1)
    assert preview.sample[0].change == "removes 2 group memberships and 1 app rule"
    users.archive_user(crew, actor, "ann", "left the company")
    ann = users.get_user(crew, "ann")
    with crew.read() as s:
        assert s.exec(select(GroupMember).where(GroupMember.user_id == ann.id)).all() == []
        assert s.exec(select(AppRule).where(AppRule.subject_id == ann.id, AppRule.subject_type == "user")).all() == []
    entry = audit_log(crew, limit=1)[0]
    assert entry.action == "user.archive"
    assert (
        '"groups": [["dev", "ops"], null]' in entry.changes and '"app_rules": [{"crm": "allow"}, null]' in entry.changes
    )
    assert bulk.archive_preview(crew, "bob") == ""


def test_refusals(crew, actor):
    with pytest.raises(ValidationError, match="reason is required"):
        bulk.run_bulk(crew, actor, "disable", uids=uids(crew, "ann"))
    with pytest.raises(ValidationError, match="Unknown bulk action"):
        bulk.run_bulk(crew, actor, "explode", uids=uids(crew, "ann"), dry_run=True)
    with pytest.raises(ValidationError, match="either a list of users or a directory query"):
        bulk.run_bulk(crew, actor, "disable", dry_run=True)
    with pytest.raises(ValidationError, match="Choose a group"):
        bulk.run_bulk(crew, actor, "add_group", uids=uids(crew, "ann"), dry_run=True)
    assert users.get_user(crew, "ann").status == "active"


@pytest.mark.parametrize("role", permissions.ROLES)
@pytest.mark.parametrize("action", list(bulk.ACTIONS))
def test_every_bulk_action_as_every_role(crew, role, action):
    spec = bulk.ACTIONS[action]
    kwargs = {"group": "ops"} if spec.needs_group else {}
    if role in permissions.ACTIONS[spec.permission][1]:
        bulk.run_bulk(crew, as_role(role), action, uids=uids(crew, "bob"), dry_run=True, **kwargs)
    else:
        with pytest.raises(PermissionDenied):
            bulk.run_bulk(crew, as_role(role), action, uids=uids(crew, "bob"), dry_run=True, **kwargs)


def test_one_failure_does_not_stop_the_rest(crew):
    admins.grant(crew, SETUP, "ann", "owner")
    admins.grant(crew, SETUP, "bob", "owner")
    report = bulk.run_bulk(crew, as_role("user_admin"), "disable", uids=uids(crew, "ann", "cat"), reason="r")
    assert (
        report.changed == 1 and report.failures == 1 and "may not disable users on an admin account" in report.failed[0]
    )
    assert users.get_user(crew, "cat").status == "disabled"


def test_sign_out_preview_counts_sessions(crew, actor):
    authenticate(crew, "ann", PASSWORD)
    authenticate(crew, "ann", PASSWORD)
    preview = bulk.run_bulk(crew, actor, "sign_out", uids=uids(crew, "ann", "bob"), dry_run=True)
    assert preview.sample[0].change == "2 sessions" and preview.unchanged == {"no live sessions": 1}
    bulk.run_bulk(crew, actor, "sign_out", uids=uids(crew, "ann", "bob"), reason="r")
    assert sessions.list_sessions(crew) == []
