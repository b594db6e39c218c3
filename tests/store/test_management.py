"""Issue 13 item 5 (store): group members, rename/delete of groups and apps, field edit/delete, the
audit log's filters and login history by IP prefix or subnet."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from store import NotFound, ValidationError, access, apps_groups, auth, custom, history, users
from store.audit import Actor
from store.errors import PermissionDenied
from store.models import AppRule, AuditEntry, CustomValue, GroupMember, LoginEvent

from ..conftest import PASSWORD

HELPDESK = Actor("helen", kind="admin", role="helpdesk", user_id=99)


@pytest.fixture
def people(db, actor):
    return [users.create_user(db, actor, {"username": f"u{i}"}, password=PASSWORD) for i in range(3)]


def last_audit(db) -> AuditEntry:
    with db.read() as s:
        return s.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()


def test_group_members_are_paged_and_removal_is_audited(db, actor, people):
    access.create_group(db, actor, "staff")
    for p in people:
        access.add_member(db, actor, "staff", p.username)
    first = apps_groups.group_members(db, "staff", limit=2)
    rest = apps_groups.group_members(db, "staff", after=first[-1].cursor, limit=2)
    assert [m.login for m in first + rest] == ["u0", "u1", "u2"]  # by login name
    assert {m.uid for m in first + rest} == {p.uid for p in people}
    assert access.remove_member(db, actor, "staff", "u1", reason="left the team")
    entry = last_audit(db)
    assert (entry.action, entry.reason, json.loads(entry.changes)) == (
        "group.remove_member",
        "left the team",
        {"group": ["staff", None]},
    )


def test_rename_group_keeps_members_and_rules(db, actor, people):
    access.create_group(db, actor, "staff")
    access.add_member(db, actor, "staff", "u0")
    access.create_app(db, actor, "wiki", "deny")
    access.set_rule(db, actor, "wiki", "allow", group="staff")
    assert apps_groups.rename_group(db, actor, "staff", "employees", reason="new org chart") == "employees"
    assert access.user_groups(db, people[0].id) == ["employees"]
    assert access.app_rules(db, "wiki")[0].subject == "employees"
    entry = last_audit(db)
    assert (entry.action, json.loads(entry.changes)) == ("group.rename", {"name": ["staff", "employees"]})


def test_rename_refuses_taken_empty_and_same_names(db, actor):
    access.create_group(db, actor, "a")
    access.create_group(db, actor, "b")
    for new in ("b", "", "a"):
        with pytest.raises(ValidationError):
            apps_groups.rename_group(db, actor, "a", new)
    with pytest.raises(NotFound):
        apps_groups.rename_group(db, actor, "nope", "c")
    access.create_app(db, actor, "x")
    access.create_app(db, actor, "y")
    with pytest.raises(ValidationError, match="already exists"):
        apps_groups.rename_app(db, actor, "x", "y")


def test_delete_group_previews_and_removes_memberships_and_rules(db, actor, people):
    access.create_group(db, actor, "temps")
    for p in people[:2]:
        access.add_member(db, actor, "temps", p.username)
    access.create_app(db, actor, "wiki")
    access.set_rule(db, actor, "wiki", "deny", group="temps")
    preview = apps_groups.group_delete_preview(db, "temps")
    assert (preview.memberships, preview.rules) == (2, 1)
    assert preview.summary() == "2 memberships and 1 app rule"
    gone = apps_groups.delete_group(db, actor, "temps", reason="contract ended")
    assert gone == preview
    with db.read() as s:
        assert s.exec(select(GroupMember)).all() == [] and s.exec(select(AppRule)).all() == []
    assert [g.name for g, _n in access.list_groups(db)] == []
    entry = last_audit(db)
    assert entry.action == "group.delete" and entry.reason == "contract ended"
    assert json.loads(entry.changes)["members"] == [2, 0]


def test_delete_app_keeps_history_and_removes_rules(db, actor, people):
    access.create_app(db, actor, "wiki", "deny")
    access.set_rule(db, actor, "wiki", "allow", user_ref="u0")
    auth.authenticate(db, "u0", PASSWORD, attempt=auth.Attempt(app="wiki"))
    assert apps_groups.app_delete_preview(db, "wiki").rules == 1
    apps_groups.delete_app(db, actor, "wiki", reason="retired")
    assert [a.name for a, _n in access.list_apps(db)] == []
    with db.read() as s:
        assert s.exec(select(AppRule)).all() == []
        assert len(s.exec(select(LoginEvent)).all()) == 1  # history kept, app left blank
    assert last_audit(db).action == "app.delete"


def test_management_needs_the_manage_roles(db, actor):
    access.create_group(db, actor, "g")
    access.create_app(db, actor, "a")
    custom.define_field(db, actor, "tier", "enum", options=["gold"])
    for call in (
        lambda: apps_groups.rename_group(db, HELPDESK, "g", "h"),
        lambda: apps_groups.delete_group(db, HELPDESK, "g"),
        lambda: apps_groups.rename_app(db, HELPDESK, "a", "b"),
        lambda: apps_groups.delete_app(db, HELPDESK, "a"),
        lambda: custom.edit_field(db, HELPDESK, "tier", label="Tier"),
        lambda: custom.delete_field(db, HELPDESK, "tier"),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_edit_field_label_and_options_with_in_use_refusal(db, actor, people):
    custom.define_field(db, actor, "tier", "enum", options=["gold", "silver", "bronze"])
    custom.set_value(db, actor, "u0", "tier", "gold")
    custom.set_value(db, actor, "u1", "tier", "gold")
    custom.set_value(db, actor, "u2", "tier", "silver")
    impact = custom.field_impact(db, "tier", ["silver", "bronze"])
    assert (impact.values, impact.removed_in_use, impact.cleared) == (3, {"gold": 2}, 2)
    with pytest.raises(ValidationError, match=r"'gold' \(2 users\)"):
        custom.edit_field(db, actor, "tier", options=["silver", "bronze"])
    assert custom.options_of(custom.require_field(db, "tier")) == ["gold", "silver", "bronze"]  # nothing changed
    custom.edit_field(db, actor, "tier", label="Level", options=["gold", "silver", "bronze", "platinum"])
    assert custom.options_of(custom.require_field(db, "tier")) == ["gold", "silver", "bronze", "platinum"]
    assert custom.require_field(db, "tier").label == "Level"
    custom.edit_field(db, actor, "tier", options=["gold", "bronze"], clear_removed=True, reason="silver retired")
    with db.read() as s:
        assert sorted(s.exec(select(CustomValue.value)).all()) == ["gold", "gold"]
    values = {v.field.key: v.value for v in custom.user_values(db, people[2].id)}
    assert values["tier"] is None
    entry = last_audit(db)
    assert entry.action == "field.edit" and json.loads(entry.changes)["values_cleared"] == [1, 0]


def test_edit_field_refuses_bad_edits(db, actor):
    custom.define_field(db, actor, "code", "string")
    with pytest.raises(ValidationError, match="only to enum"):
        custom.edit_field(db, actor, "code", options=["a"])
    with pytest.raises(ValidationError, match="empty"):
        custom.edit_field(db, actor, "code", label="  ")
    with pytest.raises(ValidationError, match="Nothing to change"):
        custom.edit_field(db, actor, "code", label="Code")
    with pytest.raises(NotFound):
        custom.edit_field(db, actor, "nope", label="x")


def test_delete_field_removes_values(db, actor, people):
    custom.define_field(db, actor, "badge", "string")
    custom.set_value(db, actor, "u0", "badge", "B-1")
    assert custom.field_impact(db, "badge").values == 1
    assert custom.delete_field(db, actor, "badge", reason="unused").values == 1
    assert custom.list_fields(db) == []
    with db.read() as s:
        assert s.exec(select(CustomValue)).all() == []
    assert last_audit(db).action == "field.delete"


def test_audit_filters_by_actor_action_target_and_dates(db, clock, people):
    nina, omar = Actor("nina"), Actor("omar")
    start = db.now()
    users.disable_user(db, nina, "u0", "left")
    clock.advance(3600)
    users.disable_user(db, omar, "u1", "left")
    clock.advance(3600)
    access.create_group(db, nina, "staff")
    by_nina = history.filtered_audit_log(db, history.AuditFilter(actor="nina"))
    assert [e.action for e in by_nina] == ["group.create", "user.disable"]
    assert [e.target_label for e in history.filtered_audit_log(db, history.AuditFilter(action="user.disable"))] == [
        "u1",
        "u0",
    ]
    prefix = history.filtered_audit_log(db, history.AuditFilter(action="group."))
    assert [e.action for e in prefix] == ["group.create"]
    assert [e.actor for e in history.filtered_audit_log(db, history.AuditFilter(target=people[1].uid))] == [
        "omar",
        "tester",
    ]
    assert [e.actor for e in history.filtered_audit_log(db, history.AuditFilter(target="staff"))] == ["nina"]
    window = history.AuditFilter(since=start + 1800, until=start + 5400)
    assert [e.target_label for e in history.filtered_audit_log(db, window)] == ["u1"]
    assert history.filtered_audit_log(db, history.AuditFilter(since=start + 10 * 3600)) == []
    page = history.filtered_audit_log(db, history.AuditFilter(actor="nina"), limit=1)
    more = history.filtered_audit_log(db, history.AuditFilter(actor="nina"), before_id=page[-1].id)
    assert [e.action for e in page + more] == ["group.create", "user.disable"]
    with pytest.raises(PermissionDenied):
        history.filtered_audit_log(db, history.AuditFilter(), actor=HELPDESK)


@pytest.mark.sqlite_only  # EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by statistics of real data
def test_audit_filters_use_indexes(db):
    """Each filter is served by an index: no full scan of the audit table (checked with EXPLAIN)."""
    from sqlalchemy.dialects import sqlite

    for flt in (
        history.AuditFilter(actor="nina"),
        history.AuditFilter(action="user."),
        history.AuditFilter(action="user.disable"),
        history.AuditFilter(target="staff"),
    ):
        captured: list[str] = []
        with db.read() as s:
            from sqlalchemy import event

            def grab(conn, cursor, statement, params, context, executemany, _c=captured):
                if "FROM audit" in statement and "EXPLAIN" not in statement:
                    _c.append((statement, params))

            event.listen(s.get_bind(), "before_cursor_execute", grab)
            try:
                history.filtered_audit_log(db, flt)
            finally:
                event.remove(s.get_bind(), "before_cursor_execute", grab)
        assert captured, flt
        with db.read() as s:
            for statement, params in captured:
                plan = " ".join(
                    str(r[-1]) for r in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                )
                assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, (flt, plan)
                assert "SCAN audit" not in plan.replace("USING", "|USING").split("|")[0] or "INDEX" in plan, plan
    assert sqlite  # the dialect the plans above are for


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("10.0.0.7", "10.0.0.7"),
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.1.2.3/8", "10.0.0.0/8"),
        ("10.0.", "10.0.0.0/16"),
        ("192.168", "192.168.0.0/16"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("2001:db8:", "2001:db8::/32"),
        ("::1", "::1"),
    ],
)
def test_ip_filter_parses_addresses_prefixes_and_subnets(typed, expected):
    assert str(history.parse_ip_filter(typed)) == expected


@pytest.mark.parametrize("typed", ["10.0.0.0/33", "banana", "300.1.", "10..1", "2001:db8::/129", "1.2.3.4.5"])
def test_ip_filter_refuses_bad_input_with_one_message(typed):
    with pytest.raises(ValidationError, match="is not an IP address, a prefix or a subnet"):
        history.parse_ip_filter(typed)


def test_login_history_by_subnet_and_ipv6_prefix(db, people):
    uid = people[0].id
    for ip in ["10.0.0.1", "10.20.0.1", "192.168.1.9", "2001:db8::5", "2001:db9::1", "10.15.3.3"]:
        auth.authenticate(db, "u0", PASSWORD, attempt=auth.Attempt(ip=ip))
        db.clock.advance(1)

    def ips(text: str, **kw) -> list[str | None]:
        return [r.ip for r in history.login_history(db, uid, history.HistoryFilter(ip=text), **kw)]

    assert ips("10.0.0.0/8") == ["10.15.3.3", "10.20.0.1", "10.0.0.1"]
    assert ips("10.0.0.0/12") == ["10.15.3.3", "10.0.0.1"]  # not an octet boundary: tested with ipaddress
    assert ips("10.") == ["10.15.3.3", "10.20.0.1", "10.0.0.1"]
    assert ips("2001:db8::/32") == ["2001:db8::5"]
    assert ips("192.168.1.9") == ["192.168.1.9"]
    assert ips("10.0.0.0/8", limit=2) == ["10.15.3.3", "10.20.0.1"]
    first = history.login_history(db, uid, history.HistoryFilter(ip="10.0.0.0/8"), limit=1)
    rest = history.login_history(db, uid, history.HistoryFilter(ip="10.0.0.0/8"), before=first[-1].cursor)
    assert [r.ip for r in rest] == ["10.20.0.1", "10.0.0.1"]


def test_the_self_service_app_is_built_in(db, actor):
    from store import selfservice

    assert apps_groups.BUILT_IN_APP == selfservice.SELF_SERVICE_APP
    selfservice.ensure_app(db)
    for call in (
        lambda: apps_groups.rename_app(db, actor, "self-service", "portal"),
        lambda: apps_groups.delete_app(db, actor, "self-service"),
    ):
        with pytest.raises(ValidationError, match="built in"):
            call()
