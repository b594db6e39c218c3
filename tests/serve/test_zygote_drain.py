"""A console forked by the zygote ends with os._exit (no atexit handlers), so it must drain the delivery queue itself:
a reset code asked for just before the user quits still goes out."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from store import delivery_queue
from tui.serve import child, zygote

pytestmark = pytest.mark.sqlite_only("process mechanics of the forked consoles")


def test_forked_console_drains_the_delivery_queue_before_exiting(tmp_path: Path) -> None:
    sent = tmp_path / "sent"

    def console_that_asks_for_a_code(_handoff_fd: int) -> int:
        def deliver() -> None:
            time.sleep(0.5)  # a slow channel (SMTP, a gateway command)
            sent.write_text("code")

        delivery_queue.submit(deliver)
        return 0  # the user quits at once

    master, slave = os.openpty()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the zygote's child, as zygote.serve makes it
        try:
            child.run = console_that_asks_for_a_code  # type: ignore[assignment]
            zygote._become_console(slave, read_end, "xterm-256color", theirs)
        finally:
            os._exit(3)  # never reached: _become_console ends the process itself
    for fd in (slave, read_end, write_end):
        os.close(fd)
    theirs.close()
    _, status = os.waitpid(pid, 0)
    os.close(master)
    ours.close()
    assert os.waitstatus_to_exitcode(status) == 0
    assert sent.read_text() == "code"
