"""Races between processes (as between hosts): each worker opens its own Database on the same target.

On SQLite, BEGIN IMMEDIATE serialises the writers; on PostgreSQL the store's row locks (store.db.lock_user)
and value locks (lock_value) must give the same outcomes. Each test starts the workers together (a barrier)
and checks what the database holds afterwards.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pathlib
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from sqlmodel import select

from store import Actor, Database, auth, codes, mfa, sessions, users
from store.errors import AuthFailed
from store.models import LoginEvent

from ..conftest import PASSWORD

WRONG = "not the right password at all"
ACTOR = Actor("racer", "127.0.0.1")
CTX = multiprocessing.get_context("fork")  # the workers need nothing pickled; each opens its own Database


def _worker(target: str, key: str, config, now: float, barrier, results, job: Callable[[Database, int], Any], i: int):
    """One process: open the database, wait for the others, run `job`, report its outcome as a string."""
    try:
        db = Database(target, config=config, key_path=pathlib.Path(key), clock=lambda: now)
    except Exception as exc:
        barrier.abort()
        results.put((i, f"open failed: {exc!r}"))
        return
    try:
        barrier.wait()
        outcome = job(db, i)
        results.put((i, f"ok:{outcome}"))
    except Exception as exc:  # the outcome under test (AuthFailed, Conflict...)
        results.put((i, type(exc).__name__))
    finally:
        db.close()


def race(db_target: str, tmp_path, config, now: float, job: Callable[[Database, int], Any], n: int) -> list[str]:
    barrier, results = CTX.Barrier(n), CTX.Queue()
    key = str(tmp_path / "test.key")
    procs = [
        CTX.Process(target=_worker, args=(db_target, key, config, now, barrier, results, job, i)) for i in range(n)
    ]
    for p in procs:
        p.start()
    outcomes = dict(results.get(timeout=300) for _ in procs)
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    return [outcomes[i] for i in range(n)]


@pytest.fixture
def alice(db, actor):
    return users.create_user(db, actor, {"username": "alice", "email": "alice@example.com"}, password=PASSWORD)


def _enrol(db, actor, clock) -> tuple[str, list[str]]:
    e = mfa.enroll(db, actor, "alice")
    recovery = mfa.confirm(db, actor, "alice", pyotp.TOTP(e.secret).at(clock.now))
    clock.advance(30)
    return e.secret, recovery


def _wrong_passwords(db: Database, _i: int) -> int:
    refused = 0
    for _ in range(3):
        with contextlib.suppress(AuthFailed):
            auth.authenticate(db, "alice", WRONG)
        refused += 1
    return refused


def test_parallel_wrong_passwords_never_check_more_than_the_threshold(db, db_target, alice, config, clock, tmp_path):
    outcomes = race(db_target, tmp_path, config, clock.now, _wrong_passwords, 6)
    assert outcomes == ["ok:3"] * 6
    with db.read() as s:
        reasons = list(s.exec(select(LoginEvent.reason).where(LoginEvent.user_id == alice.id)))
    assert len(reasons) == 18  # every attempt is in the history
    checked = [r for r in reasons if r and r.startswith("wrong password")]
    assert 1 <= len(checked) <= db.policy.lockout_threshold, reasons
    # every checked guess was counted once (how many get checked before the throttle refuses the rest depends on
    # timing: the lock itself is tested without a race in test_hardening_signin.py)
    assert users.get_user(db, "alice").failed_attempts == len(checked), reasons


def test_the_same_recovery_code_at_once_lets_one_in(db, db_target, alice, actor, config, clock, tmp_path):
    _secret, recovery = _enrol(db, actor, clock)

    def use(db: Database, _i: int) -> str:
        return auth.authenticate(db, "alice", PASSWORD, recovery_code=recovery[0]).method

    outcomes = race(db_target, tmp_path, config, clock.now, use, 4)
    assert sorted(outcomes) == ["AuthFailed"] * 3 + ["ok:recovery_code"], outcomes
    assert mfa.recovery_codes_left(db, alice.id) == len(recovery) - 1


def test_the_same_totp_code_at_once_lets_one_in(db, db_target, alice, actor, config, clock, tmp_path):
    secret, _ = _enrol(db, actor, clock)
    code = pyotp.TOTP(secret).at(clock.now)

    def use(db: Database, _i: int) -> str:
        return auth.authenticate(db, "alice", PASSWORD, totp=code).method

    outcomes = race(db_target, tmp_path, config, clock.now, use, 4)
    assert sorted(outcomes) == ["AuthFailed"] * 3 + ["ok:totp"], outcomes


def test_the_same_one_time_code_at_once_is_used_once(db, db_target, alice, config, clock, tmp_path):
    codes.issue(db, alice.id, "signin", "alice@example.com")
    [note] = list(config.delivery.outbox().iterdir())
    code = note.read_text().split("Your Userdesk code is ")[1][:6]

    def verify(db: Database, _i: int) -> str:
        return codes.verify(db, alice.id, "signin", code)

    outcomes = race(db_target, tmp_path, config, clock.now, verify, 4)
    assert sorted(outcomes) == ["AuthFailed"] * 3 + ["ok:alice@example.com"], outcomes


def test_concurrent_edits_of_one_user_one_wins(db, db_target, alice, config, clock, tmp_path):
    version = users.get_user(db, "alice").version

    def edit(db: Database, i: int) -> str:
        return users.update_user(db, ACTOR, "alice", {"name": f"Name {i}"}, expected_version=version).name or ""

    outcomes = race(db_target, tmp_path, config, clock.now, edit, 4)
    winners = [o for o in outcomes if o.startswith("ok:")]
    assert len(winners) == 1 and sorted(outcomes).count("Conflict") == 3, outcomes
    after = users.get_user(db, "alice")
    assert after.version == version + 1 and f"ok:{after.name}" == winners[0]


def test_the_same_username_at_once_is_created_once(db, db_target, config, clock, tmp_path):
    def create(db: Database, _i: int) -> str:
        return users.create_user(db, ACTOR, {"username": "bob"}).username or ""

    outcomes = race(db_target, tmp_path, config, clock.now, create, 4)
    assert sorted(outcomes) == ["ValidationError"] * 3 + ["ok:bob"], outcomes


def test_the_last_two_owners_revoked_at_once_one_stays(db, db_target, actor, config, clock, tmp_path):
    from store import admins

    for name in ("own0", "own1"):
        users.create_user(db, actor, {"username": name})
        admins.grant(db, actor, name, "owner")

    def revoke(db: Database, i: int) -> str:
        return admins.revoke(db, ACTOR, f"own{i}")

    outcomes = race(db_target, tmp_path, config, clock.now, revoke, 2)
    assert sorted(outcomes) == ["PermissionDenied", "ok:owner"], outcomes
    with db.read() as s:
        roles = [admins.role_of_user(s, users.find_user(s, name).id) for name in ("own0", "own1")]
    assert roles.count("owner") == 1, roles


def test_another_host_sees_a_revoked_session_and_a_disabled_user(db, db_target, alice, actor, config, clock, tmp_path):
    """Liveness across hosts: the consoles' polls (sessions.is_live, admins.admin_is_current) read the database."""
    from store import admins

    other = Database(db_target, config=config, key_path=tmp_path / "test.key", clock=clock)
    try:
        first = auth.authenticate(db, "alice", PASSWORD).session
        second = auth.authenticate(db, "alice", PASSWORD).session
        assert sessions.is_live(other, first.sid) and sessions.is_live(other, second.sid)
        sessions.revoke(db, actor, first.sid)
        assert not sessions.is_live(other, first.sid) and sessions.is_live(other, second.sid)
        admins.grant(db, actor, "alice", "helpdesk")
        assert admins.admin_is_current(other, alice.id, "helpdesk")
        users.disable_user(db, actor, "alice")
        assert not sessions.is_live(other, second.sid)
        assert not admins.admin_is_current(other, alice.id, "helpdesk")
    finally:
        other.close()
