"""A tiny run of benchmarks/serve.py (2 sessions, 1 run) so it cannot rot; the real run is `python -m benchmarks.serve`."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.sqlite_only("a smoke run of the serve benchmark (SQLite)")

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.bench
@pytest.mark.skipif(not (shutil.which("tmux") and shutil.which("ssh")), reason="needs tmux and ssh")
def test_serve_benchmark_prints_every_figure(tmp_path: pathlib.Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.serve", "--users", "1000", "--sessions", "2", "--runs", "1", "--keys", "3",
         "--data-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.partition("JSON:\n")[2])
    assert {"first_paint_ratio", "keystroke_ratio", "console_pss_mb", "keystroke_p95_2_sessions_ms"} <= set(figures)
    assert figures["console_pss_mb"] > 0
