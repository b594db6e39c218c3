"""Export: filters, 0600, formula cells neutralised, audit; round trip into an empty database."""

from __future__ import annotations

import csv
import json
import pathlib
import stat
from typing import Any

import pytest

from tests.cli.helpers import OATHTOOL, PASSWORD, Cli, totp_code
from tests.transfer.test_import_formats import stored_hash


@pytest.fixture
def source(tmp_path: pathlib.Path, cli_target: Any) -> Cli:
    run = Cli(cli_target("source.db"))
    run.ok("init")
    run.ok("field", "define", "tier", "--type", "enum", "--options", "gold,silver")
    run.ok("field", "define", "badge", "--type", "number", "--unique")
    run.ok("group", "create", "staff")
    run.ok(
        "user",
        "create",
        "--username",
        "ann",
        "--email",
        "ann@example.com",
        "--phone",
        "+14155550123",
        "--name",
        '=HYPERLINK("http://x")',
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    run.ok("user", "create", "--username", "bob", "--password-stdin", input=PASSWORD + "\n")
    run.ok("user", "create", "--email", "cy@example.com")
    run.ok("data", "set", "ann", "tier", "gold")
    run.ok("data", "set", "ann", "badge", "7")
    run.ok("group", "add", "staff", "ann")
    run.ok("identity", "link", "ann", "github", "gh-ann")
    run.ok("user", "disable", "cy@example.com")
    return run


def test_export_filters_mode_and_audit(source: Cli, tmp_path: pathlib.Path) -> None:
    dest = tmp_path / "active.ndjson"
    out = source.ok("export", str(dest), "--status", "active").stdout
    assert "exported 2 users" in out
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    users = [json.loads(line) for line in dest.read_text().splitlines() if '"type": "user"' in line]
    assert [u["username"] for u in users] == ["ann", "bob"] and all("password_hash" not in u for u in users)
    assert source.refused("export", str(dest)).stderr.startswith("error: ")  # never overwritten
    assert not list(tmp_path.glob(".*.part"))
    searched = tmp_path / "s.ndjson"
    assert "exported 1 users" in source.ok("export", str(searched), "--search", "bo").stdout
    actions = [e["action"] for e in source.json("audit", "--limit", "5")["audit"]]
    assert actions[:2] == ["users.export", "users.export"]
    source.ok("export", str(tmp_path / "h.ndjson"), "--include-hashes")
    assert source.json("audit", "--limit", "1")["audit"][0]["action"] == "users.export_secrets"


def test_csv_neutralises_formula_cells_and_reimports_them(source: Cli, tmp_path: pathlib.Path, cli_target: Any) -> None:
    dest = tmp_path / "users.csv"
    source.ok("export", str(dest), "--format", "csv")
    rows = list(csv.DictReader(dest.open()))
    ann = rows[0]
    assert ann["name"].startswith("'=") and ann["phone"] == "'+14155550123" and ann["custom.tier"] == "gold"
    target = Cli(cli_target("target.db"))
    target.ok("init")
    target.ok("field", "define", "tier", "--type", "enum", "--options", "gold,silver")
    target.ok("field", "define", "badge", "--type", "number", "--unique")
    target.ok("import", str(dest), "--format", "csv", "--apply", "--match", "username")
    shown = target.json("user", "show", "ann")["user"]
    assert shown["phone"] == "+14155550123" and shown["name"] == '=HYPERLINK("http://x")'


def test_auth0_export_leaves_out_users_without_email(source: Cli, tmp_path: pathlib.Path) -> None:
    dest = tmp_path / "auth0.json"
    out = source.ok("export", str(dest), "--format", "auth0", "--include-hashes").stdout
    data = json.loads(dest.read_text())
    assert [u["email"] for u in data] == ["ann@example.com", "cy@example.com"] and "1 users without an email" in out
    assert data[0]["custom_password_hash"]["algorithm"] == "argon2" and data[1]["blocked"] is True


@pytest.mark.skipif(OATHTOOL is None, reason="oathtool is not installed")
def test_round_trip_keeps_users_fields_groups_identities_passwords_and_totp(
    source: Cli, tmp_path: pathlib.Path, cli_target: Any
) -> None:
    uri = source.json("mfa", "enroll", "bob")["uri"]
    secret = uri.split("secret=")[1].split("&")[0]
    source.ok("mfa", "confirm", "bob", input=totp_code(secret) + "\n")
    dest = tmp_path / "all.ndjson"
    source.ok("export", str(dest), "--include-hashes")
    target = Cli(cli_target("target.db"))
    target.ok("init")
    out = target.ok("import", str(dest), "--format", "userdesk", "--apply", "--match", "username").stdout
    assert "3 created" in out and "custom fields defined: 2" in out, out
    for ref in ("ann", "bob", "cy@example.com"):
        before, after = source.json("user", "show", ref), target.json("user", "show", ref)
        for part in ("user", "groups", "data", "identities"):
            if part in before:
                b, a = before[part], after[part]
                if part == "user":
                    b, a = (
                        {k: v for k, v in d.items() if k not in ("version", "updated_at", "status_changed_at")}
                        for d in (b, a)
                    )
                assert a == b, (ref, part)
    assert stored_hash(target, "ann") == stored_hash(source, "ann")
    target.ok("login", "ann", "--password-stdin", input=PASSWORD + "\n")
    target.refused("login", "bob", "--password-stdin", input=PASSWORD + "\n")  # needs the second factor
    target.ok("login", "bob", "--password-stdin", "--totp-stdin", input=f"{PASSWORD}\n{totp_code(secret, 30)}\n")
    again = target.ok("import", str(dest), "--format", "userdesk", "--apply", "--match", "username").stdout
    assert "0 created" in again


def test_fields_option_chooses_the_profile_and_custom_fields_written(source: Cli, tmp_path: pathlib.Path) -> None:
    dest = tmp_path / "some.ndjson"
    source.ok("export", str(dest), "--fields", "username,email,custom.tier")
    lines = [json.loads(line) for line in dest.read_text().splitlines()]
    assert [d["key"] for d in lines if d["type"] == "field"] == ["tier"]
    ann = next(d for d in lines if d.get("username") == "ann")
    assert ann["email"] == "ann@example.com" and ann["custom"] == {"tier": "gold"}
    assert "phone" not in ann and "name" not in ann and ann["groups"] == ["staff"] and ann["uid"]
    assert source.json("audit", "--limit", "1")["audit"][0]["changes"]["fields"][1] == [
        "username",
        "email",
        "custom.tier",
    ]
    csv_dest = tmp_path / "some.csv"
    source.ok("export", str(csv_dest), "--format", "csv", "--fields", "name,badge")
    header = next(csv.reader(csv_dest.open()))
    assert header == ["uid", "name", "status", "must_change_password", "groups", "custom.badge"]
    auth0_dest = tmp_path / "some.json"
    source.ok("export", str(auth0_dest), "--format", "auth0", "--fields", "name")
    ann0 = json.loads(auth0_dest.read_text())[0]
    assert ann0["email"] == "ann@example.com" and "username" not in ann0 and "user_metadata" not in ann0


def test_fields_option_refuses_unknown_names_and_writes_nothing(source: Cli, tmp_path: pathlib.Path) -> None:
    dest = tmp_path / "x.ndjson"
    for value in ("username,shoe_size", ",", "custom.username"):
        err = source.refused("export", str(dest), "--fields", value).stderr
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert not dest.exists() and not list(tmp_path.glob(".*.part"))
