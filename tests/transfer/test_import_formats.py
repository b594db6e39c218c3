"""Each format imports, then its users sign in through `userdesk login` and their hash becomes argon2id."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from store import Database, users
from tests.cli.helpers import Cli
from tests.transfer import fixtures as fx


@pytest.fixture
def run(tmp_path: pathlib.Path, cli_target: Any) -> Cli:
    runner = Cli(cli_target("cli.db"))
    runner.ok("init")
    return runner


def stored_hash(run: Cli, ref: str) -> str | None:
    db = Database(str(run.target))
    try:
        return users.get_user(db, ref).password_hash
    finally:
        db.close()


def count(run: Cli) -> int:
    db = Database(str(run.target))
    try:
        return users.count_users(db)
    finally:
        db.close()


def sign_in(run: Cli, ref: str, password: str = fx.PASSWORD) -> None:
    run.ok("login", ref, "--password-stdin", input=password + "\n")


def import_ok(run: Cli, path: pathlib.Path, fmt: str, *extra: str) -> str:
    before = count(run)
    dry = run.ok("import", str(path), "--format", fmt, *extra).stdout
    assert "dry run" in dry and count(run) == before
    return run.ok("import", str(path), "--format", fmt, "--apply", *extra).stdout


def assert_signs_in_and_upgrades(run: Cli, ref: str, password: str = fx.PASSWORD) -> None:
    assert stored_hash(run, ref).startswith("$userdesk-foreign$")
    run.refused("login", ref, "--password-stdin", input="not the password at all\n")
    sign_in(run, ref, password)
    assert stored_hash(run, ref).startswith("$argon2id$")
    sign_in(run, ref, password)


@pytest.mark.slow
def test_auth0_every_hash_kind(run: Cli, tmp_path: pathlib.Path) -> None:
    run.ok("field", "define", "plan", "--type", "enum", "--options", "gold,silver")
    path = fx.write_json(tmp_path / "auth0.json", fx.auth0_users())
    out = import_ok(run, path, "auth0")
    assert "6 created" in out, out
    for user in fx.auth0_users():
        assert_signs_in_and_upgrades(run, user["email"])
    assert run.json("data", "show", "ar@example.com") == {"data": {"plan": "gold"}}


def test_keycloak_pbkdf2_any_length_and_argon2_groups_identities(run: Cli, tmp_path: pathlib.Path) -> None:
    path = fx.write_json(tmp_path / "realm.json", fx.keycloak_realm())
    out = import_ok(run, path, "keycloak", "--match", "username")
    assert "4 created" in out and "groups created: 1" in out, out
    for user in fx.keycloak_realm()["users"]:
        assert_signs_in_and_upgrades(run, user["username"])
    shown = run.json("user", "show", "kc256")
    assert "staff" in str(shown["groups"]) and "gh-kc256" in str(shown["identities"])


def test_firebase_modified_scrypt(run: Cli, tmp_path: pathlib.Path) -> None:
    path = fx.write_json(tmp_path / "firebase.json", fx.firebase_export())
    params = tmp_path / "params.txt"
    params.write_text(fx.FIREBASE_PARAMS)
    without = run.refused("import", str(path), "--format", "firebase")
    assert "firebase-params" in without.stdout
    import_ok(run, path, "firebase", "--firebase-params", str(params))
    assert_signs_in_and_upgrades(run, "user1@example.com", fx.FIREBASE_PASSWORD)
    assert stored_hash(run, "nohash@example.com") is None


def test_csv_and_userdesk_ndjson(run: Cli, tmp_path: pathlib.Path) -> None:
    run.ok("field", "define", "team", "--type", "string")
    csv_path = fx.write_csv(
        tmp_path / "users.csv",
        ["username", "email", "name", "custom.team", "groups", "password_hash"],
        [
            ["cara", "cara@example.com", "Cara", "blue", "staff;ops", fx.bcrypt_hash()],
            ["dan", "dan@example.com", "=cmd", "", "", ""],
        ],
    )
    import_ok(run, csv_path, "csv")
    assert_signs_in_and_upgrades(run, "cara")
    nd = fx.write_ndjson(
        tmp_path / "users.ndjson",
        [
            {"type": "userdesk-export", "version": 1},
            {"type": "field", "key": "level", "field_type": "number"},
            {"type": "user", "username": "erin", "custom": {"level": 3}, "password_hash": fx.bcrypt_hash()},
        ],
    )
    import_ok(run, nd, "userdesk")
    assert_signs_in_and_upgrades(run, "erin")


def test_rerun_creates_nothing_twice_and_adds_a_hash_later(run: Cli, tmp_path: pathlib.Path) -> None:
    first = fx.write_json(tmp_path / "a.json", [{"email": "bc@example.com", "username": "bc"}])
    run.ok("import", str(first), "--format", "auth0", "--apply")
    assert stored_hash(run, "bc") is None
    second = fx.write_json(tmp_path / "b.json", fx.auth0_users()[:1])
    out = run.ok("import", str(second), "--format", "auth0", "--apply").stdout
    assert "0 created" in out and "1 password hashes added" in out, out
    again = run.ok("import", str(second), "--format", "auth0", "--apply").stdout
    assert "0 created" in again and "1 skipped" in again and count(run) == 1
    assert_signs_in_and_upgrades(run, "bc")
    failed = run.refused("import", str(second), "--format", "auth0", "--on-conflict", "fail")
    assert "already in the directory" in failed.stdout


def test_on_conflict_update_changes_the_profile(run: Cli, tmp_path: pathlib.Path) -> None:
    run.ok(
        "import",
        str(fx.write_json(tmp_path / "a.json", [{"email": "u@example.com", "name": "Old"}])),
        "--format",
        "auth0",
        "--apply",
    )
    path = fx.write_json(tmp_path / "b.json", [{"email": "u@example.com", "name": "New"}])
    run.ok("import", str(path), "--format", "auth0", "--apply", "--on-conflict", "update")
    assert run.json("user", "show", "u@example.com")["user"]["name"] == "New"


def test_test_password_checks_the_file_hash_before_cutover(run: Cli, tmp_path: pathlib.Path) -> None:
    path = fx.write_json(tmp_path / "auth0.json", fx.auth0_users())
    good = run.ok(
        "import", str(path), "--format", "auth0", "--test-password", "sha@example.com", input=fx.PASSWORD + "\n"
    )
    assert "test password for sha@example.com: match" in good.stdout
    bad = run.refused(
        "import", str(path), "--format", "auth0", "--test-password", "sha@example.com", input="wrong one\n"
    )
    assert "mismatch" in bad.stdout and count(run) == 0
    missing = run.refused("import", str(path), "--format", "auth0", "--test-password", "ghost", input="x\n")
    assert "not found" in missing.stdout


def test_audit_has_one_event_per_batch(run: Cli, tmp_path: pathlib.Path) -> None:
    rows = [{"email": f"u{i}@example.com"} for i in range(25)]
    path = fx.write_json(tmp_path / "many.json", rows)
    run.ok("import", str(path), "--format", "auth0", "--apply", "--batch-size", "10")
    events = [e for e in run.json("audit", "--limit", "100")["audit"] if e["action"] == "user.import"]
    assert len(events) == 3 and all(e["target_label"] == "many.json" for e in events)


def test_json_report_has_the_summary_and_issues_and_no_secret(run: Cli, tmp_path: pathlib.Path) -> None:
    users = [*fx.auth0_users()[:1], {"email": "not-an-email"}]
    path = fx.write_json(tmp_path / "a.json", users)
    result = run.refused("import", str(path), "--format", "auth0", "--json")
    data = json.loads(result.stdout)
    assert data["summary"]["created"] == 1 and data["summary"]["errors"] == 1 and data["summary"]["applied"] is False
    assert data["issues"] == [
        {
            "line": 2,
            "identifier": "not-an-email",
            "field": "email",
            "reason": "Email 'not-an-email' is not a valid address (expected name@example.com).",
            "level": "error",
        }
    ]
    assert "$2b$" not in result.stdout
