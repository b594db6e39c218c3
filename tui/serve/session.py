"""One console process per SSH session, on its own pseudo-terminal; its lifecycle from start to a clean end.

Textual cannot host several apps in one process (its driver owns stdin/stdout and SIGWINCH), so each session runs
its own console process (forked from the zygote, or `python -m tui.serve.child`; see spawn.py) on the slave side
of a fresh PTY, in a new session (the PTY is its controlling terminal, so the kernel sends it SIGWINCH). The server pumps bytes between the SSH channel and the PTY master
itself, rather than asyncssh's redirect, so it sees every keystroke (idle timeout) and every window change, which
it applies with TIOCSWINSZ. COLUMNS/LINES are never set: Textual would then ignore resizes.

Ending, for whatever reason: SIGTERM to the console's process group (the console exits cleanly: signs out, restores
the terminal), SIGKILL to the group after a short grace, reap, then a terminal reset and a one-line reason to the
client. Nothing is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import signal
import struct
import termios
import time
from collections.abc import Callable

import asyncssh

from .handoff import Handoff, write_pipe
from .limits import Limits
from .spawn import Console, ExecSpawner, Spawner

GRACE_SECONDS = 1.5  # SIGTERM to SIGKILL
MAX_PENDING_INPUT = 1 << 20  # bytes typed or pasted that the console has not read yet; beyond, input is dropped
OUTPUT_HIGH_WATER = 1 << 20  # bytes the client has not taken yet; beyond, the console's output waits (no memory DoS)
# Leave the alternate screen, stop mouse reporting and bracketed paste, show the cursor, reset colours: what a
# killed console could not undo itself.
TERMINAL_RESET = b"\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?2004l\x1b[?25h\x1b[0m"


def spoken(seconds: float) -> str:
    """12 hours, 30 minutes, 5 seconds."""
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size or unit == "second":
            value = round(seconds / size, 1)
            return f"{value:g} {unit}{'' if value == 1 else 's'}"
    raise AssertionError  # pragma: no cover


def set_size(fd: int, width: int, height: int, pixwidth: int = 0, pixheight: int = 0) -> None:
    """Set the PTY's window size; the kernel then sends SIGWINCH to the console."""
    width, height = max(1, min(width, 1000)), max(1, min(height, 1000))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, pixwidth, pixheight))


class ConsoleSession:
    """Runs one console for one SSH session process. `run()` returns how it ended; `close()` ends it early."""

    def __init__(
        self,
        process: asyncssh.SSHServerProcess,
        handoff: Handoff,
        limits: Limits,
        *,
        spawner: Spawner | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.process = process
        self.spawner = spawner or ExecSpawner()
        self.handoff = handoff
        self.limits = limits
        self.clock = clock
        self.pid: int | None = None
        self.started = clock()
        self.last_input = self.started
        self._master = -1
        self._console: Console | None = None
        self._status: int | None = None
        self._resume: asyncio.Future | None = None
        self._pending = bytearray()
        self._writer_armed = False
        self._ended: asyncio.Future[tuple[str, str | None]] = asyncio.get_running_loop().create_future()
        self._output_done = asyncio.Event()

    # ------------------------------------------------------------------ public

    def close(self, reason: str, message: str | None = None) -> None:
        """End the session (idempotent): `reason` goes to the log, `message` to the client's terminal."""
        if not self._ended.done():
            self._ended.set_result((reason, message))

    async def run(self) -> str:
        try:
            await self._start()
        except OSError as exc:
            self._say(f"the console could not start ({exc.strerror or exc}); try again later")
            self.process.exit(1)
            return "console failed to start"
        tasks = [
            asyncio.create_task(self._pump_input()),
            asyncio.create_task(self._watch_child()),
            asyncio.create_task(self._watch_time()),
        ]
        for task in tasks:
            task.add_done_callback(self._task_ended)
        try:
            reason, message = await self._ended
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            killed = await self._stop_child()
            self._close_master()
        self._finish(message, killed)
        return reason

    def _task_ended(self, task: asyncio.Task) -> None:
        """A pump or watcher that fails ends the session (rather than leaving it half-alive)."""
        if not task.cancelled() and task.exception() is not None:
            self.close(f"internal error: {task.exception()!r}", "an internal error ended this session")

    # ------------------------------------------------------------------ start

    async def _start(self) -> None:
        width, height, pixwidth, pixheight = self.process.get_terminal_size()
        master, slave = pty.openpty()
        self._master = master
        handoff_fd = -1
        try:
            set_size(master, width or 80, height or 24, pixwidth, pixheight)
            handoff_fd = write_pipe(self.handoff)
            self._console = await self.spawner.spawn(slave, handoff_fd, self.process.get_terminal_type())
            self.pid = self._console.pid
        finally:
            os.close(slave)
            if handoff_fd >= 0:
                os.close(handoff_fd)
        os.set_blocking(master, False)
        asyncio.get_running_loop().add_reader(master, self._on_output)

    # ------------------------------------------------------------------ pumping

    def _on_output(self) -> None:
        try:
            data = os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: every slave descriptor is closed (the console exited)
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self._master)
            self._output_done.set()
            return
        try:
            self.process.stdout.write(data)
        except (BrokenPipeError, ConnectionError, asyncssh.Error):
            self.close("client closed")
            return
        if self.process.channel.get_write_buffer_size() > OUTPUT_HIGH_WATER:
            asyncio.get_running_loop().remove_reader(self._master)
            self._resume = asyncio.ensure_future(self._resume_output())

    async def _resume_output(self) -> None:
        """Read the console's output again once the client has taken what was sent."""
        with contextlib.suppress(Exception):
            await self.process.stdout.drain()
        if self._master >= 0 and not self._output_done.is_set():
            asyncio.get_running_loop().add_reader(self._master, self._on_output)

    async def _pump_input(self) -> None:
        while True:
            try:
                data = await self.process.stdin.read(4096)
            except asyncssh.TerminalSizeChanged as change:
                set_size(self._master, change.width, change.height, change.pixwidth, change.pixheight)
                continue
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            except (asyncssh.Error, ConnectionError):
                data = b""
            if not data:
                self.close("client closed")
                return
            self.last_input = self.clock()
            if len(self._pending) < MAX_PENDING_INPUT:
                self._pending += data
                self._flush_input()

    def _flush_input(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            try:
                written = os.write(self._master, self._pending)
            except BlockingIOError:
                if not self._writer_armed:
                    loop.add_writer(self._master, self._flush_input)
                    self._writer_armed = True
                return
            except OSError:
                self._pending.clear()
                break
            del self._pending[:written]
        if self._writer_armed:
            loop.remove_writer(self._master)
            self._writer_armed = False

    # ------------------------------------------------------------------ watching

    async def _watch_child(self) -> None:
        assert self._console is not None
        self._status = await self._console.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._output_done.wait(), 1.0)  # the last frame and any exit message
        self.close("console exited")

    async def _watch_time(self) -> None:
        limits = self.limits
        while True:
            now = self.clock()
            idle_left = self.last_input + limits.idle_timeout - now
            total_left = self.started + limits.max_session - now
            if total_left <= 0:
                self.close("maximum session length", f"closed: sessions last at most {spoken(limits.max_session)}")
                return
            if idle_left <= 0:
                self.close("idle timeout", f"closed after {spoken(limits.idle_timeout)} without a keystroke")
                return
            await asyncio.sleep(min(idle_left, total_left, 60.0) + 0.05)

    # ------------------------------------------------------------------ ending

    async def _stop_child(self) -> bool:
        """Stop the console's whole process group; True when it had to be signalled (it was still running)."""
        console = self._console
        if console is None:
            return False
        killed = console.running()
        if killed:
            self._signal_group(signal.SIGTERM)
            try:
                await asyncio.wait_for(console.wait(), GRACE_SECONDS)
            except TimeoutError:
                self._signal_group(signal.SIGKILL)
                await console.wait()
        self._signal_group(signal.SIGKILL)  # anything the console started in its group
        return killed

    def _signal_group(self, sig: int) -> None:
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)

    def _close_master(self) -> None:
        if self._resume is not None:
            self._resume.cancel()
        if self._master < 0:
            return
        loop = asyncio.get_running_loop()
        loop.remove_reader(self._master)
        if self._writer_armed:
            loop.remove_writer(self._master)
            self._writer_armed = False
        os.close(self._master)
        self._master = -1

    def _finish(self, message: str | None, killed: bool) -> None:
        channel = self.process.channel
        if channel.is_closing():
            return
        if killed:
            self._write(TERMINAL_RESET)
        if message:
            self._say(message)
        status = 1 if killed else (self._status or 0)
        self.process.exit(status if status >= 0 else 1)

    def _say(self, message: str) -> None:
        self._write(f"\r\nuserdesk: {message}\r\n".encode())

    def _write(self, data: bytes) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionError, asyncssh.Error):
            self.process.stdout.write(data)
