"""Real read-only and tiny filesystems for fault tests: a read-only bind mount and a small tmpfs.

Mounting needs root (CAP_SYS_ADMIN); without it the tests that need a mount are skipped, and the
same faults are also covered by tests that fake the failing system call.
"""

from __future__ import annotations

import contextlib
import pathlib
import subprocess
from collections.abc import Iterator

import pytest


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")


def _umount(target: pathlib.Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=30)


@contextlib.contextmanager
def read_only_view(source: pathlib.Path, target: pathlib.Path) -> Iterator[pathlib.Path]:
    """`source` (a directory) seen read-only at `target` (EROFS for everyone, root included)."""
    target.mkdir(parents=True, exist_ok=True)
    _mount("--bind", str(source), str(target))
    try:
        done = subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(target)], capture_output=True, text=True, timeout=30
        )
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only here: {done.stderr.strip()}")
        yield target
    finally:
        _umount(target)


@contextlib.contextmanager
def tiny_filesystem(target: pathlib.Path, size: str) -> Iterator[pathlib.Path]:
    """A tmpfs of `size` (e.g. '600k') at `target`, to fill up."""
    target.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(target))
    try:
        yield target
    finally:
        _umount(target)


def fill(folder: pathlib.Path) -> None:
    """Write until the filesystem holding `folder` is full."""
    with (folder / "filler").open("wb", buffering=0) as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * 4096)
