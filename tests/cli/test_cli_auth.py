"""The `userdesk` CLI: sign-in, TOTP (with codes from the real oathtool), sessions, login history."""

from __future__ import annotations

import pytest

from store.errors import AuthFailed
from tests.cli.helpers import OATHTOOL, PASSWORD, Cli, totp_code

pytestmark = pytest.mark.skipif(OATHTOOL is None, reason="oathtool is not installed")


@pytest.fixture
def run(db_target: str) -> Cli:
    runner = Cli(db_target)
    runner.ok("init")
    runner.ok(
        "user", "create", "--username", "kim", "--email", "kim@example.com", "--password-stdin", input=PASSWORD + "\n"
    )
    return runner


def login(run: Cli, *args: str, password: str = PASSWORD, second: str | None = None, code: int = 0):
    """`login ... --password-stdin`, the password (and `second`, a TOTP or recovery code) on stdin."""
    result = run("login", *args, "--password-stdin", input=password + "\n" + (second + "\n" if second else ""))
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def test_login_prints_a_session_and_failures_are_constant(run: Cli) -> None:
    out = login(run, "kim", "--ip", "203.0.113.9").stdout
    assert out.startswith("token ") and "expires" in out and "idle expiry" in out
    signed = run.json("login", "kim@example.com", "--password-stdin", "--user-agent", "tests/1", input=PASSWORD + "\n")
    assert set(signed) == {
        "token",
        "session_id",
        "expires_at",
        "idle_expires_at",
        "user_uid",
        "username",
        "method",
        "must_change_password",
    }
    assert signed["method"] == "password" and len(signed["token"]) >= 43
    wrong = login(run, "kim", password="not the right passphrase", code=1)
    unknown = login(run, "nobody", code=1)
    assert wrong.stderr == unknown.stderr == f"error: {AuthFailed.MESSAGE}\n"
    assert wrong.stdout == unknown.stdout == ""
    login(run, "kim", "--totp-stdin", "--recovery-code-stdin", second="123456", code=2)
    login(run, "kim", "--app", "no-such-app", code=1)


def test_lockout_shows_in_user_show_and_unlock_clears_it(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("store.lockout.throttle_seconds", lambda n: 0)  # real clock; the throttle has its own tests
    for _ in range(5):
        login(run, "kim", password="not the right passphrase", code=1)
    login(run, "kim", code=1)  # locked: even the right password fails, with the same message
    lock = run.json("user", "show", "kim")["lock"]
    assert lock["locked"] is True and lock["failed_attempts"] == 5
    assert run.json("user", "list", "--status", "locked")["users"][0]["username"] == "kim"
    assert "locked until" in run.ok("user", "show", "kim").stdout
    run.ok("user", "unlock", "kim", "--reason", "called the helpdesk")
    login(run, "kim")


def test_sessions_check_list_revoke(run: Cli) -> None:
    first = run.json("login", "kim", "--password-stdin", "--ip", "198.51.100.1", input=PASSWORD + "\n")
    second = run.json("login", "kim", "--password-stdin", input=PASSWORD + "\n")
    assert run.ok("session", "check", input=first["token"]).stdout.startswith(f"valid: session {first['session_id']}")
    assert run.ok("session", "check", "-", input=second["token"] + "\n").exit_code == 0
    assert "not valid" in run.refused("session", "check", input="made-up-token").stderr

    sessions = run.json("session", "list", "kim")["sessions"]
    assert [s["sid"] for s in sessions] == [second["session_id"], first["session_id"]]
    assert sessions[1]["ip"] == "198.51.100.1" and sessions[1]["user_label"] == "kim"
    assert "token" not in sessions[0] and "token_hash" not in sessions[0]
    assert len(run.json("session", "list")["sessions"]) == 2
    assert first["session_id"] in run.ok("session", "list").stdout

    run.ok("session", "revoke", first["session_id"], "--reason", "lost laptop")
    run.refused("session", "check", input=first["token"])
    run.ok("session", "check", input=second["token"])
    run.refused("session", "revoke", "0000000000000000")
    run.refused("session", "revoke", code=2)
    run.refused("session", "revoke", "--user", "kim", code=2)  # --all is required
    run.refused("session", "revoke", second["session_id"], "--user", "kim", "--all", code=2)
    assert run.ok("session", "revoke", "--user", "kim", "--all").stdout == "Revoked 1 session\n"
    run.refused("session", "check", input=second["token"])
    assert run.json("session", "list", "kim") == {"sessions": []}


def test_totp_enrolment_and_sign_in_with_oathtool_codes(run: Cli) -> None:
    enrolment = run.json("mfa", "enroll", "kim")
    secret = enrolment["secret"]
    assert enrolment["uri"].startswith("otpauth://totp/Userdesk:kim?secret=" + secret)
    assert run.json("user", "show", "kim")["mfa"]["state"] == "pending"
    run.refused("mfa", "confirm", "kim", input="000000" if totp_code(secret) != "000000" else "111111")
    # confirm with the previous step's code, so the current one is still fresh for signing in
    codes = run.ok("mfa", "confirm", "kim", input=totp_code(secret, -30)).stdout.split()
    assert len(codes) == 10 and all(len(c) == 29 for c in codes)
    run.refused("mfa", "enroll", "kim")  # already active

    assert "second factor is required" in login(run, "kim", code=1).stderr
    current = totp_code(secret)
    assert (
        run.json("login", "kim", "--password-stdin", "--totp-stdin", input=f"{PASSWORD}\n{current}\n")["method"]
        == "totp"
    )
    login(run, "kim", "--totp-stdin", second=current, code=1)  # replayed code refused
    assert (
        run.json("login", "kim", "--password-stdin", "--recovery-code-stdin", input=f"{PASSWORD}\n{codes[0]}\n")[
            "method"
        ]
        == "recovery_code"
    )
    login(run, "kim", "--recovery-code-stdin", second=codes[0], code=1)  # single use
    assert run.json("user", "show", "kim")["mfa"] == {"state": "active", "recovery_codes_left": 9}
    assert "9 recovery codes left" in run.ok("user", "show", "kim").stdout

    run.ok("mfa", "reset", "kim", "--reason", "new phone")
    assert run.json("user", "show", "kim")["mfa"] == {"state": "none", "recovery_codes_left": 0}
    login(run, "kim")
    run.refused("mfa", "confirm", "kim", input="123456\n")  # nothing pending


def test_history_lists_attempts_with_filters(run: Cli) -> None:
    run.ok("app", "create", "crm")
    login(run, "kim", "--app", "crm", "--ip", "192.0.2.7", "--user-agent", "agent/2")
    login(run, "kim", password="not the right passphrase", code=1)
    rows = run.json("history", "kim")["history"]
    assert [(r["success"], r["reason"]) for r in rows] == [(False, "wrong password"), (True, None)]
    assert set(rows[0]) == {"id", "ts", "identifier", "app", "ip", "user_agent", "method", "success", "reason"}
    assert (rows[1]["app"], rows[1]["ip"], rows[1]["user_agent"]) == ("crm", "192.0.2.7", "agent/2")
    assert [r["success"] for r in run.json("history", "kim", "--failed")["history"]] == [False]
    assert [r["app"] for r in run.json("history", "kim", "--app", "crm")["history"]] == ["crm"]
    assert len(run.json("history", "kim", "--limit", "1")["history"]) == 1
    plain = run.ok("history", "kim").stdout
    assert "FAILED" in plain and "wrong password" in plain
    run.refused("history", "ghost")
