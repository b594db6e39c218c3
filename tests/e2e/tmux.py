"""Driving the real `userdesk` binary in a private tmux server: start, type, poll the screen (no fixed sleeps)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

from store import Database

TIMEOUT = 20.0
STEADY = 0.3  # seconds the cursor must stay in one place to be read as where the focus is


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

    def cursor_line(self) -> tuple[tuple[int, int], str]:
        """Where the terminal cursor is, and the text of its screen line. Textual puts the cursor in the focused
        input (for input methods), so this tells which field the next keys go to, without colours."""
        shown = self.run("display-message", "-p", "-t", self.session, "#{cursor_x} #{cursor_y}", check=False)
        screen = self.screen().splitlines()
        try:
            x, y = (int(n) for n in shown.stdout.split())
        except ValueError:
            return (-1, -1), ""
        return (x, y), screen[y] if 0 <= y < len(screen) else ""

    def tab_to(self, label: str, presses: int = 12, timeout: float = TIMEOUT) -> None:
        """Press Tab until the cursor is in the text field labelled `label`, as an admin would: one Tab at a time,
        looking where the cursor went before the next.

        The cursor is read only once it has stayed put for a moment (`STEADY`): while a frame is drawn, or while a
        screen settles, it passes through other places. Each Tab must move it (every stop on the way is a text
        field), and the next Tab goes only once it has; never after a fixed wait, which on a loaded machine would
        press the next Tab while the last is still on its way and overshoot. Fails with the screen when the cursor
        does not move, or the field is not reached in `presses` Tabs."""
        for _ in range(presses):
            before, _line = self._steady_cursor(timeout)
            self.keys("Tab")
            _where, line = self._steady_cursor(timeout, moved_from=before)
            if line.strip().startswith(label):
                return
        raise AssertionError(f"Tab did not reach the field {label!r}; the screen was:\n{self.screen()}")

    def _steady_cursor(self, timeout: float, moved_from: tuple[int, int] | None = None) -> tuple[tuple[int, int], str]:
        """The cursor and its line once it has stayed in one place for STEADY seconds (elsewhere than
        `moved_from`, when given)."""
        deadline = time.monotonic() + timeout
        last, since = (-1, -1), time.monotonic()
        while time.monotonic() < deadline:
            where, line = self.cursor_line()
            now = time.monotonic()
            if where != last:
                last, since = where, now
            elif now - since >= STEADY and where != moved_from:
                return where, line
            time.sleep(0.03)
        raise AssertionError(f"the cursor did not settle (or move from {moved_from}); the screen was:\n{self.screen()}")

    def wait_for_line(self, pattern: str, timeout: float = TIMEOUT) -> str:
        """Wait until one screen line matches the regular expression `pattern` (e.g. a label and its value)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if any(regex.search(line) for line in screen.splitlines()):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for a line matching {pattern!r}; the screen was:\n{screen}")

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
