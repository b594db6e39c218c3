"""CLI tests: a cheap argon2 profile (tests/cheap_argon2.py); the real binary in a subprocess keeps the real one."""

from __future__ import annotations

from tests.cheap_argon2 import _cheap_argon2  # noqa: F401  (an autouse fixture, registered by the import)
