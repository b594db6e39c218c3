"""Opening an account (issue 15, target 2), on the real program in tmux: Enter on the directory's cursor row until
the Profile tab is painted with the loaded user, and switching tabs.

An open is timed from sending Enter until the screen shows a line only the loaded Profile tab shows (its record
table's "Sign-ins", with the "Loading user" placeholder gone); the cursor then moves one row down, so each open is
of a different user. A tab switch is timed from the number key (2-9, from the Profile tab) to a line only that
tab shows; `1` goes back to Profile between switches. Times include tmux's polling (every ~5 ms).

The console builds its account screen on the first open and shows the same screen again for every later one
(`tui/admin/detail/screen.py`, `account_screen`); the first open, which builds it, is not counted.

The Enter after Esc is sent as soon as the directory is back (not after its reload): keys typed in a burst must
land where slow typing would, so a dropped Enter shows up as a timeout here.

Run alone: `python -m benchmarks.account --db PATH [--opens 20]`; `python -m benchmarks.run` includes it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .console import Console, Terminal, dismiss_demo_notice, escape
from .figures import percentile

OPEN_TARGET_MS = 150.0
TAB_TARGET_MS = 100.0
DIRECTORY = "Users / to search"
LOADING = "Loading user"
PROFILE = "Sign-ins"  # the Profile tab's record table, filled from the loaded user
# A line each tab alone shows (120x40); hidden tabs are not drawn.
TAB_MARKERS = {
    "2": "Sign-in lock",
    "3": "ctrl+n defines a new field",
    "4": "IP/subnet",
    "5": "Expires",
    "6": "A user rule beats group rules",
    "7": "Provider",
    "8": "When (UTC)",
    "9": '"uid"',
}


def _profile_shown(screen: str) -> bool:
    return PROFILE in screen and LOADING not in screen and DIRECTORY not in screen


def _shows(marker: str):
    return lambda screen: marker in screen and DIRECTORY not in screen


def open_one(terminal: Terminal) -> float:
    """ms from Enter on the cursor row to the painted Profile tab."""
    terminal.keys("Enter")
    return terminal.wait_for(_profile_shown, timeout=30) * 1000


def back(terminal: Terminal) -> None:
    """Esc to the directory, then the next row (sent at once: no waiting for the list's reload)."""
    terminal.keys("Escape")
    terminal.wait_for(lambda screen: DIRECTORY in screen and "▶" in screen)
    terminal.keys("Down")


def tab_switches(terminal: Terminal) -> list[float]:
    """ms for each of 2..9 from the Profile tab (the first time each tab is shown: it is built then)."""
    samples = []
    for key, marker in TAB_MARKERS.items():
        terminal.keys(key)
        samples.append(terminal.wait_for(_shows(marker), timeout=30) * 1000)
        terminal.keys("1")
        terminal.wait_for(_profile_shown, timeout=30)
    return samples


def measure(console: Console, db_path: Path, opens: int = 20, tab_rounds: int = 2) -> dict[str, float]:
    """p50/p95 of `opens` account opens (different rows) and p95 of tab switches over `tab_rounds` opens."""
    terminal = console.admin(db_path)
    try:
        terminal.wait_for(lambda screen: DIRECTORY in screen and "▶" in screen)
        dismiss_demo_notice(terminal, db_path)
        escape(terminal)  # the console opens in its (empty) search field: go to the list
        open_one(terminal)  # one discarded open: the detail modules are imported, and the screen built, on first use
        back(terminal)
        opened, switched = [], []
        for i in range(opens):
            opened.append(open_one(terminal))
            if i < tab_rounds:
                switched += tab_switches(terminal)
            back(terminal)
    finally:
        terminal.close()
    return {
        "open_p50": percentile(opened, 50),
        "open_p95": percentile(opened, 95),
        "open_max": max(opened),
        "tab_p50": percentile(switched, 50),
        "tab_p95": percentile(switched, 95),
        "opens": float(len(opened)),
        "tab_switches": float(len(switched)),
    }


def figures(console: Console, db_path: Path, users: int, opens: int) -> list:
    """The two figures for benchmarks.run, each beside its target."""
    from .figures import Figure

    result = measure(console, db_path, opens=opens)
    n = f"{users:,}"
    return [
        Figure(
            "open_account_p95",
            f"open account (Enter to Profile) p95, {n} users",
            result["open_p95"],
            "ms",
            target=f"p95 <= {OPEN_TARGET_MS:.0f} ms",
            limit=OPEN_TARGET_MS,
            details={"open_p50": result["open_p50"], "open_max": result["open_max"], "opens": result["opens"]},
        ),
        Figure(
            "tab_switch_p95",
            f"account tab switch p95, {n} users",
            result["tab_p95"],
            "ms",
            target=f"p95 <= {TAB_TARGET_MS:.0f} ms",
            limit=TAB_TARGET_MS,
            details={"tab_p50": result["tab_p50"], "switches": result["tab_switches"]},
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(prog="python -m benchmarks.account", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a demo directory (userdesk demo)")
    parser.add_argument("--opens", type=int, default=20, help="accounts opened (different rows)")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k.startswith("USERDESK_") or k == "PATH"}
    result = measure(Console(env={**env, "TERM": "xterm-256color"}), args.db, opens=args.opens)
    print(
        f"open account: p50 {result['open_p50']:.0f} ms, p95 {result['open_p95']:.0f} ms "
        f"(target <= {OPEN_TARGET_MS:.0f}), max {result['open_max']:.0f} ms over {result['opens']:.0f} opens; "
        f"tab switch p50 {result['tab_p50']:.0f} ms, p95 {result['tab_p95']:.0f} ms (target <= {TAB_TARGET_MS:.0f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
