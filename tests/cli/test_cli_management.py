"""Issue 13 item 5 on the command line: group/app rename and delete, remove-member, field edit/delete,
audit filters and history by IP subnet."""

from __future__ import annotations

import pathlib

import pytest

from tests.cli.helpers import PASSWORD, Cli


@pytest.fixture
def run(tmp_path: pathlib.Path) -> Cli:
    cli = Cli(tmp_path / "cli.db")
    cli.ok("init")
    for name in ("nina", "omar"):
        cli.ok("user", "create", "--username", name, "--password-stdin", input=PASSWORD + "\n")
    return cli


def test_group_remove_member_rename_and_delete(run: Cli) -> None:
    run.ok("group", "create", "staff")
    run.ok("group", "add", "staff", "nina")
    run.ok("group", "add", "staff", "omar")
    run.ok("app", "create", "wiki", "--default", "deny")
    run.ok("app", "allow", "wiki", "--group", "staff")
    assert "Removed" in run.ok("group", "remove-member", "staff", "omar", "--reason", "moved").stdout
    assert [m["login"] for m in run.json("group", "members", "staff")["members"]] == ["nina"]
    run.ok("group", "rename", "staff", "employees", "--reason", "reorg")
    assert run.json("group", "list")["groups"][0]["name"] == "employees"
    out = run.ok("group", "delete", "employees", "--reason", "gone", "--yes").stdout
    assert "1 membership and 1 app rule" in out
    assert run.json("group", "list")["groups"] == []
    assert "No group named 'employees'" in run.refused("group", "delete", "employees", "--yes").stderr


def test_group_delete_asks_first(run: Cli) -> None:
    run.ok("group", "create", "staff")
    result = run("group", "delete", "staff", input="n\n")
    assert result.exit_code == 1 and "its 0 app rules?" in result.stderr
    assert run.json("group", "list")["groups"][0]["name"] == "staff"


def test_app_rename_and_delete(run: Cli) -> None:
    run.ok("app", "create", "wiki")
    run.ok("app", "rename", "wiki", "docs")
    assert [a["name"] for a in run.json("app", "list")["apps"]] == ["docs", "self-service"]
    assert "already exists" in run.refused("app", "rename", "docs", "self-service").stderr
    assert "built in" in run.refused("app", "delete", "self-service", "--yes").stderr
    run.ok("app", "delete", "docs", "--yes", "--reason", "retired")
    assert "docs" not in [a["name"] for a in run.json("app", "list")["apps"]]


def test_field_edit_and_delete(run: Cli) -> None:
    run.ok("field", "define", "tier", "--type", "enum", "--options", "gold,silver")
    run.ok("data", "set", "nina", "tier", "gold")
    refused = run.refused("field", "edit", "tier", "--options", "silver,bronze")
    assert "'gold' (1 user)" in refused.stderr
    run.ok("field", "edit", "tier", "--label", "Level", "--options", "gold,silver,bronze")
    out = run.ok("field", "edit", "tier", "--options", "silver", "--clear-removed", "--reason", "x").stdout
    assert "cleared 1 value" in out
    assert run.json("field", "list")["fields"][0]["label"] == "Level"
    assert run("field", "edit", "tier").exit_code == 2
    assert "1 user value" not in run.ok("field", "delete", "tier", "--yes").stdout
    assert run.json("field", "list")["fields"] == []


def test_audit_filters(run: Cli) -> None:
    run.ok("user", "disable", "nina", "--reason", "left")
    run.ok("group", "create", "staff")
    actions = [e["action"] for e in run.json("audit", "--action", "user.")["audit"]]
    assert actions == ["user.disable", "user.create", "user.create"]
    assert [e["action"] for e in run.json("audit", "--target", "staff")["audit"]] == ["group.create"]
    assert [e["action"] for e in run.json("audit", "--user", "nina", "--action", "user.disable")["audit"]] == [
        "user.disable"
    ]
    assert len(run.json("audit", "--since", "2000-01-01", "--until", "2999-01-01T00:00")["audit"]) == 5
    assert run.json("audit", "--since", "2999-01-01")["audit"] == []
    assert run.json("audit", "--actor", "nobody-at-all")["audit"] == []
    assert "must be a date" in run.refused("audit", "--since", "yesterday").stderr


def test_history_by_ip_subnet(run: Cli) -> None:
    for ip in ("10.1.2.3", "192.168.0.9", "2001:db8::1"):
        run("login", "nina", "--password-stdin", "--ip", ip, input=PASSWORD + "\n")
    assert [r["ip"] for r in run.json("history", "nina", "--ip", "10.0.0.0/8")["history"]] == ["10.1.2.3"]
    assert [r["ip"] for r in run.json("history", "nina", "--ip", "2001:db8:")["history"]] == ["2001:db8::1"]
    refused = run.refused("history", "nina", "--ip", "10.0.0.0/99")
    assert refused.stderr.count("\n") == 1 and "is not an IP address, a prefix or a subnet" in refused.stderr
