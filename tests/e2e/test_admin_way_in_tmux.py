"""End to end at 80x24, keyboard only: open a user, reset MFA with the 'no way in' warning, take the offered fix
(mark the email verified, with a reason), and see the user's second step back on the Security tab."""

from __future__ import annotations

import os
import shutil

import pytest

from store import Actor, users
from tests.admin.detail_seed import ALICE_UID, seed

from .tmux import Tmux, userdesk_command

pytestmark = pytest.mark.e2e


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_mfa_reset_warns_and_the_fix_restores_a_way_in(db, tmp_path):
    seed(db)
    users.update_user(db, Actor("setup"), ALICE_UID, {"email_verified": False}, allowed=("email_verified",))
    db.close()
    env = {
        "USERDESK_CONFIG_DIR": os.environ["USERDESK_CONFIG_DIR"],
        "USERDESK_DATA_DIR": os.environ["USERDESK_DATA_DIR"],
        "USERDESK_KEY_FILE": str(tmp_path / "test.key"),
        "TERM": "xterm-256color",
    }
    command = ["env", *(f"{k}={v}" for k, v in env.items()), *userdesk_command(db.path, "admin")]
    tmux = Tmux(tmp_path / "tmux.sock", "admin")
    tmux.start(command)
    try:
        tmux.wait_for("alice", "F1 Help")
        tmux.keys("/")
        tmux.keys("alice", literal=True)
        tmux.wait_for("1 user match")
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
