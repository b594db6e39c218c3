"""`userdesk user bulk`: the console's bulk actions from the command line (dry run = the preview)."""

from __future__ import annotations

from store import Actor, Database, users
from tests.cli.helpers import Cli

SETUP = Actor("setup")


def make(tmp_path) -> Cli:
    run = Cli(tmp_path / "cli.db")
    run.ok("init")
    db = Database(str(tmp_path / "cli.db"))
    try:
        for name in ("temp1", "temp2", "temp3", "keep"):
            users.create_user(db, SETUP, {"username": name})
        users.disable_user(db, SETUP, "temp3")
    finally:
        db.close()
    return run


def test_dry_run_then_apply_to_every_match(tmp_path):
    run = make(tmp_path)
    out = run.ok("user", "bulk", "disable", "--search", "temp", "--dry-run").stdout
    assert "3 users considered; 2 would change." in out and "unchanged: 1 (already disabled)" in out
    assert run.json("user", "bulk", "disable", "--search", "temp", "--dry-run")["changed"] == 2
    refused = run.refused("user", "bulk", "disable", "--search", "temp")
    assert "a reason is required" in refused.stderr
    out = run.ok("user", "bulk", "disable", "--search", "temp", "--reason", "cleanup").stdout
    assert "2 changed." in out
    listed = run.json("user", "list", "--status", "disabled")["users"]
    assert sorted(u["username"] for u in listed) == ["temp1", "temp2", "temp3"]


def test_named_users_and_groups(tmp_path):
    run = make(tmp_path)
    run.ok("group", "create", "ops")
    out = run.ok("user", "bulk", "add_group", "temp1", "keep", "--group", "ops", "--reason", "team").stdout
    assert "2 changed." in out
    out = run.ok("user", "bulk", "add_group", "temp1", "temp2", "--group", "ops", "--dry-run").stdout
    assert "1 would change." in out and "unchanged: 1 (already a member)" in out
    assert run.refused("user", "bulk", "disable", "temp1", "--search", "x").stderr.startswith("error: name users")
    assert run.refused("user", "bulk", "disable").stderr.startswith("error: name the users")
