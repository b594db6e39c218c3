"""`userdesk user verify | send-code | confirm-code`; `user update` and `mfa reset` warn when the last way in goes."""

from __future__ import annotations

import pathlib

import pytest

from store import delivery_queue
from tests.cli.helpers import PASSWORD, Cli


@pytest.fixture
def run(tmp_path: pathlib.Path) -> Cli:
    runner = Cli(tmp_path / "cli.db")
    runner.ok("init")
    runner.ok(
        "user",
        "create",
        "--username",
        "carol",
        "--email",
        "carol@example.com",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    return runner


def latest_code(tmp_path: pathlib.Path) -> str:
    assert delivery_queue.drain(10)
    latest = sorted((tmp_path / "data" / "outbox").iterdir())[-1]
    return latest.read_text().split("Your Userdesk code is ")[1][:6]


def test_verify_needs_a_reason_and_one_address(run):
    run.refused("user", "verify", "carol", "--email", code=2)  # --reason is required
    run.refused("user", "verify", "carol", "--reason", "r", code=2)
    result = run.refused("user", "verify", "carol", "--phone", "--reason", "r")
    assert "has no phone to verify" in result.stderr
    assert "Marked the email of carol verified" in run.ok("user", "verify", "carol", "--email", "--reason", "HR").stdout
    assert run.json("user", "show", "carol")["user"]["email_verified"] is True


def test_send_code_then_confirm_code(run, tmp_path):
    assert "Code on its way to carol@example.com" in run.ok("user", "send-code", "carol", "--email").stdout
    code = latest_code(tmp_path)
    wrong = "000000" if code != "000000" else "111111"
    assert (
        "not accepted"
        in run.refused("user", "confirm-code", "carol", "--email", "--code-stdin", input=wrong + "\n").stderr
    )
    assert "is verified" in run.ok("user", "confirm-code", "carol", "--email", "--code-stdin", input=code + "\n").stdout
    assert run.json("user", "show", "carol")["user"]["email_verified"] is True


def test_update_that_removes_the_last_way_in_warns(run):
    run.ok("user", "verify", "carol", "--email", "--reason", "HR")
    result = run.ok("user", "update", "carol", "--set", "email=new@example.com")
    assert "warning: carol: After this they cannot finish signing in" in result.stderr
    assert "userdesk user verify" in result.stderr
    quiet = run.ok("user", "update", "carol", "--set", "name=Carol")
    assert "warning" not in quiet.stderr


def test_mfa_reset_text_is_not_password_alone(run):
    result = run.ok("mfa", "reset", "carol", "--reason", "r")  # no TOTP, no verified address: nothing lost
    assert "password alone" not in result.stderr + result.stdout
