"""End to end: the real `userdesk admin` in tmux at 80x24 finds a user by search, then quits.

Polls `tmux capture-pane` for expected text (no fixed sleeps). Skipped when tmux is not installed.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from tests.admin.directory_seed import seed

from .tmux import Tmux, target_of, userdesk_command

pytestmark = pytest.mark.e2e


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_admin_console_finds_a_user_by_search_in_tmux(db, tmp_path):
    seed(db)
    db.close()
    env = {
        "USERDESK_CONFIG_DIR": os.environ["USERDESK_CONFIG_DIR"],
        "USERDESK_DATA_DIR": os.environ["USERDESK_DATA_DIR"],
        "USERDESK_KEY_FILE": str(tmp_path / "test.key"),
        "TERM": "xterm-256color",
    }
    command = ["env", *(f"{k}={v}" for k, v in env.items()), *userdesk_command(target_of(db), "admin")]
    tmux = Tmux(tmp_path / "tmux.sock", "admin")
    started = time.monotonic()
    tmux.start(command)
    try:
        tmux.wait_for("alice")
        first_paint = time.monotonic() - started
        screen = tmux.wait_for("40 users", "Username", "F1 Help")
        tmux.keys("/")
        tmux.keys("grace", literal=True)
        screen = tmux.wait_for("1 user match", "grace@navy.exam")
        assert "alice" not in screen  # the list narrowed to the match
        tmux.keys("C-q")
        tmux.wait_gone()
        print(f"first paint {first_paint:.2f} s")
    finally:
        tmux.close()
