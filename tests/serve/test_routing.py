"""Routing: only a key whose signature asyncssh verified, and that is registered to an admin, reaches the admin
route; an offered-but-unproven key, a failed signature, or keyboard-interactive fall-back means self-service.

The admin directory here is a test double of `store.admins` (find_admin_by_key / admin_is_current), injected into
the server, so these run before the admin roles feature is merged."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from tui.serve import spawn
from tui.serve.server import Connection, Gateway

from .helpers import connect, open_console, process_gone, start_server, target_of, wait_until


@dataclass(frozen=True)
class Identity:
    user_id: int
    uid: str
    username: str
    role: str


@dataclass
class FakeAdmins:
    """Registered keys by their base64 blob; records audit calls."""

    keys: dict[str, Identity]
    current: bool = True
    audits: list[tuple[str, str]] = field(default_factory=list)

    def find_by_key(self, line: str) -> Identity | None:
        return self.keys.get(line.split()[1])

    def key_proven(self, line: str) -> Identity | None:
        return self.find_by_key(line)

    def is_current(self, identity: Identity) -> bool:
        return self.current

    def audit(self, identity: Identity, action: str, *, key: str | None, address: str | None, reason: str) -> None:
        self.audits.append((action, key or ""))


ROOT = Identity(1, "a" * 24, "root", "owner")


def blob(key: asyncssh.SSHKey) -> str:
    return key.export_public_key("openssh").decode().split()[1]


def gateway_with(admins: FakeAdmins) -> Gateway:
    return Gateway(db=None, db_target="unused", host_key=None, admins=admins, log=lambda line: None)  # type: ignore[arg-type]


def test_only_a_proven_registered_key_routes_to_admin() -> None:
    private = asyncssh.generate_private_key("ssh-ed25519")
    admins = FakeAdmins({blob(private): ROOT})

    offered_only = Connection(gateway_with(admins))
    assert offered_only.validate_public_key("root", private.convert_to_public()) is True  # offered, never signed
    assert offered_only.get_kbdint_challenge("root", "", "") is True
    offered_only.auth_completed()
    assert offered_only.route is not None and offered_only.route.kind == "self"

    bad_signature = Connection(gateway_with(admins))
    key = private.convert_to_public()
    assert bad_signature.validate_public_key("root", key) is True
    assert key.verify(b"session data", b"\0" * 64) is False  # what asyncssh does next: the signature fails
    bad_signature.get_kbdint_challenge("root", "", "")
    bad_signature.auth_completed()
    assert bad_signature.route.kind == "self"

    proven = Connection(gateway_with(admins))
    key = private.convert_to_public()
    assert proven.validate_public_key("root", key) is True
    assert key.verify(b"session data", private.sign(b"session data", b"ssh-ed25519")) is True
    proven.auth_completed()
    assert proven.route.kind == "admin" and proven.route.admin == ROOT
    assert proven.fingerprint == private.get_fingerprint("sha256")


def test_unregistered_keys_are_never_approved_and_self_never_uses_keys() -> None:
    registered = asyncssh.generate_private_key("ssh-ed25519")
    other = asyncssh.generate_private_key("ssh-ed25519")
    connection = Connection(gateway_with(FakeAdmins({blob(registered): ROOT})))
    assert connection.validate_public_key("root", other.convert_to_public()) is False
    connection.auth_completed()
    assert connection.route.kind == "self"


async def test_admin_key_over_ssh_is_routed_and_audited(tmp_path: Path, live_db) -> None:
    private = asyncssh.generate_private_key("ssh-ed25519")
    admins = FakeAdmins({blob(private): ROOT})
    served = await start_server(tmp_path, live_db, admins=admins)
    try:
        conn, _process, _screen = await open_console(served.port, username="root", client_keys=[private])
        await wait_until(lambda: ("admin.ssh_connect", private.get_fingerprint("sha256")) in admins.audits)
        conn.close()
        await wait_until(lambda: any("route=admin:root(owner)" in line for line in served.lines))
    finally:
        await served.gateway.close()
    [line] = [line for line in served.lines if "route=admin" in line]
    assert f"key={private.get_fingerprint('sha256')}" in line
    assert [a for a, _ in admins.audits] == ["admin.ssh_connect", "admin.ssh_disconnect"]


async def test_unregistered_key_gets_the_self_service_console(tmp_path: Path, live_db) -> None:
    registered = asyncssh.generate_private_key("ssh-ed25519")
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    served = await start_server(tmp_path, live_db, admins=FakeAdmins({blob(registered): ROOT}))
    try:
        conn, _process, screen = await open_console(served.port, username="root", client_keys=[stranger])
        await screen.wait_for("sign in to your account")
        conn.close()
        await wait_until(lambda: any("route=self" in line for line in served.lines))
    finally:
        await served.gateway.close()
    assert not any("route=admin" in line for line in served.lines)


async def test_revoked_admin_is_disconnected_by_the_server(tmp_path: Path, live_db, monkeypatch) -> None:
    """The server re-checks the admin every poll and stops the console when the role is gone. The console process
    is a stand-in that would run for a minute, so only the server's own check can end it (the console's own
    check is tested in tests/admin/test_roles.py)."""
    monkeypatch.setattr(spawn, "child_command", lambda fd: [sys.executable, "-c", "import time; time.sleep(60)"])
    private = asyncssh.generate_private_key("ssh-ed25519")
    admins = FakeAdmins({blob(private): ROOT})
    served = await start_server(tmp_path, live_db, admins=admins, admin_poll=0.2, prefork=False)
    try:
        conn = await connect(served.port, username="root", client_keys=[private])
        process = await conn.create_process(term_type="xterm", encoding=None)
        await wait_until(lambda: bool(served.gateway.session_pids()))
        [pid] = served.gateway.session_pids()
        admins.current = False
        said = (await asyncio.wait_for(process.stdout.read(), 10)).decode()
        assert "your admin access was revoked" in said
        assert process_gone(pid)
        conn.close()
        await wait_until(lambda: any("ended=admin role revoked" in line for line in served.lines))
    finally:
        await served.gateway.close()


async def test_unregistered_key_with_real_admin_roles(tmp_path: Path, live_db) -> None:
    """With the admin roles feature: bob is an owner with key A; a client with key B, as bob, gets self-service."""
    from click.testing import CliRunner

    from tests.selfservice.helpers import make_bob
    from tui.cli import cli

    make_bob(live_db)
    registered = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "a.pub").write_bytes(registered.export_public_key("openssh"))
    for args in (
        ["admin", "grant", "bob", "--role", "owner"],
        ["admin", "key", "add", "bob", "--key-file", str(tmp_path / "a.pub")],
    ):
        result = CliRunner().invoke(cli, ["--db", target_of(live_db), *args])
        assert result.exit_code == 0, result.output
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    served = await start_server(tmp_path, live_db)
    try:
        conn, _process, screen = await open_console(served.port, username="bob", client_keys=[stranger])
        await screen.wait_for("sign in to your account")
        conn.close()
        await wait_until(lambda: bool(served.lines))
    finally:
        await served.gateway.close()
    assert "route=self" in served.lines[0] and "route=admin" not in "".join(served.lines)
