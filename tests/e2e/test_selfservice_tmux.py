"""End to end: the real `userdesk self-service` in tmux at 80x24, as sshd would run it (ForceCommand with
SSH_CLIENT set). bob signs in with his password and a TOTP code from `oathtool`, opens his sign-in history,
and quits; the attempt is in login history with the SSH address, and quitting ended the session.

Polls `tmux capture-pane` for expected text (no fixed sleeps). Skipped without tmux or oathtool.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from store import Database, history, sessions
from tests.conftest import PASSWORD
from tests.selfservice.helpers import TOTP_SECRET, make_bob

from .tmux import Tmux, userdesk_command

HAVE_TOOLS = bool(shutil.which("tmux") and shutil.which("oathtool"))
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not HAVE_TOOLS, reason="needs tmux and oathtool")]
SSH_ADDRESS = "198.51.100.23"


def test_sign_in_with_oathtool_code_then_quit(tmp_path: Path, db_target: str) -> None:
    db_path = db_target  # the run's backend
    db = Database(db_path, create=True)  # real clock; key and outbox from the (test-isolated) environment
    bob, _ = make_bob(db)
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "SSH_CLIENT": f"{SSH_ADDRESS} 50022 22",
        "TEXTUAL_ANIMATIONS": "none",
    }
    tmux = Tmux(tmp_path / "tmux.sock", "ss", env)
    tmux.start(userdesk_command(db_path, "self-service"))
    try:
        tmux.wait_for("sign in to your account", "Forgot password")
        tmux.keys("bob", literal=True)
        tmux.wait_for("bob")
        tmux.keys("Tab")
        tmux.keys(PASSWORD[0], literal=True)
        screen = tmux.wait_for("\u2022")  # the first character landed in the (masked) password field
        assert "bob" + PASSWORD[0] not in screen
        tmux.keys(PASSWORD[1:], literal=True)
        tmux.wait_for("\u2022" * len(PASSWORD))
        tmux.keys("Enter")
        tmux.wait_for("6-digit code shown by your authenticator app")
        code = subprocess.run(
            ["oathtool", "--totp", "-b", TOTP_SECRET], capture_output=True, text=True, check=True
        ).stdout.strip()
        tmux.keys(code, literal=True)
        tmux.wait_for(code)
        tmux.keys("Enter")
        tmux.wait_for("signed in as bob", "You can change", "F7")
        tmux.keys("F6")
        screen = tmux.wait_for("Sign-in attempts", "app code", SSH_ADDRESS)
        assert "password" not in screen.split("Sign-in attempts")[1].split("\n")[2]  # newest row: the TOTP sign-in
        tmux.keys("C-q")
        tmux.wait_gone()
    finally:
        tmux.close()
    newest = history.login_history(db, bob.id, limit=1)[0]
    assert (newest.success, newest.method, newest.ip, newest.app, newest.user_agent) == (
        True,
        "totp",
        SSH_ADDRESS,
        "self-service",
        "userdesk-self-service",
    )
    assert sessions.list_sessions(db, bob.id) == []  # ctrl+q signed the console's session out
    db.close()
