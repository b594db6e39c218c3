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
    "filter_page_p95",
    "filter_count_p95",
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
    "open_account_p95",
    "tab_switch_p95",
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
    per_filter = {key for key in data["figures"] if key.startswith("filter ")}  # one per filter x term
    assert data["users"] == 10000 and set(data["figures"]) - per_filter == FIGURES
    assert {"filter disabled + broad", "filter archived + narrow", "filter locked"} <= per_filter
    for key, figure in data["figures"].items():
        assert figure["label"] in table, key
        if "skipped" not in figure["details"]:
            assert figure["value"] is not None and figure["value"] > 0, key
    assert data["figures"]["demo_build"]["details"]["reused"] is False
    # no key lost on the way: the first Enter once went to the demo notice and was resent 10 s later
    assert data["figures"]["memory_cycles"]["details"]["enter_resent"] == 0
    assert (tmp_path / "last-run.json").exists() and (tmp_path / "demo-10000.db").exists()


BENCH = [sys.executable, "-m", "benchmarks.run", "--quick", "--no-console", "--no-transfer"]


@pytest.mark.bench
def test_benchmark_puts_postgresql_beside_sqlite(tmp_path: pathlib.Path, backend: str, db_target: str) -> None:
    """The backends table (benchmarks/backends.py) at a few thousand users; only with --backend=postgresql."""
    if backend != "postgresql":
        pytest.skip("the PostgreSQL side of the benchmark runs with --backend=postgresql")
    result = subprocess.run(
        [*BENCH, "--users", "2000", "--data-dir", str(tmp_path), "--postgresql", db_target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table, _, raw = result.stdout.partition("\nJSON:\n")
    backends = json.loads(raw)["backends"]
    assert "Backends, 2,000 users" in table and "PostgreSQL" in table
    assert backends["postgresql_build"]["reused"] is False and backends["postgresql_build"]["seconds"] > 0
    rows = {row["figure"]: row for row in backends["rows"]}
    for figure in ("sign-ins/s, 1 process", "sign-ins/s, 2 processes", "sign-ins/s, 4 processes", "demo build"):
        assert rows[figure]["sqlite"] > 0 and rows[figure]["postgresql"] > 0, figure
    assert set(rows) >= {"search p95 (store)", "deep page / first page"}
