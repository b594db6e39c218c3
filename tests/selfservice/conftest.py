"""Self-service tests: a cheap argon2 profile (tests/cheap_argon2.py), so the suite stays fast."""

from __future__ import annotations

from tests.cheap_argon2 import _cheap_argon2  # noqa: F401  (an autouse fixture, registered by the import)
