"""Console figures, measured on the real program in a private tmux server: cold start to a painted
directory page, keystroke-to-results, and peak RSS. Times include tmux's polling (every ~5 ms).

`python -m benchmarks.console --db PATH [--runs N]` measures the cold start alone, beside the bare app (the
database's key file and configuration as `userdesk` finds them: the environment, else the defaults)."""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from store import Database, directory

from .figures import percentile

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 120, 40
POLL = 0.005
_terminals = itertools.count()  # a server socket per terminal: a new one never races the last one's exit


def available() -> bool:
    return shutil.which("tmux") is not None


class Terminal:
    """One program in a detached tmux session on a private server socket (removed when it closes)."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.socket = Path(tempfile.gettempdir()) / f"userdesk-bench-{os.getpid()}-{next(_terminals)}"
        assignments = [f"{k}={v}" for k, v in env.items()]
        # Python may write its bytecode, as an installed userdesk has it (pip compiles it) and the bare app's
        # Textual does: with PYTHONDONTWRITEBYTECODE set, every start would compile the console's modules again.
        keep_bytecode = ["-u", "PYTHONDONTWRITEBYTECODE"]
        shell = " ".join(_quote(part) for part in ["exec", "env", *keep_bytecode, *assignments, *command])
        self.started = time.perf_counter()
        self._tmux("new-session", "-d", "-s", "bench", "-x", str(WIDTH), "-y", str(HEIGHT), shell)
        self._tmux("set-option", "-s", "escape-time", "0", check=False)

    def _tmux(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["tmux", "-S", str(self.socket), *args], capture_output=True, text=True)
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {result.stderr.strip()}")
        return result.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "bench", check=False)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 60.0) -> float:
        """Seconds until the screen satisfies `predicate` (from the call)."""
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if predicate(self.screen()):
                return time.perf_counter() - start
            time.sleep(POLL)
        raise TimeoutError(f"the screen never showed what was expected; it shows:\n{self.screen()}")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self._tmux("send-keys", "-t", "bench", *(["-l"] if literal else []), *keys)

    def pid(self) -> int:
        return int(self._tmux("display-message", "-p", "-t", "bench", "#{pane_pid}").strip())

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid()}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc status")

    def close(self) -> None:
        self._tmux("kill-server", check=False)
        self.socket.unlink(missing_ok=True)


def _quote(part: str) -> str:
    return "'" + part.replace("'", "'\\''") + "'"


@dataclass
class Console:
    """How to start the admin console (and the bare app) against one database."""

    env: dict[str, str]

    def admin(self, db_path: Path) -> Terminal:
        return Terminal([sys.executable, "-m", "tui", "--db", str(db_path), "admin"], self.env)

    def bare(self) -> Terminal:
        return Terminal([sys.executable, str(ROOT / "benchmarks" / "bare_app.py")], self.env)


def first_username(db: Database, term: str = "") -> str:
    rows = directory.page(db, directory.DirectoryQuery(search=term), limit=1)
    return rows[0].username if rows else ""


def _first_row_shows(username: str) -> Callable[[str], bool]:
    """The directory shows `username` on its cursor row (the first one after a load): ▶ when the list has the
    focus, ▷ while the search field has it (as the results of a term being typed arrive)."""
    prefix = username[:14]
    return lambda screen: any(line.lstrip().startswith(("▶" + prefix, "▷" + prefix)) for line in screen.splitlines())


def cold_start(console: Console, start: Callable[[], Terminal], ready: Callable[[str], bool]) -> float:
    """Seconds from launching the program to the painted page."""
    terminal = start()
    try:
        terminal.wait_for(ready)
        return time.perf_counter() - terminal.started
    finally:
        terminal.close()


def cold_starts(console: Console, dbs: dict[str, tuple[Path, Database]], runs: int) -> dict[str, float]:
    """Median cold start of the bare app and of `userdesk admin` on each database (runs interleaved)."""
    from .bare_app import MARKER

    starts: dict[str, Callable[[], Terminal]] = {"bare": console.bare}
    ready: dict[str, Callable[[str], bool]] = {"bare": lambda screen: MARKER in screen}
    for name, (path, db) in dbs.items():
        starts[name] = lambda path=path: console.admin(path)
        ready[name] = _first_row_shows(first_username(db))
    samples: dict[str, list[float]] = {name: [] for name in starts}
    for name in starts:  # one discarded run each: files and Python bytecode into the OS cache
        cold_start(console, starts[name], ready[name])
    for _ in range(runs):
        for name in starts:
            samples[name].append(cold_start(console, starts[name], ready[name]))
    return {name: statistics.median(values) for name, values in samples.items()}


def command_starts(console: Console, db_path: Path, runs: int) -> dict[str, float]:
    """Median wall seconds of whole `userdesk` processes that need no console: `--help`, and `session check`
    (an unknown token on stdin: the database opened, the token looked up, exit status 1), beside a bare
    `python -c pass` (the interpreter's own start)."""
    commands = {
        "python": ([sys.executable, "-c", "pass"], ""),
        "help": ([sys.executable, "-m", "tui", "--help"], ""),
        "session_check": ([sys.executable, "-m", "tui", "--db", str(db_path), "session", "check"], "not-a-token\n"),
    }
    env = os.environ | console.env
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 1):  # the first round warms the OS cache and is not counted
        for name, (argv, stdin) in commands.items():
            started = time.perf_counter()
            subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
            if round_:
                samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def echo_floor(console: Console, terms: list[str]) -> float:
    """p95 ms from typing a term into the bare app to seeing it echoed: what tmux and Textual alone cost."""
    from .bare_app import ECHO, MARKER

    terminal = console.bare()
    try:
        terminal.wait_for(lambda screen: MARKER in screen)
        samples = []
        for term in terms:
            terminal.keys(term, literal=True)
            samples.append(terminal.wait_for(lambda screen, term=term: f"{ECHO}{term}" in screen) * 1000)
            terminal.keys("C-u")
            terminal.wait_for(lambda screen, term=term: f"{ECHO}{term}" not in screen)
    finally:
        terminal.close()
    return percentile(samples, 95)


def escape(terminal: Terminal) -> None:
    """Esc, then a pause: a key sent right after it would be read as Alt+key (Textual's escape delay)."""
    terminal.keys("Escape")
    time.sleep(0.3)


NOTICE = "Demo directory"


def dismiss_demo_notice(terminal: Terminal, db_path: Path) -> None:
    """On a demo directory the console shows a notice once its full store is open, which is after the first page is
    painted (tui/admin/warmup.py): wait for it and close it, so the keys that follow reach the directory."""
    from store import demo_notice

    db = Database(str(db_path))
    try:
        demo = demo_notice.read(db) is not None
    finally:
        db.close()
    if demo:
        terminal.wait_for(lambda screen: NOTICE in screen)
        escape(terminal)
        terminal.wait_for(lambda screen: NOTICE not in screen)


def keystrokes(console: Console, path: Path, db: Database, terms: list[str]) -> dict[str, float]:
    """From the last key of a search term to its first result on screen: '/' and the term sent in one burst (as a
    fast typist, a paste or a password manager's auto-type sends it), and the term then Enter.

    Also returns the peak RSS of the console after the searches and some paging.
    """
    terminal = console.admin(path)
    try:
        everyone = _first_row_shows(first_username(db))
        terminal.wait_for(everyone)
        # the first page is painted before the full store is open (cold_start): searching starts once it is
        terminal.wait_for(lambda screen: "counting…" not in screen)
        dismiss_demo_notice(terminal, path)
        escape(terminal)  # the console opens in its (empty) search field: go to the list
        typed, entered = [], []
        for term in terms:
            shows = _first_row_shows(first_username(db, term))
            terminal.keys("/")  # from the list: focus the search
            terminal.keys(term, literal=True)
            typed.append(terminal.wait_for(shows) * 1000)
            terminal.keys("C-u")  # clear the search: the whole directory again
            terminal.wait_for(everyone)
            terminal.keys(term, literal=True)
            terminal.keys("Enter")  # searches at once and moves to the list
            entered.append(terminal.wait_for(shows) * 1000)
            terminal.keys("/")
            terminal.keys("C-u")
            terminal.wait_for(everyone)
            escape(terminal)  # empty search: back to the list
        for _ in range(5):
            terminal.keys("PageDown")
        time.sleep(1.0)
        rss = terminal.peak_rss_mb()
    finally:
        terminal.close()
    return {
        "typed_p50": percentile(typed, 50),
        "typed_p95": percentile(typed, 95),
        "enter_p50": percentile(entered, 50),
        "enter_p95": percentile(entered, 95),
        "peak_rss_mb": rss,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.console", description="The console's cold start.")
    parser.add_argument("--db", type=Path, required=True, help="a Userdesk SQLite file (only read)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each program, interleaved (median)")
    args = parser.parse_args(argv)
    if not available():
        raise SystemExit("tmux not found")
    console = Console(env={"TERM": "xterm-256color", "PATH": os.environ.get("PATH", "")})
    db = Database(str(args.db))
    try:
        starts = cold_starts(console, {"admin": (args.db, db)}, args.runs)
    finally:
        db.close()
    ratio = starts["admin"] / starts["bare"]
    print(
        f"cold start to a painted page: {starts['admin']:.3f} s; bare Textual app {starts['bare']:.3f} s: {ratio:.2f}x"
    )


if __name__ == "__main__":
    main()
