"""`userdesk serve` driven by asyncssh clients: the self-service console over SSH, window changes, refusals of
everything but a console, limits, and nothing left running when a connection ends."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from pathlib import Path

import asyncssh
import pytest

from tui.serve.limits import Limits
from tui.serve.server import ONLY_CONSOLES

from .helpers import connect, open_console, process_gone, start_server, wait_until

pytestmark = pytest.mark.sqlite_only("SSH transport mechanics (window changes, refusals, caps, teardown)")


async def test_window_size_and_every_change_reach_the_console(tmp_path: Path, live_db) -> None:
    served = await start_server(tmp_path, live_db)
    try:
        conn, process, screen = await open_console(served.port, size=(100, 30))
        await screen.wait_for("sign in to your account")
        first = screen.raw
        assert re.search(rb"\x1b\[30;1H", first) and not re.search(rb"\x1b\[3[1-9];1H", first)  # drawn on 30 rows
        process.change_terminal_size(120, 40)
        await screen.wait_for_raw(rb"\x1b\[40;1H", timeout=10)  # the app now draws row 40: it got the new size
        conn.close()
    finally:
        await served.gateway.close()


async def test_connection_drop_leaves_no_process(tmp_path: Path, live_db) -> None:
    served = await start_server(tmp_path, live_db)
    try:
        conn, _process, screen = await open_console(served.port)
        await screen.wait_for("sign in to your account")
        [pid] = served.gateway.session_pids()
        assert not process_gone(pid)
        conn.abort()  # the client vanishes without closing anything
        await wait_until(lambda: process_gone(pid), timeout=10)
        await wait_until(lambda: served.gateway.running == 0, timeout=5)
        [line] = served.log_for(lambda line: "route=self" in line)
        assert "127.0.0.1:" in line and "key=-" in line and "ended=client closed" in line and "duration=" in line
    finally:
        await served.gateway.close()


async def test_everything_but_a_console_is_refused(tmp_path: Path, live_db) -> None:
    served = await start_server(tmp_path, live_db)
    try:
        async with await connect(served.port) as conn:
            no_pty = await conn.run(encoding=None)  # a shell session without a PTY
            assert no_pty.exit_status == 1 and ONLY_CONSOLES in no_pty.stderr.decode()
        async with await connect(served.port) as conn:
            exec_ = await conn.run("id", term_type="xterm", encoding=None)
            assert exec_.exit_status == 1 and ONLY_CONSOLES in (exec_.stdout + exec_.stderr).decode()
        async with await connect(served.port) as conn:
            with pytest.raises((asyncssh.SFTPError, asyncssh.ChannelOpenError, asyncssh.ProcessError, EOFError)):
                await conn.start_sftp_client()
        async with await connect(served.port) as conn:
            with pytest.raises(asyncssh.ChannelOpenError, match="only hosts the Userdesk consoles"):
                await conn.open_connection("127.0.0.1", served.port)  # direct-tcpip (ssh -L)
            with pytest.raises(asyncssh.ChannelListenError):
                await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", served.port)  # tcpip-forward (ssh -R)
        assert served.gateway.session_pids() == []  # no console was ever started
    finally:
        await served.gateway.close()


async def test_session_caps_and_connection_rate(tmp_path: Path, live_db) -> None:
    served = await start_server(tmp_path, live_db, Limits(max_sessions=2, max_per_ip=1, rate_per_minute=3))
    try:
        first = await connect(served.port)
        with pytest.raises(asyncssh.DisconnectError, match=r"too many open sessions from 127\.0\.0\.1 \(limit 1\)"):
            await connect(served.port)
        first.close()
        await first.wait_closed()
        await wait_until(lambda: served.gateway.gate.open_total == 0, timeout=5)
        third = await connect(served.port)  # the third new connection this minute: still within the rate
        third.close()
        await third.wait_closed()
        with pytest.raises(asyncssh.DisconnectError, match=r"too many new connections from 127\.0\.0\.1"):
            await connect(served.port)
        assert any("ended=refused: too many new connections" in line for line in served.lines)
    finally:
        await served.gateway.close()


async def test_total_session_cap(tmp_path: Path, live_db) -> None:
    served = await start_server(tmp_path, live_db, Limits(max_sessions=1))
    try:
        async with await connect(served.port):
            with pytest.raises(asyncssh.DisconnectError, match="session limit"):
                await connect(served.port)
    finally:
        await served.gateway.close()


async def test_idle_timeout_closes_with_a_message(tmp_path: Path, live_db) -> None:
    served = await start_server(tmp_path, live_db, Limits(idle_timeout=3.0))
    try:
        conn, _process, screen = await open_console(served.port)
        await wait_until(lambda: bool(served.gateway.session_pids()))
        [pid] = served.gateway.session_pids()
        said = await screen.rest(timeout=15)
        assert "userdesk: closed after 3 seconds without a keystroke" in said
        assert process_gone(pid)
        conn.close()
    finally:
        await served.gateway.close()


async def test_shutdown_tells_open_consoles_and_stops_them(tmp_path: Path, live_db) -> None:
    served = await start_server(tmp_path, live_db)
    conn, _process, screen = await open_console(served.port)
    await screen.wait_for("sign in to your account")
    [pid] = served.gateway.session_pids()
    zygote = served.gateway.spawner.pid  # type: ignore[attr-defined]
    assert zygote is not None  # consoles are forked from the pre-imported zygote by default
    await served.gateway.close()
    said = await screen.rest(timeout=5)
    assert "shutting down" in said
    assert process_gone(pid) and process_gone(zygote)
    with pytest.raises((OSError, asyncssh.Error)):
        await connect(served.port)
    conn.close()


async def test_consoles_still_start_when_the_zygote_dies(tmp_path: Path, live_db) -> None:
    served = await start_server(tmp_path, live_db)
    try:
        zygote = served.gateway.spawner.pid  # type: ignore[attr-defined]
        os.kill(zygote, signal.SIGKILL)
        await wait_until(lambda: process_gone(zygote) or _zombie(zygote), timeout=5)
        conn, _process, screen = await open_console(served.port)
        await screen.wait_for("sign in to your account")  # started by exec instead
        conn.close()
    finally:
        await served.gateway.close()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


async def test_login_timeout_drops_a_silent_client(tmp_path: Path, live_db) -> None:
    served = await start_server(tmp_path, live_db, Limits(login_timeout=1.0), prefork=False)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        started = time.monotonic()
        while await asyncio.wait_for(reader.read(4096), 10):  # the server's banner, then EOF when it gives up
            pass
        assert time.monotonic() - started < 8
        writer.close()
        await wait_until(lambda: served.gateway.gate.open_total == 0, timeout=5)
    finally:
        await served.gateway.close()
    assert any("ended=authentication failed or timed out" in line for line in served.lines)


async def test_x11_forwarding_is_refused(tmp_path: Path, live_db) -> None:
    served = await start_server(tmp_path, live_db)
    try:
        async with await connect(served.port) as conn:
            with pytest.raises(asyncssh.ChannelOpenError, match="X11 forwarding request failed"):
                await conn.create_process(term_type="xterm", x11_forwarding=True, x11_display="127.0.0.1:0")
        assert served.gateway.session_pids() == []  # no console was started for it
    finally:
        await served.gateway.close()
