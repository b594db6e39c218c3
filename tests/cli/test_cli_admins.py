"""`userdesk admin grant|revoke|list|key ...` and the global `--as USER` sign-in with the admin's role."""

from __future__ import annotations

import os
import pathlib
import pwd

import pyotp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from store import Actor, Database, admins, mfa, users
from tests.cli.helpers import PASSWORD, Cli

NEW_PASSWORD = "a different and unusual passphrase"


def key_line(comment: str = "ops@laptop") -> str:
    public = ed25519.Ed25519PrivateKey.generate().public_key()
    return (
        public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode() + " " + comment
    )


@pytest.fixture
def run(db_target: str) -> Cli:
    runner = Cli(db_target)
    runner.ok("init")
    return runner


def make_admin(run: Cli, name: str, role: str) -> str:
    """A user with a password and TOTP, granted `role` by the local owner; returns the TOTP secret."""
    db = Database(str(run.target))
    try:
        users.create_user(db, Actor("setup"), {"username": name}, password=PASSWORD)
        enrolment = mfa.enroll(db, Actor("setup"), name)
        mfa.confirm(db, Actor("setup"), name, pyotp.TOTP(enrolment.secret).now())
    finally:
        db.close()
    run.ok("admin", "grant", name, "--role", role, "--reason", "on call")
    return enrolment.secret


def credentials(run: Cli, name: str, secret: str) -> str:
    """The two lines --as reads; the replay guard is reset so each test may sign in more than once per step."""
    run.sql('UPDATE "user" SET totp_last_step = 0 WHERE username = :name', {"name": name})
    return f"{PASSWORD}\n{pyotp.TOTP(secret).now()}\n"


def as_admin(run: Cli, name: str, secret: str, *args: str, more: str = ""):
    return run("--as", name, *args, input=credentials(run, name, secret) + more)


def test_grant_list_revoke_as_the_local_owner(run: Cli) -> None:
    run.ok("user", "create", "--username", "hal")
    assert run.ok("admin", "grant", "hal", "--role", "helpdesk").stdout.strip() == "hal is now helpdesk"
    listed = run.json("admin", "list")["admins"]
    assert [(a["username"], a["role"], a["has_totp"], a["keys"]) for a in listed] == [("hal", "helpdesk", False, [])]
    assert "hal" in run.ok("admin", "list").stdout and "NO" in run.ok("admin", "list").stdout
    run.ok("admin", "revoke", "hal", "--reason", "left the team")
    assert run.json("admin", "list")["admins"] == []
    assert "not an admin" in run.refused("admin", "revoke", "hal").stderr
    assert "invalid value" in run.refused("admin", "grant", "hal", "--role", "god", code=2).stderr.lower()


def test_keys_from_a_file_or_stdin(run: Cli, tmp_path: pathlib.Path) -> None:
    run.ok("user", "create", "--username", "kai")
    run.ok("admin", "grant", "kai", "--role", "auditor")
    line = key_line()
    path = tmp_path / "kai.pub"
    path.write_text(line + "\n")
    fingerprint = admins.key_fingerprint(line)
    assert fingerprint in run.ok("admin", "key", "add", "kai", "--key-file", str(path)).stdout
    second = key_line("second")
    run.ok("admin", "key", "add", "kai", "-", input=second + "\n")
    keys = run.json("admin", "key", "list", "kai")["keys"]
    assert [k["fingerprint"] for k in keys] == [fingerprint, admins.key_fingerprint(second)]
    assert fingerprint in run.ok("admin", "key", "list").stdout
    run.ok("admin", "key", "remove", "kai", fingerprint)
    assert len(run.json("admin", "key", "list")["keys"]) == 1
    assert "has no key" in run.refused("admin", "key", "remove", "kai", fingerprint).stderr


def test_bad_keys_and_bad_usage(run: Cli, tmp_path: pathlib.Path) -> None:
    run.ok("user", "create", "--username", "kai")
    run.ok("admin", "grant", "kai", "--role", "auditor")
    weak = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    weak_line = weak.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    result = run.refused("admin", "key", "add", "kai", "-", input=weak_line + "\n")
    assert result.stderr.strip() == "error: RSA keys need at least 3072 bits; this one has 2048."
    assert (
        "Not a usable OpenSSH public key"
        in run.refused("admin", "key", "add", "kai", "-", input="ssh-ed25519 @@\n").stderr
    )
    missing = run.refused("admin", "key", "add", "kai", "--key-file", str(tmp_path / "nope.pub")).stderr
    assert missing.startswith("error: cannot read") and "Traceback" not in missing
    run.refused("admin", "key", "add", "kai", code=2)
    run.refused("admin", "key", "add", "kai", "-", "--key-file", str(tmp_path / "x"), code=2)
    assert run.json("admin", "key", "list")["keys"] == []


def test_as_helpdesk_runs_with_that_role(run: Cli) -> None:
    secret = make_admin(run, "hal", "helpdesk")
    run.ok("user", "create", "--username", "plain")
    refused = as_admin(run, "hal", secret, "user", "delete", "plain", "--yes")
    assert refused.exit_code == 1 and refused.stderr.strip() == "error: helpdesk may not delete users"
    assert as_admin(run, "hal", secret, "user", "unlock", "plain", "--reason", "called in").exit_code == 0
    audit = as_admin(run, "hal", secret, "audit", "--json")
    assert audit.exit_code == 1 and audit.stderr.strip() == "error: helpdesk may not read the audit log"
    assert as_admin(run, "hal", secret, "user", "show", "plain").exit_code == 0
    grant = as_admin(run, "hal", secret, "admin", "grant", "plain", "--role", "auditor")
    assert grant.stderr.strip() == "error: helpdesk may not manage admins and admin keys"
    entry = run.json("audit", "--limit", "1")["audit"][0]
    assert entry["action"] == "user.unlock" and entry["actor"] == "hal"
    detail = entry["actor_detail"]
    assert (detail["kind"], detail["name"], detail["role"], detail["key"]) == ("admin", "hal", "helpdesk", "local")


def test_a_command_reading_stdin_reads_after_the_two_sign_in_lines(run: Cli) -> None:
    secret = make_admin(run, "hal", "helpdesk")
    run.ok("user", "create", "--username", "plain")
    args = ("user", "set-password", "plain", "--password-stdin")
    result = as_admin(run, "hal", secret, *args, "--must-change-password", more=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.stderr
    permanent = as_admin(
        run, "hal", secret, *args, "--no-must-change-password", "--reason", "asked", more=NEW_PASSWORD + "\n"
    )
    assert permanent.stderr.strip() == "error: helpdesk may not set passwords that need not be changed"


def test_as_sign_in_failures_are_constant_and_logged(run: Cli) -> None:
    secret = make_admin(run, "uma", "user_admin")
    bad = run("--as", "uma", "user", "list", input=f"{PASSWORD}\n000000\n")
    assert (
        bad.exit_code == 1
        and bad.stderr.strip() == "error: Sign-in failed: the identifier, password or code is not valid."
    )
    run.ok("user", "create", "--username", "plain", "--password-stdin", input=PASSWORD + "\n")
    not_admin = run("--as", "plain", "user", "list", input=f"{PASSWORD}\n123456\n")
    assert not_admin.stderr == bad.stderr
    history = run.json("history", "uma")["history"]
    assert history[0]["reason"] == "wrong or replayed TOTP code" and history[0]["user_agent"] == "userdesk-admin"
    assert as_admin(run, "uma", secret, "user", "list").exit_code == 0


def test_local_actor_is_the_effective_uid_not_user_env(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "alice")
    monkeypatch.setenv("LOGNAME", "alice")
    run.ok("user", "create", "--username", "nina")
    run.ok("user", "unlock", "nina")
    entry = run.json("audit", "--limit", "1")["audit"][0]
    expected = pwd.getpwuid(os.geteuid()).pw_name
    assert entry["actor"] == expected != "alice"
    assert entry["actor_detail"]["kind"] == "local" and entry["actor_detail"]["role"] == "owner"


def test_admin_console_entry_points(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.admin.app import AdminApp

    opened: list[tuple[str | None, bool]] = []
    monkeypatch.setattr(
        AdminApp, "run", lambda self, *a, **k: opened.append((self.admin and self.admin.username, self.ask_password))
    )
    make_admin(run, "olga", "owner")
    run.ok("admin")
    run.ok("admin", "--as", "olga")
    assert opened == [(None, False), ("olga", True)]
    assert "No user matches 'nobody-here'" in run.refused("admin", "--as", "nobody-here").stderr
    run.ok("user", "create", "--username", "plain")
    assert "'plain' is not an admin" in run.refused("admin", "--as", "plain").stderr


def test_only_an_owner_may_start_the_ssh_server_as_an_admin(run: Cli) -> None:
    secret = make_admin(run, "aud", "auditor")
    refused = as_admin(run, "aud", secret, "serve", "--print-host-key")
    assert refused.exit_code == 1 and refused.stderr.strip() == "error: auditor may not change settings"
