"""The lockout and throttle rules, applied to a user row inside the caller's write transaction.

Every guess that is checked against a secret (password, TOTP, recovery code, one-time code) is
decided in two BEGIN IMMEDIATE writes, so the rules hold across any number of processes:

1. `admit` (before the check): a lock that has expired is cleared and the count reset to 0; then
   the attempt is refused, without checking anything, when
   - the account is locked ("account locked"), or
   - `failed_attempts` already reaches `lockout_threshold` (failures plus attempts still being
     checked elsewhere): the account is locked now and the attempt refused ("account locked"), or
   - the throttle applies ("throttled"): n = failed_attempts >= 2 and
     now < last_failed_at + min(2 ** (n - 1), THROTTLE_MAX_SECONDS) seconds,
     i.e. no wait after one failure (a typo), then 2, 4, 8, 16, 30, 30... s after the n-th
     consecutive failure (NIST 800-63B 3.2.2: waits that grow as the account nears its limit).
     It matters most when lockout_threshold is set high (up to 100): 100 guesses then take
     about 50 minutes instead of seconds.
   Refusals are recorded in login history and not counted. An admitted attempt RESERVES one
   failure: `failed_attempts += 1` before the secret is checked.
2. `settle_failure` / `release` (after the check): a wrong guess keeps its reservation as a counted
   failure, stamps `last_failed_at` and locks the account for `lockout_minutes` once the count
   reaches the threshold; a right one gives its reservation back. A completed sign-in `reset`s
   the count, the lock and the throttle.

So at most `lockout_threshold` guesses are ever checked between two completed sign-ins, whatever
the concurrency. In-flight attempts count as failures until they settle (a burst is locked out a
little early, never late), and a process killed mid-check leaves its reservation as a failure.
Refusals and the lock give the same constant message as a wrong password (AuthFailed).
"""

from __future__ import annotations

from .config import Policy
from .models import User

THROTTLE_MAX_SECONDS = 30
LOCKED = "account locked"
THROTTLED = "throttled"


def throttle_seconds(failures: int) -> int:
    """The wait after the n-th consecutive failure: none after the first, then min(2 ** (n - 1), 30) seconds."""
    return 0 if failures < 2 else min(2 ** min(failures - 1, 16), THROTTLE_MAX_SECONDS)


def is_locked(user: User, now: int) -> bool:
    return bool(user.locked_until and user.locked_until > now)


def expire(user: User, now: int) -> None:
    """A lock that has run out is over: the count starts again from 0 (one failure does not re-lock)."""
    if user.locked_until is not None and user.locked_until <= now:
        user.locked_until, user.failed_attempts, user.last_failed_at = None, 0, None


def refusal(user: User, now: int, policy: Policy) -> str | None:
    """Why an attempt may not be checked now (see the module docstring), or None. May lock the account."""
    expire(user, now)
    if is_locked(user, now):
        return LOCKED
    if user.failed_attempts >= policy.lockout_threshold:
        lock(user, now, policy)
        return LOCKED
    if user.last_failed_at is not None and now < user.last_failed_at + throttle_seconds(user.failed_attempts):
        return THROTTLED
    return None


def admit(user: User, now: int, policy: Policy) -> str | None:
    """Refusal reason, or None after reserving one failure for the attempt about to be checked."""
    why = refusal(user, now, policy)
    if why is None:
        user.failed_attempts += 1
    return why


def lock(user: User, now: int, policy: Policy) -> str:
    user.locked_until = now + policy.lockout_minutes * 60
    return f"; account locked for {policy.lockout_minutes} min"


def settle_failure(user: User, now: int, policy: Policy, *, reserved: bool) -> str:
    """Count a wrong guess (its reservation, if `reserved`); returns what to add to the history reason."""
    if not reserved:
        expire(user, now)
        if is_locked(user, now):  # checked while locked elsewhere: logged, not counted again
            return ""
        user.failed_attempts += 1
    user.last_failed_at = now
    if user.failed_attempts >= policy.lockout_threshold and not is_locked(user, now):
        return lock(user, now, policy)
    return ""


def release(user: User) -> None:
    """A right answer: give the reservation back (the count of real failures stays)."""
    user.failed_attempts = max(0, user.failed_attempts - 1)


def reset(user: User) -> None:
    """A completed sign-in: no failures, no lock, no throttle."""
    user.failed_attempts, user.locked_until, user.last_failed_at = 0, None, None
