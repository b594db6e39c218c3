"""The host key (created once, 0600, atomically; refused when others can read it), the connection gate, and the
`userdesk serve` options that need no running server."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from tui.cli import cli
from tui.serve import hostkey
from tui.serve.limits import Gate, Limits

pytestmark = pytest.mark.sqlite_only("the host key file and connection limits; no database")


def test_host_key_is_created_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "host"
    key, created = hostkey.load_or_create(path)
    assert created and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["host"]  # no temporary file left behind
    again, created_again = hostkey.load_or_create(path)
    assert not created_again and hostkey.fingerprint(again) == hostkey.fingerprint(key)
    assert hostkey.fingerprint(key).startswith("SHA256:") and hostkey.public_line(key).startswith("ssh-ed25519 ")


def test_host_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "host"
    hostkey.load_or_create(path)
    os.chmod(path, 0o644)
    with pytest.raises(hostkey.HostKeyError, match="readable by others"):
        hostkey.load(path)


def test_gate_caps_and_rate() -> None:
    now = [0.0]
    gate = Gate(Limits(max_sessions=3, max_per_ip=2, rate_per_minute=4), clock=lambda: now[0])
    assert gate.admit("a") is None and gate.admit("a") is None
    assert "too many open sessions from a" in gate.admit("a")
    assert gate.admit("b") is None
    assert "session limit" in gate.admit("c")
    gate.release("a")
    assert gate.admit("c") is None
    assert "session limit" in gate.admit("a")  # every attempt spends a token, admitted or not
    assert "too many new connections from a" in gate.admit("a")  # a's 4 tokens per minute are spent
    now[0] += 15  # a quarter of a minute gives a token back
    gate.release("b")
    assert gate.admit("a") is None
    assert gate.open_total == 3 and gate.open_by_ip == {"a": 2, "c": 1}


def test_limits_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="max-sessions must be at least 1"):
        Limits(max_sessions=0)


def test_print_host_key(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["--db", str(tmp_path / "x.db"), "serve", "--print-host-key"])
    assert missing.exit_code == 1 and "error: no host key at" in missing.output
    key, _ = hostkey.load_or_create(hostkey.default_path())
    shown = runner.invoke(cli, ["serve", "--print-host-key"])
    assert shown.exit_code == 0
    assert shown.output.splitlines() == [hostkey.fingerprint(key), hostkey.public_line(key)]


def test_bad_listen_address_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "serve", "--listen", "nowhere"])
    assert result.exit_code == 2 and "expected HOST:PORT" in result.output
