"""Driving the real `userdesk` binary in a private tmux server: start, type, poll the screen (no fixed sleeps)."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from pathlib import Path

from store import Database

TIMEOUT = 20.0


def userdesk_command(db_path: Path | str, *args: str) -> list[str]:
    """`userdesk --db PATH|URL ARGS` (the installed script, else `python -m tui`)."""
    script = Path(sys.executable).parent / "userdesk"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "tui"]
    return [*base, "--db", str(db_path), *args]


def target_of(db: Database) -> str:
    """What another process opens to reach `db`: the SQLite file, or the PostgreSQL URL of its engine."""
    return str(db.path) if db.backend == "sqlite" else db.writer.url.render_as_string(hide_password=False)


class Tmux:
    """One tmux session on its own socket, sized like a small terminal."""

    def __init__(self, socket: Path, session: str, env: dict[str, str] | None = None) -> None:
        self.base = ["tmux", "-S", str(socket), "-f", "/dev/null"]
        self.session = session
        self.env = env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.base, *args], capture_output=True, text=True, check=check, timeout=10, env=self.env
        )

    def start(self, command: list[str], size: tuple[int, int] = (80, 24)) -> None:
        self.run("new-session", "-d", "-s", self.session, "-x", str(size[0]), "-y", str(size[1]), shlex.join(command))
        self.run("set-option", "-g", "escape-time", "0", check=False)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        result = self.run("capture-pane", "-p", "-t", self.session, check=False)
        return result.stdout if result.returncode == 0 else ""

    def alive(self) -> bool:
        return self.run("has-session", "-t", self.session, check=False).returncode == 0

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

    def close(self) -> None:
        self.run("kill-server", check=False)
