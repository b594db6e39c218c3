"""A small run of the import/export benchmark, so it cannot rot (the real one: python -m benchmarks.transfer)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.bench
def test_transfer_benchmark_quick_run(tmp_path: pathlib.Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.transfer", "--users", "1200", "--quick", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout.partition("JSON:\n")[2])
    assert set(data["figures"]) == {"import_userdesk", "import_auth0", "export", "import_rss"}
    for figure in data["figures"].values():
        assert figure["value"] > 0 and figure["baseline"] > 0
    assert not list(tmp_path.glob("*.export.ndjson"))
