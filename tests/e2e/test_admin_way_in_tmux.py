"""End to end at 80x24, keyboard only: open a user, reset MFA with the 'no way in' warning, take the offered fix
(mark the email verified, with a reason), and see the user's second step back on the Security tab."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from store import Actor, mfa, users
from tests.admin.detail_seed import ALICE_UID, seed

from .tmux import Tmux, target_of, userdesk_command

pytestmark = pytest.mark.e2e


def start_admin(db, tmp_path) -> Tmux:
    """The real admin console on the test's database, in tmux at 80x24."""
    env = {
        "USERDESK_CONFIG_DIR": os.environ["USERDESK_CONFIG_DIR"],
        "USERDESK_DATA_DIR": os.environ["USERDESK_DATA_DIR"],
        "USERDESK_KEY_FILE": str(tmp_path / "test.key"),
        "TERM": "xterm-256color",
    }
    command = ["env", *(f"{k}={v}" for k, v in env.items()), *userdesk_command(target_of(db), "admin")]
    tmux = Tmux(tmp_path / "tmux.sock", "admin")
    tmux.start(command)
    return tmux


def find_alice(tmux: Tmux) -> None:
    tmux.wait_for("alice", "F1 Help")
    tmux.keys("/")
    tmux.keys("alice", literal=True)
    tmux.wait_for("1 user match")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_mfa_reset_warns_and_the_fix_restores_a_way_in(db, tmp_path):
    seed(db)
    users.update_user(db, Actor("setup"), ALICE_UID, {"email_verified": False}, allowed=("email_verified",))
    db.close()
    tmux = start_admin(db, tmp_path)
    try:
        find_alice(tmux)
        tmux.keys("Enter")  # from the search box to the list
        tmux.keys("Enter")  # open the account
        tmux.wait_for("Profile", "Security", "uid a11ce")
        tmux.keys("2")
        tmux.wait_for("Second step", "TOTP")
        tmux.keys("m")
        screen = tmux.wait_for("Reset MFA for alice?", "After this they cannot finish", "removes their last one")
        assert "password alone" not in screen
        tmux.keys("lost phone", literal=True)
        tmux.keys("Enter")
        tmux.wait_for("alice cannot finish signing in now", "Mark the email verified")
        tmux.keys("Enter")  # the first fix, focused
        tmux.wait_for("Mark the email of alice verified?")
        tmux.keys("called back on file number", literal=True)
        tmux.keys("Enter")
        tmux.wait_for("Second step   code to verified email")
        tmux.keys("C-q")
        tmux.wait_gone()
    finally:
        tmux.close()


def latest_code(outbox) -> str:
    """The code in the newest outbox message (waiting for the delivery thread of the console)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        messages = sorted(outbox.glob("*")) if outbox.exists() else []
        if messages and "Your Userdesk code is " in messages[-1].read_text():
            return messages[-1].read_text().split("Your Userdesk code is ")[1][:6]
        time.sleep(0.1)
    raise AssertionError(f"no code in {outbox}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_email_change_warns_then_the_new_address_is_verified_by_code(db, tmp_path):
    seed(db)
    mfa.reset(db, Actor("setup"), ALICE_UID, "setup")  # the verified email is alice's only second step
    db.close()
    tmux = start_admin(db, tmp_path)
    try:
        find_alice(tmux)
        tmux.keys("Enter")
        tmux.keys("Enter")
        tmux.wait_for_line(r"^ *Email +alice@example\.com")  # the form holds the record: typing now is kept
        tmux.tab_to("Email")  # Tab walks the form's fields, watching where the cursor goes
        tmux.keys("End", "C-u")
        tmux.keys("alice@northwind.example", literal=True)
        tmux.wait_for_line(r"^ *Email +alice@northwind\.example")  # typed into Email, not another field
        tmux.keys("C-s")
        tmux.wait_for("Save, leaving alice no way to sign in?", "Save anyway")
        tmux.keys("y")
        tmux.wait_for("alice cannot finish signing in now", "Send a verification code to the email")
        tmux.keys("Tab")  # from "Mark the email verified" to "Send a verification code to the email"
        tmux.keys("Enter")
        tmux.wait_for("Verify the email of alice", "Send code")
        tmux.keys("Enter")  # Send code
        tmux.wait_for("Code sent to alice@northwind.example")
        code = latest_code(Path(os.environ["USERDESK_DATA_DIR"]) / "outbox")
        tmux.keys(code, literal=True)
        tmux.keys("Enter")
        tmux.wait_for("The email of alice is verified")
        tmux.keys("2")
        tmux.wait_for("Second step   code to verified email")
        tmux.keys("C-q")
        tmux.wait_gone()
    finally:
        tmux.close()
