"""End to end (issue 8, item 15): a password manager's auto-type, "user<Tab>password<Enter>", sent to the real
`userdesk self-service` in ONE `tmux send-keys -l` call, 20 times. Every time the identifier field shows only
the username (never a password character, on any frame captured) and the sign-in reaches the second step;
Esc goes back to the sign-in screen, where shift+Tab and ctrl+u empty the identifier field for the next round.

Polls `tmux capture-pane` for expected text (no fixed sleeps). Skipped without tmux.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from store import Database
from tests.conftest import PASSWORD
from tests.selfservice.helpers import make_bob

from .tmux import TIMEOUT, Tmux, userdesk_command

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not shutil.which("tmux"), reason="needs tmux")]
ROUNDS = 20
SECOND_STEP = "6-digit code shown by your authenticator app"
IDENTIFIER_LABEL = "Username, email or phone"


def identifier_field(screen: str) -> str:
    """What the identifier input shows: the text line of the box drawn under its label."""
    lines = screen.splitlines()
    for number, line in enumerate(lines):
        if IDENTIFIER_LABEL in line and number + 2 < len(lines):
            return lines[number + 2].replace("│", "").replace("▊", "").replace("▎", "").strip()
    return ""


def wait_for_second_step(tmux: Tmux, username: str) -> None:
    """Poll until the second step shows, checking every frame of the sign-in screen on the way."""
    deadline = time.monotonic() + TIMEOUT
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux.screen()
        if SECOND_STEP in screen:
            return
        shown = identifier_field(screen)
        assert username.startswith(shown), f"the identifier field shows {shown!r}:\n{screen}"
        assert "Enter your username" not in screen, f"the password did not reach its field:\n{screen}"
        time.sleep(0.02)
    raise AssertionError(f"the sign-in did not reach the second step; the screen was:\n{screen}")


def wait_until_empty(tmux: Tmux) -> None:
    deadline = time.monotonic() + TIMEOUT
    while identifier_field(screen := tmux.screen()) != "":
        assert time.monotonic() < deadline, f"the identifier field was not emptied:\n{screen}"
        time.sleep(0.02)


@pytest.mark.sqlite_only("terminal input mechanics (a burst of keys in one write); sign-in on PostgreSQL: Pilot tests")
def test_auto_type_burst_lands_in_the_right_fields_every_time(tmp_path: Path) -> None:
    db_path = tmp_path / "burst.db"
    db = Database(str(db_path), create=True)
    make_bob(db)
    db.close()
    env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
    tmux = Tmux(tmp_path / "tmux.sock", "burst", env)
    tmux.start(userdesk_command(db_path, "self-service"))
    try:
        tmux.wait_for("sign in to your account", "Forgot password")
        for _attempt in range(ROUNDS):
            tmux.keys(f"bob\t{PASSWORD}\r", literal=True)  # one send-keys call: one burst on the terminal
            wait_for_second_step(tmux, "bob")
            tmux.keys("Escape")  # back to the sign-in screen (the password field is emptied and focused)
            tmux.wait_for("sign in to your account", "Forgot password")
            tmux.keys("BTab")
            tmux.keys("C-u")  # the identifier field, emptied: as the console opens
            wait_until_empty(tmux)
        tmux.keys("C-q")
        tmux.wait_gone()
    finally:
        tmux.close()
