"""Bad files: per-row errors, a non-zero exit, nothing half-written (rows with an error are left out whole)."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from tests.cli.helpers import Cli
from tests.transfer import fixtures as fx
from tests.transfer.test_import_formats import count


@pytest.fixture
def run(tmp_path: pathlib.Path, cli_target: Any) -> Cli:
    runner = Cli(cli_target("cli.db"))
    runner.ok("init")
    return runner


def refused_both_ways(run: Cli, path: pathlib.Path, fmt: str, *extra: str) -> str:
    """The dry run reports and writes nothing; --apply reports the same rows and writes only the good ones."""
    dry = run.refused("import", str(path), "--format", fmt, *extra)
    assert count(run) == 0 and "dry run" in dry.stdout
    applied = run.refused("import", str(path), "--format", fmt, "--apply", *extra)
    assert [line for line in dry.stdout.splitlines() if line.startswith("line")] == [
        line for line in applied.stdout.splitlines() if line.startswith("line")
    ]
    return applied.stdout


def test_truncated_json(run: Cli, tmp_path: pathlib.Path) -> None:
    text = json.dumps([{"email": "a@example.com"}, {"email": "b@example.com"}, {"email": "c@example.com"}])
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index("c@example")])
    out = refused_both_ways(run, path, "auth0")
    assert "not valid JSON after item 2 (truncated?)" in out
    assert count(run) == 2  # the complete users before the cut; the cut one is not half-written


def test_wrong_types_duplicates_unknown_scheme_bad_base64_nul_and_huge_field(run: Cli, tmp_path: pathlib.Path) -> None:
    users = [
        {"email": "ok@example.com", "password_hash": fx.bcrypt_hash()},
        {"email": 12345},
        {"email": "dup@example.com"},
        {"email": "DUP@example.com"},
        {"email": "md4@example.com", "custom_password_hash": {"algorithm": "md4", "hash": {"value": "abcd"}}},
        {
            "email": "b64@example.com",
            "custom_password_hash": {"algorithm": "sha1", "hash": {"value": "%%%not-base64%%%"}},
        },
        {"email": "nul@example.com", "name": "bad\x00name"},
        {"email": "huge@example.com", "name": "x" * 10_000_000},
        {"email": "blocked@example.com", "blocked": "yes"},
        {"email": "bcrypt@example.com", "password_hash": "$2b$10$short"},
    ]
    path = fx.write_json(tmp_path / "bad.json", users)
    out = refused_both_ways(run, path, "auth0")
    expected = {
        2: "Email must be text",
        4: "already on line 3",
        5: "unsupported hash algorithm 'md4'",
        6: "not valid base64",
        7: "control characters",
        8: "too long",
        9: "blocked must be true or false",
        10: "not a bcrypt hash",
    }
    for line, reason in expected.items():
        assert any(f"line {line} " in row and reason in row for row in out.splitlines()), (line, reason, out)
    assert "8 errors" in out and count(run) == 2  # ok@ and dup@ (the first of the two)


def test_ndjson_bad_lines_and_an_overlong_line(run: Cli, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "users.ndjson"
    path.write_text(
        json.dumps({"type": "user", "username": "fine"})
        + "\n{not json\n"
        + "[1, 2]\n"
        + json.dumps({"type": "user", "username": "x" * (2 << 20)})
        + "\n"
        + json.dumps({"type": "user", "username": "also-fine", "groups": "not-a-list"})
        + "\n"
    )
    out = refused_both_ways(run, path, "userdesk")
    assert "line 2" in out and "line 3" in out and "longer than 1024 KiB" in out and "must be a list" in out
    assert count(run) == 1


def test_csv_unknown_column_and_huge_cell(run: Cli, tmp_path: pathlib.Path) -> None:
    bad_header = fx.write_csv(tmp_path / "h.csv", ["username", "shoe_size"], [["a", "42"]])
    assert "unknown column 'shoe_size'" in run.refused("import", str(bad_header), "--format", "csv").stdout
    huge = fx.write_csv(tmp_path / "big.csv", ["username", "name"], [["a", "A"], ["b", "x" * 10_000_000]])
    out = refused_both_ways(run, huge, "csv")
    assert "CSV error" in out and count(run) == 1


def test_missing_file_is_one_clean_error(run: Cli, tmp_path: pathlib.Path) -> None:
    result = run.refused("import", str(tmp_path / "nope.json"), "--format", "auth0")
    assert result.stderr == f"error: No file at {tmp_path / 'nope.json'}.\n"
