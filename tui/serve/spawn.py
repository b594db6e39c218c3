"""Starting a console process on a PTY slave: by exec (`python -m tui.serve.child`) or by fork from the zygote.

Both give a `Console`: its pid (the leader of its own session and process group), whether it still runs, and a
way to wait for it. A forked console is the zygote's child, not ours: it is watched by pid (the zygote reaps it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
from typing import Protocol

from .environment import child_command, child_env, safe_term

READY_TIMEOUT = 60.0  # the zygote's imports, on a loaded machine
FORK_TIMEOUT = 10.0
POLL = 0.05


class Console(Protocol):
    pid: int

    def running(self) -> bool: ...

    async def wait(self) -> int | None: ...


class Spawner(Protocol):
    async def spawn(self, slave: int, handoff_fd: int, term: str | None) -> Console: ...

    def close(self) -> None: ...


class _ExecConsole:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pid = proc.pid

    def running(self) -> bool:
        return self.proc.returncode is None

    async def wait(self) -> int | None:
        return await self.proc.wait()


class ExecSpawner:
    """A fresh interpreter per session: slower to paint and no shared pages, but nothing shared either."""

    async def spawn(self, slave: int, handoff_fd: int, term: str | None) -> Console:
        proc = await asyncio.create_subprocess_exec(
            *child_command(handoff_fd),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            pass_fds=(handoff_fd,),
            start_new_session=True,  # its own session and process group, so the group can be killed
            env=child_env(term),
        )
        return _ExecConsole(proc)

    def close(self) -> None:
        pass


class _ForkedConsole:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._gone = False

    def running(self) -> bool:
        if not self._gone:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self._gone = True
            except PermissionError:
                pass
        return not self._gone

    async def wait(self) -> int | None:
        while self.running():
            await asyncio.sleep(POLL)
        return None


class ZygoteSpawner:
    """Forks consoles from a pre-imported parent (tui/serve/zygote.py); see there for the protocol."""

    def __init__(self) -> None:
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen | None = None
        self._lock = asyncio.Lock()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "tui.serve.zygote", "--socket-fd", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=child_env(None),
                start_new_session=True,  # a terminal's ctrl+c on the server does not reach it
            )
        finally:
            theirs.close()
        self._sock = ours
        ours.settimeout(READY_TIMEOUT)
        try:
            ready = await asyncio.to_thread(ours.recv, 16)
        except OSError:
            ready = b""
        if ready != b"ready":
            self.close()
            raise OSError("the console zygote did not start")
        ours.settimeout(FORK_TIMEOUT)

    async def spawn(self, slave: int, handoff_fd: int, term: str | None) -> Console:
        """Fork a console; should the zygote have died or hung, start consoles by exec from then on."""
        if self._sock is not None:
            try:
                async with self._lock:
                    reply = await asyncio.to_thread(self._request, slave, handoff_fd, safe_term(term))
                return _ForkedConsole(int(reply["pid"]))
            except (OSError, ValueError, KeyError) as exc:
                print(
                    f"userdesk serve: the console zygote failed ({exc!r}); starting consoles by exec", file=sys.stderr
                )
                self.close()
        return await ExecSpawner().spawn(slave, handoff_fd, term)

    def _request(self, slave: int, handoff_fd: int, term: str) -> dict:
        assert self._sock is not None
        socket.send_fds(self._sock, [json.dumps({"term": term}).encode()], [slave, handoff_fd])
        data = self._sock.recv(4096)
        if not data:
            raise OSError("the console zygote exited")
        return json.loads(data)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=2)
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
