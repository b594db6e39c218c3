"""End to end on PostgreSQL (issue 14's "done means"): `userdesk --db <url> demo --users 2000`, then the real admin
console in tmux at 80x24 finds a user by search. Runs only with --backend=postgresql (and tmux installed).

The database is a fresh one from the `db_target` fixture (empty: `demo` makes it a Userdesk directory); the URL is
passed as `$USERDESK_DB`, the way a deployment would (a password must never be on the command line).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .tmux import Tmux, userdesk_command

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_demo_then_the_admin_console_finds_a_user_by_search_on_postgresql(
    tmp_path: Path, db_target: str, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("the PostgreSQL end-to-end run (--backend=postgresql)")
    env = {
        "USERDESK_CONFIG_DIR": os.environ["USERDESK_CONFIG_DIR"],
        "USERDESK_DATA_DIR": os.environ["USERDESK_DATA_DIR"],
        "USERDESK_DB": db_target,
        "TERM": "xterm-256color",
        "TEXTUAL_ANIMATIONS": "none",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},  # a checkout run without installing
    }
    userdesk = userdesk_command(db_target)[:-2]  # the binary, without `--db TARGET`: the URL is in $USERDESK_DB
    started = time.monotonic()
    demo = subprocess.run(
        [*userdesk, "demo", "--users", "2000"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[2],
    )
    assert demo.returncode == 0, demo.stderr
    assert "2,000" in demo.stdout and "demo.user" in demo.stdout
    built = time.monotonic() - started
    command = ["env", *(f"{k}={v}" for k, v in env.items()), *userdesk, "admin"]
    tmux = Tmux(tmp_path / "tmux.sock", "admin-pg")
    tmux.start(command)
    try:
        tmux.wait_for("Demo directory", "Every demo user's password", timeout=60)  # the demo notice comes first
        tmux.keys("Enter")
        tmux.wait_for("2,000 users", "Username", "F1 Help", timeout=30)
        tmux.keys("/")
        tmux.keys("demo.user", literal=True)
        screen = tmux.wait_for("1 user match", "Demo User", timeout=30)
        assert "demo.totp" not in screen  # the list narrowed to the match
        tmux.keys("C-q")
        tmux.wait_gone()
    finally:
        tmux.close()
    print(f"demo --users 2000 on PostgreSQL: {built:.1f} s")
