"""A pre-imported parent that forks console processes: `python -m tui.serve.zygote --socket-fd N`.

Why: each console started from scratch imports Textual, SQLAlchemy/SQLModel and the consoles again (about a second
and ~57 MB of private memory per session). The zygote imports them once, freezes the garbage collector's view of
those objects (gc.freeze, so collections do not dirty the shared pages) and forks one child per session: the child
shares the imported code and data with the zygote copy-on-write and starts painting at once.

Protocol, over a SOCK_SEQPACKET socketpair with the server: the zygote sends b"ready" once its imports are done;
each request is a JSON object {"term": ...} carrying two descriptors (SCM_RIGHTS): the PTY slave and the hand-off
pipe; the reply is {"pid": N}. The child makes the PTY its controlling terminal in a new session, so the server
kills its process group as for any console. The zygote reaps its children; it exits when the server's end closes.
It never opens the database: each child opens its own after the fork.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import gc
import json
import os
import signal
import socket
import sys
import termios
from types import FrameType

MAX_REQUEST = 4096


def preimport() -> None:
    """Everything a console needs before its first paint."""
    import textual.app  # noqa: F401

    from tui.serve import child  # noqa: F401


def _reap(_signum: int, _frame: FrameType | None) -> None:
    with contextlib.suppress(ChildProcessError):
        while True:
            pid, _status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return


def _become_console(slave: int, handoff_fd: int, term: str, sock: socket.socket) -> None:
    """In the forked child: the PTY as controlling terminal and fds 0-2, then the console. Never returns."""
    code = 1
    try:
        sock.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        os.environ["TERM"] = term
        from tui.serve.child import run

        code = run(handoff_fd)
    except BaseException:  # whatever happens, the child must never return into the zygote loop
        code = 1
    finally:
        _drain_deliveries()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _drain_deliveries() -> None:
    """os._exit skips atexit, where an exec'd console drains its delivery queue: do the same (bounded) wait here,
    so a code asked for just before the user quit still goes out. Nothing to wait for if the console never
    imported the queue (then nothing was submitted)."""
    queue = sys.modules.get("store.delivery_queue")
    if queue is not None:
        with contextlib.suppress(BaseException):
            queue.drain()


def serve(sock: socket.socket) -> None:
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when we stop (our socket closes)
    sock.send(b"ready")
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(sock, MAX_REQUEST, 2)
        except InterruptedError:
            continue
        if not data:
            return
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            sock.send(json.dumps({"error": "expected two descriptors"}).encode())
            continue
        slave, handoff_fd = fds
        term = str(json.loads(data).get("term") or "xterm-256color")
        pid = os.fork()
        if pid == 0:
            _become_console(slave, handoff_fd, term, sock)
        os.close(slave)
        os.close(handoff_fd)
        sock.send(json.dumps({"pid": pid}).encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.serve.zygote")
    parser.add_argument("--socket-fd", type=int, required=True)
    args = parser.parse_args(argv)
    sock = socket.socket(fileno=args.socket_fd)
    preimport()
    gc.freeze()
    with contextlib.suppress(BrokenPipeError, ConnectionError):
        serve(sock)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
