"""A small run of the benchmark (10k users, --quick), so it cannot rot; the real run is `python -m benchmarks.run`."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIGURES = {
    "demo_build",
    "search_p50",
    "search_p95",
    "paging",
    "history_p95",
    "signin",
    "signins_per_s",
    "cold_start",
    "cold_start_scale",
    "help_start",
    "session_check_start",
    "keystroke_p95",
    "enter_p95",
    "peak_rss",
    "memory_cycles",
}


@pytest.mark.bench
def test_benchmark_quick_run_prints_every_figure(tmp_path: pathlib.Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--users",
            "10000",
            "--quick",
            "--no-transfer",
            "--data-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table, _, raw = result.stdout.partition("\nJSON:\n")
    data = json.loads(raw)
    assert data["users"] == 10000 and set(data["figures"]) == FIGURES
    for key, figure in data["figures"].items():
        assert figure["label"] in table, key
        if "skipped" not in figure["details"]:
            assert figure["value"] is not None and figure["value"] > 0, key
    assert data["figures"]["demo_build"]["details"]["reused"] is False
    assert (tmp_path / "last-run.json").exists() and (tmp_path / "demo-10000.db").exists()
