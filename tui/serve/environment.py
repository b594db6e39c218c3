"""What a console process is started with: its command line (a descriptor number only) and its environment."""

from __future__ import annotations

import os
import sys

SAFE_TERM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+")
DROPPED_ENV_PREFIXES = ("SSH_", "COLUMNS", "LINES", "TEXTUAL_DRIVER")


def child_command(handoff_fd: int) -> list[str]:
    return [sys.executable, "-m", "tui.serve.child", "--handoff-fd", str(handoff_fd)]


def child_env(term: str | None) -> dict[str, str]:
    """The operator's environment (config, key file), minus SSH and size variables, plus the client's TERM.

    COLUMNS/LINES must never be set: Textual would prefer them to the PTY's size and ignore every resize.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED_ENV_PREFIXES)}
    env["TERM"] = safe_term(term)
    env.setdefault("TEXTUAL_ANIMATIONS", "none")  # every repaint crosses the network
    return env


def safe_term(term: str | None) -> str:
    """The client's TERM if it looks like a terminal name (it selects a terminfo entry), else a safe default."""
    if term and len(term) <= 64 and set(term) <= SAFE_TERM_CHARS:
        return term
    return "xterm-256color"
