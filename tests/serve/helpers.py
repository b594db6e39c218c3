"""Drive `userdesk serve` from tests: an in-process server on a fresh port, and asyncssh clients that read the screen."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from store import Database
from tests.e2e.tmux import target_of
from tui.serve import hostkey
from tui.serve.limits import Limits
from tui.serve.server import Gateway

ANSI = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78cDEHMNOPZ\\]|\][^\x07\x1b]*(\x07|\x1b\\))")
TIMEOUT = 20.0


@dataclass
class Served:
    gateway: Gateway
    port: int
    db: Database
    lines: list[str] = field(default_factory=list)

    def log_for(self, predicate: Callable[[str], bool]) -> list[str]:
        return [line for line in self.lines if predicate(line)]


async def start_server(tmp_path: Path, db: Database, limits: Limits | None = None, **kwargs) -> Served:
    key, _ = hostkey.load_or_create(tmp_path / "host_key")
    lines: list[str] = []
    gateway = Gateway(db, target_of(db), key, limits or Limits(), log=lines.append, **kwargs)
    port = await gateway.start("127.0.0.1", 0)
    return Served(gateway, port, db, lines)


class KbdIntClient(asyncssh.SSHClient):
    """Answers keyboard-interactive like OpenSSH does when there is nothing to ask: no answers."""

    def kbdint_auth_requested(self) -> str:
        return ""

    def kbdint_challenge_received(self, name: str, instructions: str, lang: str, prompts) -> list[str]:
        return ["" for _ in prompts]


async def connect(port: int, username: str = "self", **kwargs) -> asyncssh.SSHClientConnection:
    options = {
        "known_hosts": None,
        "client_keys": None,
        "agent_path": None,
        "client_factory": KbdIntClient,
        "kbdint_auth": True,
        **kwargs,
    }
    return await asyncssh.connect("127.0.0.1", port, username=username, **options)


def text_of(data: bytes) -> str:
    return ANSI.sub(b"", data).decode(errors="replace")


class Screen:
    """Everything a console sent, with escape sequences stripped for matching."""

    def __init__(self, process: asyncssh.SSHClientProcess) -> None:
        self.process = process
        self.raw = b""

    async def wait_for(self, *texts: str, timeout: float = TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        start = len(self.raw)
        while True:
            seen = text_of(self.raw[start:])
            if all(t in seen for t in texts):
                return seen
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {texts!r}; the console sent:\n{_letters(seen)[-3000:]}")
            try:
                chunk = await asyncio.wait_for(self.process.stdout.read(65536), left)
            except TimeoutError:
                continue
            if not chunk:
                raise AssertionError(f"the console closed while waiting for {texts!r}; it sent:\n{seen[-2000:]}")
            self.raw += chunk

    async def wait_for_raw(self, pattern: bytes, timeout: float = TIMEOUT) -> None:
        """Until the raw bytes sent from now on match the regular expression `pattern`."""
        deadline = time.monotonic() + timeout
        start = len(self.raw)
        while not re.search(pattern, self.raw[start:]):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {pattern!r}")
            try:
                chunk = await asyncio.wait_for(self.process.stdout.read(65536), left)
            except TimeoutError:
                continue
            if not chunk:
                raise AssertionError(f"the console closed while waiting for {pattern!r}")
            self.raw += chunk

    async def rest(self, timeout: float = TIMEOUT) -> str:
        """Read to EOF (the connection closing); returns the text sent meanwhile."""
        start = len(self.raw)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = await asyncio.wait_for(self.process.stdout.read(65536), deadline - time.monotonic())
            if not chunk:
                return text_of(self.raw[start:])
            self.raw += chunk
        raise AssertionError("the console did not close")

    def type(self, text: str) -> None:
        self.process.stdin.write(text.encode())


async def open_console(port: int, username: str = "self", size: tuple[int, int] = (80, 24), **kwargs):
    conn = await connect(port, username, **kwargs)
    process = await conn.create_process(term_type="xterm-256color", term_size=size, encoding=None)
    return conn, process, Screen(process)


def process_gone(pid: int) -> bool:
    """No process with this pid, and none left in its process group."""
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        pass
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid:  # pgrp
            return False
    return True


async def wait_until(predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def _letters(text: str) -> str:
    """Only the lines with words in them (borders and blank rows make failures unreadable)."""
    return "\n".join(line for line in text.splitlines() if re.search(r"[A-Za-z]{2}", line))
