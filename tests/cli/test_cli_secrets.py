"""Secrets never on the command line (issue 8 item 10): anything in argv is readable in /proc/PID/cmdline.

TOTP codes, recovery codes, enrolment codes and session tokens come from stdin (or a hidden prompt on
a terminal); the old argv forms are refused with a usage error that says how to pass them instead,
before anything is checked or recorded.
"""

from __future__ import annotations

import pytest

from tests.cli.helpers import OATHTOOL, PASSWORD, Cli, totp_code


@pytest.fixture
def run(db_target: str) -> Cli:
    runner = Cli(db_target)
    runner.ok("init")
    runner.ok("user", "create", "--username", "kim", "--password-stdin", input=PASSWORD + "\n")
    return runner


def attempts(run: Cli) -> int:
    return run.sql("SELECT count(*) FROM login_event")[0][0]


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("login", "kim", "--password-stdin", "--totp", "123456"), "--totp-stdin"),
        (("login", "kim", "--password-stdin", "--recovery-code", "abcd-efgh"), "--recovery-code-stdin"),
        (("mfa", "confirm", "kim", "123456"), "standard input"),
        (("session", "check", "made-up-token"), "standard input"),
    ],
)
def test_a_secret_in_argv_is_refused_with_the_way_to_pass_it(run: Cli, args: tuple[str, ...], hint: str) -> None:
    result = run.refused(*args, input=PASSWORD + "\n", code=2)
    assert hint in result.stderr and "process list" in result.stderr
    assert attempts(run) == 0  # refused before the password was even checked


def test_usage_and_help_show_only_the_stdin_forms(run: Cli) -> None:
    login = run.ok("login", "--help").stdout
    assert "--totp-stdin" in login and "--recovery-code-stdin" in login
    assert "--totp CODE" not in login and "--recovery-code CODE" not in login
    assert run.ok("mfa", "confirm", "--help").stdout.startswith("Usage: cli mfa confirm [OPTIONS] ID|LOGIN\n")
    assert run.ok("session", "check", "--help").stdout.startswith("Usage: cli session check [OPTIONS]\n")


def test_session_check_reads_the_token_from_stdin(run: Cli) -> None:
    token = run.json("login", "kim", "--password-stdin", input=PASSWORD + "\n")["token"]
    assert run.ok("session", "check", input=token + "\n").stdout.startswith("valid: session ")
    assert run.ok("session", "check", "-", input=token + "\n").stdout.startswith("valid: session ")
    assert "not valid" in run.refused("session", "check", input="made-up-token\n").stderr
    assert "no session token" in run.refused("session", "check", input="").stderr


def test_both_second_factors_at_once_is_a_usage_error(run: Cli) -> None:
    run.refused("login", "kim", "--password-stdin", "--totp-stdin", "--recovery-code-stdin", code=2)
    assert attempts(run) == 0


@pytest.mark.skipif(OATHTOOL is None, reason="oathtool is not installed")
def test_enrolment_and_sign_in_with_codes_on_stdin(run: Cli) -> None:
    secret = run.json("mfa", "enroll", "kim")["secret"]
    assert "no code" in run.refused("mfa", "confirm", "kim", input="\n").stderr
    codes = run.ok("mfa", "confirm", "kim", input=totp_code(secret, -30) + "\n").stdout.split()
    assert len(codes) == 10

    current = totp_code(secret)
    signed = run.json("login", "kim", "--password-stdin", "--totp-stdin", input=f"{PASSWORD}\n{current}\n")
    assert signed["method"] == "totp"
    run.refused("login", "kim", "--password-stdin", "--totp-stdin", input=f"{PASSWORD}\n{current}\n")  # replay
    assert "no TOTP code" in run.refused("login", "kim", "--password-stdin", "--totp-stdin", input=PASSWORD).stderr
    signed = run.json("login", "kim", "--password-stdin", "--recovery-code-stdin", input=f"{PASSWORD}\n{codes[0]}\n")
    assert signed["method"] == "recovery_code"
