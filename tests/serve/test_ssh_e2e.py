"""End to end with the real OpenSSH client in tmux against the real `userdesk serve` process.

An end user connects as `self`, signs in with a TOTP code from `oathtool`, sees their sign-in history with the SSH
address, and quits (the connection ends). Then SIGTERM with a console open: the server tells it and exits within
5 s. The admin path (registered key, role shown, TOTP asked) needs the admin roles feature (`store.admins`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from store import Database, history
from tests.conftest import PASSWORD
from tests.e2e.tmux import Tmux, userdesk_command
from tests.selfservice.helpers import TOTP_SECRET, make_bob

HAVE_TOOLS = all(shutil.which(tool) for tool in ("tmux", "oathtool", "ssh", "ssh-keygen"))
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not HAVE_TOOLS, reason="needs tmux, oathtool and ssh")]


class Server:
    """`userdesk serve` on a fresh port, as a real process."""

    def __init__(self, db_path: Path | str, tmp_path: Path) -> None:
        self.stderr_path = tmp_path / "serve.err"
        command = userdesk_command(db_path, "serve", "--listen", "127.0.0.1:0", "--host-key", str(tmp_path / "hk"))
        with self.stderr_path.open("wb") as err:
            self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True)
        self.port = 0
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("listening on "):
                self.port = int(line.rsplit(":", 1)[1])
                return
            if not line:
                break
        raise AssertionError(f"the server did not start: {self.stderr_path.read_text()}")

    def ssh(self, user: str, *extra: str) -> list[str]:
        return [
            "ssh", "-tt", "-p", str(self.port),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "IdentityAgent=none", "-F", "/dev/null",
            *extra, f"{user}@127.0.0.1",
        ]  # fmt: skip

    def stop(self) -> float:
        """SIGTERM; seconds until it exited."""
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        return time.monotonic() - start

    @property
    def log(self) -> str:
        return self.stderr_path.read_text()


@pytest.fixture
def server_for(tmp_path: Path) -> Iterator:
    servers: list[Server] = []

    def start(db_path: Path | str) -> Server:
        servers.append(Server(db_path, tmp_path))
        return servers[-1]

    yield start
    for server in servers:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


def oathtool_code() -> str:
    return subprocess.run(
        ["oathtool", "--totp", "-b", TOTP_SECRET], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_end_user_signs_in_over_ssh_then_sigterm_stops_the_server(tmp_path: Path, db_target: str, server_for) -> None:
    db_path = db_target  # the run's backend
    db = Database(db_path, create=True)
    bob, _ = make_bob(db)
    server = server_for(db_path)
    env = {**os.environ, "TERM": "xterm-256color"}
    tmux = Tmux(tmp_path / "tmux.sock", "ssh", env)
    tmux.start(server.ssh("self", "-o", "PubkeyAuthentication=no"))
    try:
        tmux.wait_for("sign in to your account", "Forgot password")
        tmux.keys("bob", literal=True)
        tmux.wait_for("bob")
        tmux.keys("Tab")
        tmux.keys(PASSWORD, literal=True)
        tmux.wait_for("\u2022" * len(PASSWORD))
        tmux.keys("Enter")
        tmux.wait_for("6-digit code shown by your authenticator app")
        code = oathtool_code()
        tmux.keys(code, literal=True)
        tmux.wait_for(code)
        tmux.keys("Enter")
        tmux.wait_for("signed in as bob")
        tmux.keys("F6")
        tmux.wait_for("Sign-in attempts", "127.0.0.1")
        tmux.keys("C-q")
        tmux.wait_gone()  # the console exited, so the SSH connection ended
        newest = history.login_history(db, bob.id, limit=1)[0]
        assert (newest.success, newest.method, newest.ip, newest.user_agent) == (
            True,
            "totp",
            "127.0.0.1",
            "userdesk-serve",
        )

        tmux.start(server.ssh("self", "-o", "PubkeyAuthentication=no"))
        tmux.wait_for("sign in to your account")
        assert server.stop() < 5.0
        tmux.wait_gone(timeout=5)
    finally:
        tmux.close()
        db.close()
    assert server.proc.returncode == 0
    lines = [line for line in server.log.splitlines() if " route=self " in line]
    assert len(lines) == 2 and "ended=console exited" in lines[0] and "ended=server shutdown" in lines[1]


def test_admin_with_registered_key_reaches_the_admin_console(tmp_path: Path, db_target: str, server_for) -> None:
    from click.testing import CliRunner

    from tui.cli import cli

    db_path = db_target
    db = Database(db_path, create=True)
    make_bob(db)
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    runner = CliRunner()
    for args in (
        ["admin", "grant", "bob", "--role", "owner"],
        ["admin", "key", "add", "bob", "--key-file", f"{key}.pub"],
    ):
        result = runner.invoke(cli, ["--db", str(db_path), *args])
        assert result.exit_code == 0, result.output
    server = server_for(db_path)
    tmux = Tmux(tmp_path / "tmux.sock", "admin", {**os.environ, "TERM": "xterm-256color"})
    tmux.start(server.ssh("bob", "-i", str(key), "-o", "IdentitiesOnly=yes"))
    try:
        screen = tmux.wait_for("TOTP code")  # asked before anything is shown
        assert "bob (owner)" in screen and "bob@example.com" not in screen
        tmux.keys(pyotp.TOTP(TOTP_SECRET).now(), literal=True)
        tmux.keys("Enter")
        screen = tmux.wait_for("bob@example.com")  # the directory, as bob
        assert "bob" in screen and "owner" in screen
        assert "sign in to your account" not in screen
    finally:
        tmux.close()
        server.stop()
        db.close()
    assert " route=admin:bob(owner) " in server.log
