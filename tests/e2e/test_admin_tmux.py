"""End to end: the real `userdesk admin` in tmux at 80x24 finds a user by search, then quits.

Polls `tmux capture-pane` for expected text (no fixed sleeps). Skipped when tmux is not installed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.admin.directory_seed import seed

pytestmark = pytest.mark.e2e
TIMEOUT = 20.0


def userdesk_command() -> list[str]:
    script = Path(sys.executable).parent / "userdesk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui"]


class Tmux:
    def __init__(self, socket: Path) -> None:
        self.base = ["tmux", "-S", str(socket), "-f", "/dev/null"]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.base, *args], capture_output=True, text=True, check=check, timeout=10)

    def screen(self) -> str:
        result = self.run("capture-pane", "-p", "-t", "admin", check=False)
        return result.stdout if result.returncode == 0 else ""

    def alive(self) -> bool:
        return self.run("has-session", "-t", "admin", check=False).returncode == 0

    def wait_for(self, *texts: str, timeout: float = TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {texts!r}; the screen was:\n{screen}")

    def wait_gone(self, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return
            time.sleep(0.05)
        raise AssertionError(f"the console did not exit; the screen was:\n{self.screen()}")


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
    command = ["env", *(f"{k}={v}" for k, v in env.items()), *userdesk_command(), "--db", str(db.path), "admin"]
    tmux = Tmux(tmp_path / "tmux.sock")
    started = time.monotonic()
    tmux.run("new-session", "-d", "-s", "admin", "-x", "80", "-y", "24", shlex.join(command))
    try:
        tmux.run("set-option", "-g", "escape-time", "0", check=False)
        tmux.wait_for("alice")
        first_paint = time.monotonic() - started
        screen = tmux.wait_for("40 users", "Username", "F1 Help")
        tmux.run("send-keys", "-t", "admin", "/")
        tmux.run("send-keys", "-t", "admin", "-l", "grace")
        screen = tmux.wait_for("1 user match", "grace@navy.exam")
        assert "alice" not in screen  # the list narrowed to the match
        tmux.run("send-keys", "-t", "admin", "C-q")
        tmux.wait_gone()
        print(f"first paint {first_paint:.2f} s")
    finally:
        tmux.run("kill-server", check=False)
