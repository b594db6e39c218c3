"""Connection limits for `userdesk serve`: caps on open connections (total and per client address) and a per-address
rate of new connections.

Decision: one SSH connection hosts at most one console, so "sessions" are counted per connection, from the moment
the TCP connection is accepted (before authentication): a client cannot hold many half-open connections to dodge the
cap. Everything here is in memory, O(1) per connection, and does no cryptography, so refusing is cheap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Every limit of the server (CLI options set the first two; the rest have safe defaults)."""

    max_sessions: int = 64
    max_per_ip: int = 8
    rate_per_minute: int = 20  # new connections per client address per minute (token bucket, burst = this)
    login_timeout: float = 30.0  # seconds from TCP accept to finished SSH authentication
    idle_timeout: float = 30 * 60.0  # no keystroke from the client for this long closes the connection
    max_session: float = 12 * 3600.0  # hard cap on one connection's length (NIST AAL3 re-authentication)

    def __post_init__(self) -> None:
        for name in ("max_sessions", "max_per_ip", "rate_per_minute"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1")
        for name in ("login_timeout", "idle_timeout", "max_session"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name.replace('_', '-')} must be positive")


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class Gate:
    """Admits or refuses new connections; `release` when one closes. Not thread-safe: used from the event loop."""

    limits: Limits
    clock: Callable[[], float] = time.monotonic
    open_total: int = 0
    open_by_ip: dict[str, int] = field(default_factory=dict)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def admit(self, ip: str) -> str | None:
        """Count a new connection from `ip`; return None when admitted, else the message to show (not counted)."""
        if not self._take_token(ip):
            return f"too many new connections from {ip}: wait a minute and try again"
        if self.open_total >= self.limits.max_sessions:
            return "the server is at its session limit: try again later"
        if self.open_by_ip.get(ip, 0) >= self.limits.max_per_ip:
            return f"too many open sessions from {ip} (limit {self.limits.max_per_ip}): close one and try again"
        self.open_total += 1
        self.open_by_ip[ip] = self.open_by_ip.get(ip, 0) + 1
        return None

    def release(self, ip: str) -> None:
        self.open_total = max(0, self.open_total - 1)
        left = self.open_by_ip.get(ip, 0) - 1
        if left > 0:
            self.open_by_ip[ip] = left
        else:
            self.open_by_ip.pop(ip, None)

    def _take_token(self, ip: str) -> bool:
        """Token bucket per address: `rate_per_minute` tokens, refilled continuously. Stale full buckets are dropped."""
        now = self.clock()
        rate = self.limits.rate_per_minute
        bucket = self._buckets.get(ip)
        if bucket is None:
            bucket = self._buckets[ip] = _Bucket(float(rate), now)
        bucket.tokens = min(float(rate), bucket.tokens + (now - bucket.stamp) * rate / 60.0)
        bucket.stamp = now
        if len(self._buckets) > 10_000:  # bound memory under a scan from many addresses
            self._forget_full(now)
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    def _forget_full(self, now: float) -> None:
        rate = self.limits.rate_per_minute
        for ip in [ip for ip, b in self._buckets.items() if b.tokens + (now - b.stamp) * rate / 60.0 >= rate]:
            del self._buckets[ip]
