"""`userdesk serve`: the consoles over SSH (see tui/serve/server.py for routing, proof of keys and limits)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .context import Failure, State, pass_state
from .location import child_target
from .output import say

if TYPE_CHECKING:
    import asyncssh

    from store import Database
    from tui.serve.limits import Limits


def _listen_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise click.BadParameter("expected HOST:PORT, e.g. 127.0.0.1:2222")
    return host.strip("[]"), int(port)


@click.command()
@click.option(
    "--listen", default="127.0.0.1:2222", show_default=True, metavar="HOST:PORT", help="Address to listen on."
)
@click.option(
    "--host-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="ed25519 host key file (default: ssh_host_ed25519_key in the data directory; created on first start).",
)
@click.option("--max-sessions", default=64, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--max-per-ip", default=8, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--rate", default=20, show_default=True, type=click.IntRange(1, 10_000), help="New connections per address/minute."
)
@click.option(
    "--idle-minutes", default=30.0, show_default=True, type=click.FloatRange(0.1, 24 * 60), help="Idle timeout."
)
@click.option(
    "--max-hours", default=12.0, show_default=True, type=click.FloatRange(0.01, 24 * 7), help="Longest session."
)
@click.option(
    "--print-host-key", is_flag=True, help="Print the host key's SHA256 fingerprint and public key, then exit."
)
@pass_state
def serve(
    state: State,
    listen: str,
    host_key: Path | None,
    max_sessions: int,
    max_per_ip: int,
    rate: int,
    idle_minutes: float,
    max_hours: float,
    print_host_key: bool,
) -> None:
    """Serve the consoles over SSH: admins with a registered key get the admin console, everyone else self-service.

    End users: `ssh -t -p PORT self@HOST`. Admins: `ssh -t -p PORT -i KEY HOST`. Nothing else is offered (no shell,
    exec, SFTP or forwarding). SIGTERM stops accepting, tells open consoles and exits within 5 seconds.
    """
    from tui.serve import hostkey
    from tui.serve.limits import Limits

    path = host_key or hostkey.default_path()
    try:
        if print_host_key:
            key = hostkey.load(path)
            say(hostkey.fingerprint(key))
            say(hostkey.public_line(key))
            return
        host, port = _listen_address(listen)
        limits = Limits(
            max_sessions=max_sessions,
            max_per_ip=max_per_ip,
            rate_per_minute=rate,
            idle_timeout=idle_minutes * 60,
            max_session=max_hours * 3600,
        )
        db = state.db()
        key, created = hostkey.load_or_create(path)
    except hostkey.HostKeyError as exc:
        raise Failure(str(exc)) from None
    if created:
        say(f"created the host key {path}")
    say(f"host key fingerprint: {hostkey.fingerprint(key)}")
    try:
        asyncio.run(_run(db, child_target(db, state.target), key, host, port, limits))
    except OSError as exc:
        raise Failure(f"cannot listen on {listen}: {exc.strerror or exc}") from None


async def _run(db: Database, target: str, key: asyncssh.SSHKey, host: str, port: int, limits: Limits) -> None:
    from tui.serve.server import Gateway

    gateway = Gateway(db, target, key, limits)
    bound = await gateway.start(host, port)
    say(f"listening on {host}:{bound}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    say("stopping: no new connections; closing open consoles")
    await gateway.close()
