"""`userdesk serve`: an SSH server (asyncssh) that hosts the Userdesk consoles and nothing else.

Routing. A client that proves it holds a public key registered to an admin gets the admin console as that admin;
any other client, and any client connecting as the SSH user `self`, gets the self-service console (which runs its
own sign-in: password, then TOTP or a one-time code). SSH authentication therefore never asks for a password, so
no argon2 work happens before the console's own sign-in, whose attempts count towards the account lockout there.

Proof of a key (soft-serve's lesson). asyncssh calls `validate_public_key` for keys a client merely *offers*, and
for a signed request before checking the signature, and it does not record which key finally authenticated the
connection. So a key counts only if asyncssh's own signature check on that very key object succeeded: the key
object we approve gets its `verify` wrapped to record success. And if authentication finished through
keyboard-interactive (the fall-back for clients without an admin key) the route is self-service whatever keys
were offered. The admin is looked up again from the proven key after authentication.

Limits: connections per address and in total, a per-address rate of new connections (refused with a disconnect
message before authentication), asyncssh's login timeout, and per session an idle timeout and a maximum length.
A connection holds its slot from TCP accept, so the timers are per connection too, not only per console: once
authenticated (as `self` that costs nothing) a client has the login timeout again to open its console, or the
connection is closed; and the maximum length counts from TCP accept, console or not.

A key is marked used (`last_used_at`, a database write) only once its signature was verified, in `auth_completed`:
the look-up for a key merely offered is read-only.
An admin's role is re-checked every few seconds and the connection closed when it is revoked; the self-service
console exits itself when its session is revoked or the user disabled.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import asyncssh

from store import Database
from store.admins import AdminIdentity

from .admins import AdminDirectory, identity_fields
from .handoff import Handoff
from .limits import Gate, Limits
from .session import ConsoleSession
from .spawn import ExecSpawner, Spawner, ZygoteSpawner

ONLY_CONSOLES = "this server only hosts the Userdesk consoles: connect with ssh -t"
SELF_USER = "self"
ADMIN_POLL_SECONDS = 2.0
SHUTDOWN_SECONDS = 4.0
SHUTDOWN_MESSAGE = "the Userdesk server is shutting down; reconnect in a moment"


def stderr_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class Route:
    kind: str  # "admin" or "self"
    admin: AdminIdentity | None = None

    def label(self) -> str:
        if self.kind == "admin" and self.admin is not None:
            return f"admin:{self.admin.username}({self.admin.role})"
        return "self"


class Connection(asyncssh.SSHServer):
    """One SSH connection: admission, authentication and routing. At most one console per connection."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.port = 0
        self.refused: str | None = None
        self.counted = False
        self.started = time.monotonic()
        self.username = ""
        self._proven: str | None = None  # OpenSSH line of the key whose signature asyncssh verified
        self._kbdint_ok = False
        self.route: Route | None = None
        self.fingerprint: str | None = None
        self.session: ConsoleSession | None = None
        self.ended: str | None = None
        self._timers: list[asyncio.TimerHandle] = []

    # ------------------------------------------------------------------ admission

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.address, self.port = str(peer[0]), int(peer[1])
        self.refused = self.gateway.admit(self)
        self.counted = self.refused is None
        if self.counted:
            self._close_later(self.gateway.limits.max_session, "maximum session length")

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in self._timers:
            timer.cancel()
        self.gateway.forget(self)
        if self.session is not None:
            self.session.close("client closed")
        if self.ended is None:
            if self.refused:
                self.ended = f"refused: {self.refused}"
            elif self.route is None:
                self.ended = "authentication failed or timed out"
            else:
                self.ended = "client closed"
        self.gateway.log_connection(self)

    def begin_auth(self, username: str) -> bool:
        self.username = username
        if self.refused:
            raise asyncssh.DisconnectError(asyncssh.DISC_TOO_MANY_CONNECTIONS, self.refused)
        if username == SELF_USER:
            self.route = Route("self")
            return False  # no SSH authentication: the self-service console signs its user in
        return True

    # ------------------------------------------------------------------ authentication

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """Approve only keys registered to an admin, and wrap that key object's `verify` to learn if it gets proven."""
        line = key.export_public_key("openssh").decode().strip()
        try:
            if self.gateway.admins.find_by_key(line) is None:
                return False
        except Exception as exc:  # a busy or broken database: no admin route, the client falls back
            self.gateway.log(f"admin key look-up failed: {exc!r}")
            return False
        verify = key.verify

        def verify_and_record(data: bytes, sig: bytes) -> bool:
            ok = bool(verify(data, sig))
            if ok:
                self._proven = line
            return ok

        key.verify = verify_and_record  # type: ignore[method-assign]
        return True

    def kbdint_auth_supported(self) -> bool:
        return True

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        """The fall-back for everyone without an admin key: no prompts, straight to the self-service console."""
        self._kbdint_ok = True
        return True

    def password_auth_supported(self) -> bool:
        return False

    def auth_completed(self) -> None:
        self._close_later(self.gateway.limits.login_timeout, "no console opened after authentication")
        if self.route is not None:  # user `self` (no authentication)
            return
        if self._kbdint_ok or self._proven is None:
            self.route = Route("self")
            return
        try:
            admin = self.gateway.admins.key_proven(self._proven)
        except Exception as exc:
            self.gateway.log(f"admin key look-up failed: {exc!r}")
            admin = None
        self.route = Route("admin", admin) if admin is not None else Route("self")
        if admin is not None:
            self.fingerprint = asyncssh.import_public_key(self._proven).get_fingerprint("sha256")

    # ------------------------------------------------------------------ timers of the connection

    def _close_later(self, delay: float, reason: str) -> None:
        if self.conn is not None:  # (routing unit tests drive a Connection without one, and without a loop)
            self._timers.append(asyncio.get_running_loop().call_later(delay, self._expire, reason))

    def _expire(self, reason: str) -> None:
        """A connection timer ran out: close the connection unless its console runs (which has its own timers)."""
        if self.session is not None or self.conn is None:
            return
        self.ended = reason
        self.conn.close()

    # ------------------------------------------------------------------ nothing but the consoles

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, ONLY_CONSOLES)

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, ONLY_CONSOLES)

    def unix_server_requested(self, listen_path: str) -> bool:
        return False

    # ------------------------------------------------------------------ the console

    async def serve_console(self, process: asyncssh.SSHServerProcess) -> None:
        refusal = self._refusal(process)
        if refusal:
            newline = "\r\n" if process.get_terminal_type() else "\n"
            process.stderr.write(f"userdesk: {refusal}{newline}".encode())
            process.exit(1)
            return
        assert self.route is not None
        handoff = Handoff(
            route=self.route.kind,
            db=self.gateway.db_target,
            address=self.address,
            key_fingerprint=self.fingerprint,
            admin=identity_fields(self.route.admin) if self.route.admin is not None else None,
        )
        self.session = session = ConsoleSession(process, handoff, self.gateway.limits, spawner=self.gateway.spawner)
        session.started = self.started  # the maximum length is per connection: counted from TCP accept
        self.gateway.running += 1
        watch = asyncio.create_task(self._watch_admin()) if self.route.kind == "admin" else None
        try:
            await self._audit("admin.ssh_connect", "connected over SSH")
            self.ended = await session.run()
        finally:
            self.gateway.running -= 1
            if watch is not None:
                watch.cancel()
        duration = time.monotonic() - self.started
        await self._audit("admin.ssh_disconnect", f"SSH session ended after {duration:.0f} s: {self.ended}")
        if self.conn is not None:
            self.conn.close()

    def _refusal(self, process: asyncssh.SSHServerProcess) -> str | None:
        if self.route is None:
            return "not authenticated"
        if self.session is not None:
            return "one console per connection: open another connection"
        if process.command is not None or process.subsystem is not None or process.get_terminal_type() is None:
            return ONLY_CONSOLES
        if self.gateway.closing:
            return SHUTDOWN_MESSAGE
        return None

    async def _watch_admin(self) -> None:
        """Close the connection within seconds of the admin's role being revoked or the account disabled."""
        assert self.route is not None and self.route.admin is not None
        while True:
            await asyncio.sleep(self.gateway.admin_poll)
            try:
                current = await asyncio.to_thread(self.gateway.admins.is_current, self.route.admin)
            except Exception:  # busy database: check again next time
                continue
            if not current and self.session is not None:
                self.session.close("admin role revoked", "your admin access was revoked; the connection is closed")
                return

    async def _audit(self, action: str, reason: str) -> None:
        if self.route is None or self.route.admin is None:
            return
        try:
            await asyncio.to_thread(
                self.gateway.admins.audit,
                self.route.admin,
                action,
                key=self.fingerprint,
                address=self.address,
                reason=reason,
            )
        except Exception as exc:
            self.gateway.log(f"audit of {action} failed: {exc!r}")


class Gateway:
    """The server: shared state of every connection, the listener, and shutdown."""

    def __init__(
        self,
        db: Database,
        db_target: str,
        host_key: asyncssh.SSHKey,
        limits: Limits | None = None,
        *,
        admins: AdminDirectory | None = None,
        log: Callable[[str], None] = stderr_line,
        admin_poll: float = ADMIN_POLL_SECONDS,
        prefork: bool = True,
    ) -> None:
        self.db = db
        self.db_target = db_target
        self.host_key = host_key
        self.limits = limits or Limits()
        self.gate = Gate(self.limits)
        self.admins = admins or AdminDirectory(db)
        self.log = log
        self.admin_poll = admin_poll
        self.prefork = prefork
        self.spawner: Spawner = ExecSpawner()
        self.connections: dict[asyncssh.SSHServerConnection, Connection] = {}
        self.closing = False
        self.running = 0  # consoles not yet fully stopped
        self._acceptor: asyncssh.SSHAcceptor | None = None

    # ------------------------------------------------------------------ listening

    async def start(self, host: str, port: int) -> int:
        """Start the console zygote (when preforking), then listen; returns the bound port (useful with port 0)."""
        if self.prefork:
            zygote = ZygoteSpawner()
            try:
                await zygote.start()
                self.spawner = zygote
            except OSError as exc:
                self.log(f"consoles start by exec: the zygote did not start ({exc})")
        self._acceptor = await asyncssh.create_server(
            lambda: Connection(self),
            host,
            port,
            server_host_keys=[self.host_key],
            process_factory=self._process,
            encoding=None,
            line_editor=False,
            allow_scp=False,
            sftp_factory=None,
            agent_forwarding=False,
            x11_forwarding=False,
            login_timeout=self.limits.login_timeout,
            keepalive_interval=30,
            keepalive_count_max=4,
        )
        return int(self._acceptor.sockets[0].getsockname()[1])

    async def _process(self, process: asyncssh.SSHServerProcess) -> None:
        connection = self.connections.get(cast(asyncssh.SSHServerConnection, process.channel.get_connection()))
        if connection is None:
            process.exit(1)
            return
        await connection.serve_console(process)

    # ------------------------------------------------------------------ bookkeeping

    def admit(self, connection: Connection) -> str | None:
        if self.closing:
            return SHUTDOWN_MESSAGE
        refused = self.gate.admit(connection.address)
        if refused is None and connection.conn is not None:
            self.connections[connection.conn] = connection
        return refused

    def forget(self, connection: Connection) -> None:
        if connection.conn is not None:
            self.connections.pop(connection.conn, None)
        if connection.counted:
            connection.counted = False
            self.gate.release(connection.address)

    def log_connection(self, c: Connection) -> None:
        """One line per connection: time, address, key fingerprint, route, duration, how it ended."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        route = c.route.label() if c.route is not None else "-"
        self.log(
            f"{stamp} {c.address}:{c.port} key={c.fingerprint or '-'} route={route} "
            f"duration={time.monotonic() - c.started:.1f}s ended={c.ended}"
        )

    def session_pids(self) -> list[int]:
        return [c.session.pid for c in self.connections.values() if c.session is not None and c.session.pid]

    # ------------------------------------------------------------------ shutdown

    async def close(self, timeout: float = SHUTDOWN_SECONDS) -> None:
        """Stop accepting, tell every open console, and wait (bounded) for them to end."""
        self.closing = True
        if self._acceptor is not None:
            self._acceptor.close()
        connections = list(self.connections.values())
        for c in connections:
            if c.session is not None:
                c.session.close("server shutdown", SHUTDOWN_MESSAGE)
            elif c.conn is not None:
                c.conn.close()
        deadline = time.monotonic() + timeout
        while (self.connections or self.running) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for c in list(self.connections.values()):
            if c.conn is not None:
                c.conn.abort()
        if self._acceptor is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._acceptor.wait_closed(), 1.0)
        await asyncio.to_thread(self.spawner.close)
