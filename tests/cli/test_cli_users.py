"""The `userdesk` CLI: init, users, custom data, apps, groups, identities, audit, output safety."""

from __future__ import annotations

import json
import os
import pathlib
import stat
import subprocess
import sys

import pytest

from store import Database
from tests.cli.helpers import PASSWORD, Cli


@pytest.fixture
def run(db_target: str) -> Cli:
    runner = Cli(db_target)
    runner.ok("init")
    return runner


def test_python_dash_m_tui_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=pathlib.Path(__file__).parents[2],
    )
    assert result.returncode == 0, result.stderr
    for command in (
        "init",
        "demo",
        "user",
        "mfa",
        "login",
        "session",
        "history",
        "field",
        "data",
        "app",
        "group",
        "identity",
        "audit",
        "admin",
        "self-service",
    ):
        assert f"  {command} " in result.stdout or f"  {command}\n" in result.stdout, command


@pytest.mark.sqlite_only("a missing SQLite file is not created; a missing server database: test_cli_postgresql.py")
def test_a_missing_database_is_refused_except_by_init(tmp_path: pathlib.Path) -> None:
    runner = Cli(tmp_path / "nowhere.db")
    result = runner.refused("user", "list")
    assert "no database at" in result.stderr and "userdesk init" in result.stderr
    assert "no database" in runner.refused("admin").stderr
    assert not (tmp_path / "nowhere.db").exists()


@pytest.mark.sqlite_only("file modes of the database file")
def test_init_creates_private_files_and_is_idempotent(tmp_path: pathlib.Path) -> None:
    runner = Cli(tmp_path / "data" / "cli.db")
    first = runner.ok("init").stdout
    db_file, key_file = tmp_path / "data" / "cli.db", tmp_path / "config" / "secret.key"
    assert str(db_file) in first and str(key_file) in first and "self-service app  created" in first
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "self-service app  present" in runner.ok("init").stdout
    assert [a["name"] for a in runner.json("app", "list")["apps"]] == ["self-service"]


@pytest.mark.sqlite_only("about sqlite:/// URLs; $USERDESK_DB with a server URL: test_cli_postgresql.py")
def test_db_option_accepts_a_sqlite_url_and_env_default(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from tui.cli import cli

    url = f"sqlite:///{tmp_path / 'url.db'}"
    assert CliRunner().invoke(cli, ["--db", url, "init"]).exit_code == 0
    assert (tmp_path / "url.db").exists()
    monkeypatch.setenv("USERDESK_DB", str(tmp_path / "url.db"))
    result = CliRunner().invoke(cli, ["app", "list", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["apps"][0]["name"] == "self-service"
    bad = CliRunner().invoke(cli, ["--db", "mysql://x/y", "user", "list"])
    assert bad.exit_code == 1 and bad.stderr.startswith("error: unsupported database 'mysql'")


def test_user_lifecycle(run: Cli) -> None:
    created = run.ok(
        "user",
        "create",
        "--username",
        "nina.kim42",
        "--email",
        "Nina@Example.com",
        "--phone",
        "+1 415 555 0123",
        "--name",
        "Nina Kim",
        "--password-stdin",
        "--must-change-password",
        input=PASSWORD + "\n",
    ).stdout
    assert created.startswith("Created user nina.kim42 (uid ")
    run.refused("user", "create", "--username", "nina.kim42")  # duplicate
    assert "already used" in run("user", "create", "--username", "nina.kim42").stderr
    run.refused("user", "create", "--name", "Nobody")  # no username/email/phone
    run.refused("user", "create", "--username", "weak", "--password-stdin", input="password\n")

    shown = run.json("user", "show", "nina@example.com")
    assert set(shown) == {"user", "groups", "custom_data", "mfa", "identities", "lock", "access", "live_sessions"}
    user = shown["user"]
    assert (user["username"], user["email"], user["phone"]) == ("nina.kim42", "nina@example.com", "+14155550123")
    assert user["must_change_password"] is True and user["password_set"] is True
    assert "password_hash" not in user and "totp_secret" not in user
    assert shown["mfa"] == {"state": "none", "recovery_codes_left": 0}
    assert shown["lock"] == {"locked": False, "locked_until": None, "failed_attempts": 0}
    assert shown["access"] == [{"app": "self-service", "allowed": True, "why": "default: allow"}]
    plain = run.ok("user", "show", "+14155550123").stdout
    assert "nina.kim42" in plain and "must change at next sign-in" in plain

    run.ok("user", "update", "nina.kim42", "--set", "city=Oslo", "--set", "name=Nina K.")
    assert run.json("user", "show", "nina.kim42")["user"]["city"] == "Oslo"
    run.refused("user", "update", "nina.kim42", "--set", "cityOslo", code=2)
    assert "cannot be changed here" in run.refused("user", "update", "nina.kim42", "--set", "shoe=42").stderr
    run.refused("user", "update", "nina.kim42", "--set", "email=not-an-email")

    assert run.ok("user", "disable", "nina.kim42", "--reason", "left").stdout == "Disabled nina.kim42\n"
    assert run.json("user", "show", "nina.kim42")["user"]["status"] == "disabled"
    run.ok("user", "enable", "nina.kim42")
    run.ok("user", "archive", "nina.kim42")
    assert run.json("user", "list", "--status", "archived")["users"][0]["username"] == "nina.kim42"
    run.ok("user", "enable", "nina.kim42")
    run.ok("user", "unlock", "nina.kim42")
    run.refused("user", "disable", "ghost")

    aborted = run("user", "delete", "nina.kim42", input="n\n")
    assert aborted.exit_code == 1 and run.json("user", "show", "nina.kim42")
    assert run.ok("user", "delete", "nina.kim42", "--yes", "--reason", "gdpr").stdout == "Deleted nina.kim42\n"
    run.refused("user", "show", "nina.kim42")


def test_user_list_search_status_limit_and_json_shape(run: Cli) -> None:
    for name in ("alice.smith", "bob.smithers", "carol.jones"):
        run.ok("user", "create", "--username", name, "--email", f"{name}@example.com")
    listing = run.json("user", "list", "--search", "smith")
    assert [u["username"] for u in listing["users"]] == ["alice.smith", "bob.smithers"]
    assert listing["count"] == 2 and listing["count_capped"] is False
    assert set(listing["users"][0]) == {
        "uid",
        "username",
        "name",
        "email",
        "phone",
        "status",
        "mfa",
        "last_login_at",
        "created_at",
    }
    assert len(run.json("user", "list", "--limit", "1")["users"]) == 1
    plain = run.ok("user", "list", "--search", "jones")
    assert "carol.jones" in plain.stdout and "alice" not in plain.stdout and "(1 of 1 users)" in plain.stderr
    run.refused("user", "list", "--status", "sleeping", code=2)
    run.refused("user", "list", "--limit", "0", code=2)


def test_set_password_reads_stdin_and_ends_sessions(run: Cli) -> None:
    run.ok("user", "create", "--username", "sam", "--password-stdin", input=PASSWORD + "\n")
    token = run.json("login", "sam", "--password-stdin", input=PASSWORD + "\n")["token"]
    new = "a different passphrase entirely"
    out = run.ok("user", "set-password", "sam", "--password-stdin", "--must-change-password", input=new + "\n").stdout
    assert "sessions were ended" in out and new not in out
    run.refused("session", "check", input=token)
    assert run.json("login", "sam", "--password-stdin", input=new + "\n")["must_change_password"] is True
    run.refused("user", "set-password", "sam", "--password-stdin", input="\n")
    assert "too short" in run.refused("user", "set-password", "sam", "--password-stdin", input="short\n").stderr
    run.refused("user", "set-password", "ghost", "--password-stdin", input=new + "\n")


def test_fields_and_data(run: Cli) -> None:
    run.ok("user", "create", "--username", "dora")
    run.ok("field", "define", "employee_id", "--type", "string", "--unique", "--label", "Employee ID")
    run.ok("field", "define", "tier", "--type", "enum", "--options", " gold , silver,,", "--user-editable")
    run.ok("field", "define", "start", "--type", "date")
    run.refused("field", "define", "tier", "--type", "enum", "--options", "x")  # exists
    run.refused("field", "define", "flag", "--type", "boolean", "--unique")
    run.refused("field", "define", "x", "--type", "colour", code=2)
    fields = run.json("field", "list")["fields"]
    assert [f["key"] for f in fields] == ["employee_id", "start", "tier"]
    assert fields[2] == {
        "key": "tier",
        "label": "Tier",
        "type": "enum",
        "options": ["gold", "silver"],
        "unique": False,
        "user_editable": True,
    }

    assert run.ok("data", "set", "dora", "tier", "gold").stdout == "tier = gold\n"
    run.ok("data", "set", "dora", "start", "2024-02-29")
    assert "must be one of: gold, silver" in run.refused("data", "set", "dora", "tier", "bronze").stderr
    assert "not a date" in run.refused("data", "set", "dora", "start", "yesterday").stderr
    run.refused("data", "set", "dora", "nope", "1")
    assert run.json("data", "show", "dora") == {"data": {"employee_id": None, "start": "2024-02-29", "tier": "gold"}}
    assert run.ok("data", "set", "dora", "tier", "").stdout == "tier = (cleared)\n"
    assert run.json("user", "show", "dora")["custom_data"]["tier"] is None


def test_apps_groups_and_access_rules(run: Cli) -> None:
    for name in ("erin", "finn"):
        run.ok("user", "create", "--username", name, "--password-stdin", input=PASSWORD + "\n")
    run.ok("app", "create", "billing", "--default", "deny")
    run.refused("app", "create", "billing")
    run.ok("group", "create", "finance", "--description", "Money people")
    assert run.ok("group", "add", "finance", "erin").stdout == "Added erin to finance\n"
    assert "already in" in run.ok("group", "add", "finance", "erin").stdout
    run.ok("app", "allow", "billing", "--group", "finance")
    run.refused("app", "allow", "billing", code=2)
    run.refused("app", "allow", "billing", "--user", "erin", "--group", "finance", code=2)
    run.refused("app", "allow", "nope", "--user", "erin")

    assert (
        run.json("login", "erin", "--password-stdin", "--app", "billing", input=PASSWORD + "\n")["username"] == "erin"
    )
    run.refused("login", "finn", "--password-stdin", "--app", "billing", input=PASSWORD + "\n")
    run.ok("app", "allow", "billing", "--user", "finn")
    run.ok("login", "finn", "--password-stdin", "--app", "billing", input=PASSWORD + "\n")
    run.ok("app", "deny", "billing", "--user", "erin")
    access = {a["app"]: a for a in run.json("user", "show", "erin")["access"]}
    assert access["billing"] == {"app": "billing", "allowed": False, "why": "user rule: deny"}

    assert run.json("app", "list") == {
        "apps": [
            {"name": "billing", "default": "deny", "rules": 3},
            {"name": "self-service", "default": "allow", "rules": 0},
        ]
    }
    assert run.json("group", "list") == {"groups": [{"name": "finance", "description": "Money people", "members": 1}]}
    assert run.json("user", "show", "erin")["groups"] == ["finance"]
    run.ok("group", "remove", "finance", "erin")
    run.refused("group", "remove", "finance", "erin")
    run.refused("group", "add", "nogroup", "erin")


def test_identities(run: Cli) -> None:
    run.ok("user", "create", "--username", "gus")
    run.ok("user", "create", "--username", "hal")
    run.ok("identity", "link", "gus", "github", "12345")
    run.ok("identity", "link", "gus", "google", "108")
    assert "another user" in run.refused("identity", "link", "hal", "github", "12345").stderr
    shown = run.json("user", "show", "gus")["identities"]
    assert [(i["provider"], i["subject"]) for i in shown] == [("github", "12345"), ("google", "108")]
    assert run.ok("identity", "unlink", "gus", "github").stdout == "Unlinked 1 github identity from gus\n"
    run.refused("identity", "unlink", "gus", "github")


def test_audit_log_filters_by_user_and_survives_deletion(run: Cli) -> None:
    uid = run.json("user", "show", run.ok("user", "create", "--username", "ivy").stdout.split()[2])["user"]["uid"]
    run.ok("user", "disable", "ivy", "--reason", "on leave")
    run.ok("user", "delete", "ivy", "--yes")
    entries = run.json("audit", "--user", uid)["audit"]
    assert [e["action"] for e in entries] == ["user.delete", "user.disable", "user.create"]
    assert entries[1]["reason"] == "on leave" and entries[1]["changes"]["status"] == ["active", "disabled"]
    assert set(entries[0]) == {
        "id",
        "ts",
        "actor",
        "actor_address",
        "actor_detail",
        "action",
        "target_type",
        "target_uid",
        "target_label",
        "reason",
        "changes",
    }
    assert len(run.json("audit", "--limit", "2")["audit"]) == 2
    assert "user.delete" in run.ok("audit").stdout
    run.refused("audit", "--user", "nobody")


def test_control_characters_in_data_cannot_reach_the_terminal(run: Cli) -> None:
    """Legacy rows may hold ESC sequences; plain output escapes them, JSON encodes them."""
    run.ok("user", "create", "--username", "mallory")
    run.sql(
        """UPDATE "user" SET name = :name, city = :city WHERE username = 'mallory'""",
        {"name": "\x1b]0;pwned\x07Mal", "city": "\x1b[2J\x9bcity"},
    )
    for args in (("user", "show", "mallory"), ("user", "list"), ("user", "list", "--search", "Mal")):
        out = run.ok(*args).stdout
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out, args
    assert "\\x1b]0;pwned\\x07Mal" in run.ok("user", "show", "mallory").stdout
    raw = run.ok("user", "show", "mallory", "--json").stdout
    assert "\x1b" not in raw and "\\u001b]0;pwned\\u0007Mal" in raw
    assert json.loads(raw)["user"]["name"] == "\x1b]0;pwned\x07Mal"
    result = run("user", "show", "\x1b[31mghost")
    assert result.exit_code == 1 and "\x1b" not in result.stderr


def test_consoles_open_with_the_database(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.admin.app import AdminApp
    from tui.selfservice.app import SelfServiceApp

    opened: list[tuple[str, str]] = []
    # the admin console opens on the first look of the file (SQLite); the full store follows after its first paint
    monkeypatch.setattr(
        AdminApp,
        "run",
        lambda self, *a, **k: opened.append(("admin", str(self.warmup.look.path) if self.warmup else self.db.label)),
    )
    monkeypatch.setattr(SelfServiceApp, "run", lambda self, *a, **k: opened.append(("self", self.db.label)))
    run.ok("admin")
    run.ok("self-service")
    from click.testing import CliRunner

    from tui.cli import cli

    assert CliRunner().invoke(cli, ["--db", str(run.target)]).exit_code == 0  # no command: the admin console
    probe = Database(str(run.target))
    label = probe.label
    probe.close()
    assert opened == [("admin", label), ("self", label), ("admin", label)]


def test_secrets_never_come_from_argv(run: Cli) -> None:
    """There is no --password option anywhere; passwords come from stdin or a hidden prompt."""
    for args in (("user", "create"), ("user", "set-password"), ("login",)):
        result = run(*args, "--help")
        assert "--password-stdin" in result.stdout and "--password " not in result.stdout
    assert os.environ.get("USERDESK_DB") is None


def test_a_password_set_by_an_admin_must_be_changed_unless_opted_out_with_a_reason(run: Cli) -> None:
    """Issue 8 item 13: an admin knows the password they set, so the user must replace it at the next sign-in."""
    run.ok("user", "create", "--username", "sam", "--password-stdin", input=PASSWORD + "\n")
    new = "a different passphrase entirely"
    assert (
        "(must change at next sign-in)" in run.ok("user", "set-password", "sam", "--password-stdin", input=new).stdout
    )
    assert run.json("user", "show", "sam")["user"]["must_change_password"] is True

    opt_out = ("user", "set-password", "sam", "--password-stdin", "--no-must-change-password")
    assert "--reason" in run.refused(*opt_out, input=PASSWORD, code=2).stderr
    assert run.json("login", "sam", "--password-stdin", input=new)["username"] == "sam"  # unchanged by the refusal
    out = run.ok(*opt_out, "--reason", "user chose it on the phone", input=PASSWORD).stdout
    assert "must change" not in out
    assert run.json("user", "show", "sam")["user"]["must_change_password"] is False
    entry = run.json("audit", "--user", "sam", "--limit", "1")["audit"][0]
    assert entry["reason"] == "user chose it on the phone"
