"""Issue 8, sign-in and security items: each test here failed before its fix.

1 parallel sign-ins cannot outrun the lockout; 2 reset codes obey it; 5 a lock's expiry resets the
count and failures are throttled; 7 malformed codes are counted failures; 8 one password length
rule after NFKC; 12 and 3 stored strings are limited and cleaned; 13 an admin MFA reset ends
sessions and admin-set passwords are temporary by default.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pathlib
import random

import pyotp
import pytest
from sqlmodel import select

from store import (
    AuthFailed,
    Database,
    NotFound,
    SecondFactorRequired,
    ValidationError,
    audit,
    auth,
    codes,
    delivery_queue,
    history,
    mfa,
    sessions,
    users,
)
from store import selfservice as ss
from store.history import AuditFilter
from store.lockout import THROTTLE_MAX_SECONDS, throttle_seconds
from store.models import AuditEntry, LoginEvent, User

from ..conftest import PASSWORD
from ..selfservice.helpers import latest_code

WRONG = "not the right passphrase at all"
ARABIC_DIGITS = "\u0661\u0662\u0663\u0664\u0665\u0666"  # '١٢٣٤٥٦': str.isdigit() is True for them


@pytest.fixture
def alice(db, actor):
    return users.create_user(
        db, actor, {"username": "alice", "email": "alice@example.com", "email_verified": True}, password=PASSWORD
    )


def failure(fn, *args, **kwargs) -> AuthFailed:
    with pytest.raises(AuthFailed) as info:
        fn(*args, **kwargs)
    assert str(info.value) == AuthFailed.MESSAGE
    return info.value


def reasons(db: Database, user_id: int) -> list[str | None]:
    """Login history reasons, oldest first."""
    with db.read() as s:
        return list(s.exec(select(LoginEvent.reason).where(LoginEvent.user_id == user_id).order_by(LoginEvent.id)))


def lock(db, clock, ref="alice") -> None:
    for _ in range(db.policy.lockout_threshold):
        failure(auth.authenticate, db, ref, WRONG)
        clock.advance(THROTTLE_MAX_SECONDS)
    assert users.is_locked(users.get_user(db, ref), db.now())


def enrol(db, actor, clock, ref="alice") -> str:
    e = mfa.enroll(db, actor, ref)
    mfa.confirm(db, actor, ref, pyotp.TOTP(e.secret).at(clock.now))
    clock.advance(30)
    return e.secret


# ---------------------------------------------------------------- 1: parallel sign-ins


def _parallel_attempts(path: str, key: str, config, barrier) -> None:
    """One process: a wrong password, then the right one (as an attacker's many SSH sessions would)."""
    db = Database(path, config=config, key_path=pathlib.Path(key))
    barrier.wait()
    for password in (WRONG, PASSWORD):
        with contextlib.suppress(AuthFailed, SecondFactorRequired):
            auth.authenticate(db, "alice", password)
    db.close()


def test_parallel_sign_ins_check_at_most_threshold_guesses(db, db_target, actor, alice, clock, config, tmp_path):
    enrol(db, actor, clock)  # the right password is then "confirmed" by a "second factor required" row
    processes = 12
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(processes)
    workers = [
        ctx.Process(target=_parallel_attempts, args=(db_target, str(tmp_path / "test.key"), config, barrier))
        for _ in range(processes)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(300)
    assert [w.exitcode for w in workers] == [0] * processes
    with db.read() as s:
        rows = list(s.exec(select(LoginEvent).where(LoginEvent.user_id == alice.id).order_by(LoginEvent.id)))
    assert len(rows) == 2 * processes  # every attempt is logged
    checked = [r for r in rows if r.reason and r.reason.startswith("wrong password")]
    assert 1 <= len(checked) <= db.policy.lockout_threshold, [r.reason for r in rows]
    locked_at = next((r.id for r in rows if r.reason and "account locked for" in r.reason), None)
    if locked_at is not None:  # once the lock is recorded, the right password is never confirmed
        assert not [r for r in rows if r.id > locked_at and r.reason == "second factor required"]
        assert failure(auth.authenticate, db, "alice", PASSWORD).reason == "account locked"


def test_in_flight_attempts_fill_the_threshold_then_lock(db, alice, clock):
    """Attempts being checked elsewhere count: once they reach the threshold, the next one locks."""
    with db.write() as s:  # five other processes are checking a password right now
        s.get(User, alice.id).failed_attempts = db.policy.lockout_threshold
    assert failure(auth.authenticate, db, "alice", PASSWORD).reason == "account locked"
    assert users.is_locked(users.get_user(db, "alice"), db.now())


def test_a_right_password_is_not_confirmed_if_locked_during_the_check(db, alice, clock, monkeypatch):
    real_verify = auth.passwords.verify_password

    def verify_while_another_process_locks(stored, password):
        with db.write() as s:
            s.get(User, alice.id).locked_until = db.now() + 600
        return real_verify(stored, password)

    monkeypatch.setattr(auth.passwords, "verify_password", verify_while_another_process_locks)
    assert failure(auth.check_password, db, "alice", PASSWORD).reason == "account locked"
    assert users.get_user(db, "alice").failed_attempts == 0  # the reservation was given back


# ---------------------------------------------------------------- 2: reset codes


def test_locked_account_gets_no_reset_code_and_cannot_redeem_one(db, alice, clock):
    attempt = ss.attempt_from_environment()
    request = ss.request_reset(db, "alice", attempt)
    delivery_queue.drain(timeout=30)  # reset codes go out off the request path
    sent = list(db.config.delivery.outbox().iterdir())
    code = sent[0].read_text().split("Your Userdesk code is ")[1][:6]
    clock.advance(61)
    lock(db, clock)
    ss.request_reset(db, "alice", attempt)
    delivery_queue.drain(timeout=30)  # reset codes go out off the request path
    assert len(list(db.config.delivery.outbox().iterdir())) == 1  # no new code while locked
    assert failure(ss.verify_reset, db, request, code, attempt).reason == "account locked"
    assert reasons(db, alice.id)[-1] == "account locked"


def test_reset_code_failures_count_and_lock(db, alice, clock):
    attempt = ss.attempt_from_environment()
    request = ss.request_reset(db, "alice", attempt)
    delivery_queue.drain(timeout=30)  # reset codes go out off the request path
    for _ in range(db.policy.lockout_threshold):
        failure(ss.verify_reset, db, request, "000000", attempt)
        clock.advance(THROTTLE_MAX_SECONDS)
    assert users.is_locked(users.get_user(db, "alice"), db.now())


def test_a_grant_cannot_reset_the_password_of_an_account_locked_since(db, alice, clock):
    grant = ss.ResetGrant(user_id=alice.id, expires_at=db.now() + 600)
    lock(db, clock)
    with pytest.raises(ValidationError, match="expired"):
        ss.reset_password(db, grant, "a brand new long passphrase")
    assert users.get_user(db, "alice").password_hash == alice.password_hash


# ---------------------------------------------------------------- 5: lock expiry and throttle


def test_one_failure_after_a_lock_expires_does_not_lock_again(db, alice, clock):
    lock(db, clock)
    clock.advance(db.policy.lockout_minutes * 60 + 1)
    assert failure(auth.authenticate, db, "alice", WRONG).reason == "wrong password"
    user = users.get_user(db, "alice")
    assert not users.is_locked(user, db.now()) and user.failed_attempts == 1


def test_throttle_schedule():
    assert [throttle_seconds(n) for n in range(8)] == [0, 0, 2, 4, 8, 16, 30, 30]
    assert throttle_seconds(10_000) == THROTTLE_MAX_SECONDS


def test_failures_are_throttled_progressively_without_verifying(db, alice, clock, monkeypatch):
    failure(auth.authenticate, db, "alice", WRONG)  # one failure (a typo): no wait
    failure(auth.authenticate, db, "alice", WRONG)
    verified = []
    real_verify = auth.passwords.verify_password
    monkeypatch.setattr(auth.passwords, "verify_password", lambda h, p: verified.append(h) or real_verify(h, p))
    # within 2 s of the second failure even the right password is refused, not checked, not counted
    assert failure(auth.authenticate, db, "alice", PASSWORD).reason == "throttled"
    assert verified == [None]  # only the dummy hash: the same cost, nothing confirmed
    assert users.get_user(db, "alice").failed_attempts == 2
    clock.advance(2)
    failure(auth.authenticate, db, "alice", WRONG)
    clock.advance(3)
    assert failure(auth.authenticate, db, "alice", PASSWORD).reason == "throttled"  # 4 s after the 3rd
    clock.advance(1)
    assert auth.authenticate(db, "alice", PASSWORD).session.token
    assert users.get_user(db, "alice").failed_attempts == 0
    assert reasons(db, alice.id) == ["wrong password"] * 2 + ["throttled", "wrong password", "throttled", None]


# ---------------------------------------------------------------- 7: malformed codes


@pytest.mark.parametrize("code", [ARABIC_DIGITS, "１２３４５６", "12345\udcff", "x" * 100_000])
def test_malformed_totp_is_a_counted_logged_failure(db, actor, alice, clock, code):
    enrol(db, actor, clock)
    assert failure(auth.authenticate, db, "alice", PASSWORD, totp=code).reason == "malformed TOTP code"
    assert reasons(db, alice.id)[-1] == "malformed TOTP code"
    assert users.get_user(db, "alice").failed_attempts == 1


@pytest.mark.parametrize("code", [ARABIC_DIGITS * 4, "aaaa-bbbb-cccc-dddd-eeee-ffff\udcff", "é" * 24])
def test_malformed_recovery_code_is_a_counted_logged_failure(db, actor, alice, clock, code):
    enrol(db, actor, clock)
    failure(auth.authenticate, db, "alice", PASSWORD, recovery_code=code)
    assert reasons(db, alice.id)[-1] == "malformed recovery code"
    assert users.get_user(db, "alice").failed_attempts == 1


def test_malformed_step_up_totp_is_refused_not_a_type_error(db, actor, alice, clock):
    enrol(db, actor, clock)
    with pytest.raises(AuthFailed):
        mfa.verify_fresh(db, "alice", ARABIC_DIGITS)


@pytest.mark.parametrize("code", [ARABIC_DIGITS, "12345\udcff"])
def test_malformed_one_time_code_is_a_counted_logged_failure(db, alice, clock, code):
    codes.issue(db, alice.id, "signin", "alice@example.com")
    with pytest.raises(AuthFailed) as info:
        codes.verify(db, alice.id, "signin", code)
    assert info.value.reason == "malformed code"
    attempt = ss.attempt_from_environment()
    request = ss.request_reset(db, "alice", attempt)
    delivery_queue.drain(timeout=30)  # reset codes go out off the request path
    failure(ss.verify_reset, db, request, code, attempt)
    assert reasons(db, alice.id)[-1] == "password reset: malformed code"
    assert users.get_user(db, "alice").failed_attempts == 1


# ---------------------------------------------------------------- 8: password length after NFKC


def test_a_long_password_does_not_accept_any_suffix(db, actor):
    rng = random.Random(8)
    long_password = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(1024))
    users.create_user(db, actor, {"username": "max"}, password=long_password)
    assert auth.authenticate(db, "max", long_password).session.token
    assert failure(auth.authenticate, db, "max", long_password + "anything").reason == "password too long"


def test_a_password_that_shrinks_under_nfkc_signs_in(db, actor, clock):
    """1,200 code points typed (letter + combining acute), 600 after NFKC: accepted, so it must sign in."""
    rng = random.Random(8)
    typed = "".join(rng.choice("aeiouyAEIOUYcnszCNSZ") + "\u0301" for _ in range(600))
    assert len(typed) == 1200
    users.create_user(db, actor, {"username": "ana"}, password=typed)
    assert auth.authenticate(db, "ana", typed).session.token


def test_the_length_rule_applies_after_nfkc_when_setting(db, actor):
    with pytest.raises(ValidationError, match="too long"):
        users.create_user(db, actor, {"username": "ana"}, password="\ufdfa" * 100)  # 100 typed, 1,800 after NFKC


def test_unencodable_passwords_are_refused_and_fail_cleanly(db, actor, alice):
    with pytest.raises(ValidationError, match="not valid text"):
        users.create_user(db, actor, {"username": "sur"}, password="a long passphrase \udcff here")
    assert failure(auth.authenticate, db, "alice", "a long passphrase \udcff here").reason == "password too long"


# ---------------------------------------------------------------- 12 and 3: stored strings


def test_a_huge_audit_reason_is_refused_and_nothing_changes(db, actor, alice):
    with pytest.raises(ValidationError, match=r"^reason is too long \(max 1000\)$"):
        users.disable_user(db, actor, "alice", reason="x" * 50_000_000)
    assert users.get_user(db, "alice").status == "active"
    with db.read() as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "user.disable")).first() is None


def test_audit_strings_are_cleaned(db, alice):
    hostile = audit.Actor("root\x1b]52;c;aGk=\x07", "\x1b]52;c;aGk=\x07")
    users.disable_user(db, hostile, "alice", reason="left\r\nthe company\x1b[2J\x9b")
    with db.read() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "user.disable")).one()
    assert (entry.actor, entry.actor_address, entry.reason) == ("root]52;c;aGk=", None, "left\nthe company[2J")


def test_attempt_validates_ip_and_user_agent():
    assert auth.Attempt(ip=" 2001:DB8::1 ").ip == "2001:db8::1"
    with pytest.raises(ValidationError, match="not an IP address"):
        auth.Attempt(ip="\x1b]52;c;aGk=\x07")
    with pytest.raises(ValidationError, match=r"user agent is too long \(max 512\)"):
        auth.Attempt(user_agent="x" * 513)
    assert auth.Attempt(user_agent="curl\x1b[31m/8").user_agent == "curl[31m/8"


def test_self_service_address_from_environment(monkeypatch):
    monkeypatch.setenv("SSH_CLIENT", "\x1b]52;c;aGk=\x07 5555 22")
    assert ss.attempt_from_environment().ip is None
    monkeypatch.setenv("SSH_CLIENT", "203.0.113.5 5555 22")
    assert ss.attempt_from_environment().ip == "203.0.113.5"


def test_login_history_strings_are_cut_and_cleaned(db, alice):
    failure(auth.authenticate, db, "\x1b]52;c;aGk=\x07" + "a" * 100_000, WRONG)
    with db.read() as s:
        row = s.exec(select(LoginEvent).order_by(LoginEvent.id.desc())).first()
    assert len(row.identifier) <= 255 and "\x1b" not in row.identifier and "\x07" not in row.identifier


def test_cli_ip_goes_through_the_same_validator(tmp_path):
    from tests.cli.helpers import Cli

    run = Cli(tmp_path / "cli.db")
    run.ok("init")
    result = run.refused("login", "kim", "--password-stdin", "--ip", "\x1b]52;c;aGk=\x07", input="x\n")
    assert result.stderr.startswith("error: not an IP address")


# ---------------------------------------------------------------- 13: MFA reset and admin-set passwords


def test_admin_mfa_reset_ends_sessions(db, actor, alice, clock):
    secret = enrol(db, actor, clock)
    signed = auth.authenticate(db, "alice", PASSWORD, totp=pyotp.TOTP(secret).at(clock.now))
    mfa.reset(db, actor, "alice", reason="lost phone")
    assert sessions.validate(db, signed.session.token) is None
    with db.read() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "mfa.reset")).one()
    assert '"sessions_ended": [null, 1]' in entry.changes


def test_admin_set_password_is_must_change_by_default(db, actor, alice):
    assert users.set_password(db, actor, "alice", "another long passphrase").must_change_password is True
    assert (
        users.set_password(db, actor, "alice", "a third long passphrase", must_change=False).must_change_password
        is False
    )


# ---------------------------------------------------------------- review: a first step outlived by a reset or by time

NEW_PASSWORD = "entirely different passphrase here"


def test_a_sign_in_started_with_the_old_password_fails_after_an_admin_reset(db, actor, alice, clock):
    checked = auth.check_password(db, "alice", PASSWORD)
    users.set_password(db, actor, "alice", NEW_PASSWORD, must_change=False, reason="compromised")
    failure(auth.complete, db, checked, "password")
    assert reasons(db, alice.id)[-1] == auth.PASSWORD_CHANGED
    assert sessions.list_sessions(db, alice.id) == []


def test_a_password_set_while_step_one_checks_it_is_refused(db, actor, alice, monkeypatch):
    """The hash is read, then verified outside the lock: a reset in between must not let the old password through."""
    real = auth.passwords.verify_password
    reset = []

    def verify_then_reset(hashed, candidate):
        ok = real(hashed, candidate)
        if not reset:
            reset.append(True)
            users.set_password(db, actor, "alice", NEW_PASSWORD, must_change=False, reason="compromised")
        return ok

    monkeypatch.setattr(auth.passwords, "verify_password", verify_then_reset)
    failure(auth.check_password, db, "alice", PASSWORD)
    assert reasons(db, alice.id)[-1] == auth.PASSWORD_CHANGED


def test_a_totp_step_two_after_a_reset_fails(db, actor, alice, clock):
    secret = enrol(db, actor, clock)
    checked = auth.check_password(db, "alice", PASSWORD)
    users.set_password(db, actor, "alice", NEW_PASSWORD, must_change=False, reason="compromised")
    failure(auth.complete, db, checked, "totp", auth.Attempt(), pyotp.TOTP(secret).at(clock.now))
    assert reasons(db, alice.id)[-1] == auth.PASSWORD_CHANGED
    assert sessions.list_sessions(db, alice.id) == []


def test_a_self_service_challenge_from_before_a_reset_is_refused(db, actor, alice, clock):
    secret = enrol(db, actor, clock)
    ss.ensure_app(db)
    attempt = auth.Attempt(app="self-service", ip="203.0.113.9")
    challenge = ss.start_sign_in(db, "alice", PASSWORD, attempt)
    clock.advance(60)
    users.set_password(db, actor, "alice", NEW_PASSWORD, must_change=False, reason="compromised")
    failure(ss.finish_sign_in, db, challenge, pyotp.TOTP(secret).at(clock.now), attempt)
    assert reasons(db, alice.id)[-1] == auth.PASSWORD_CHANGED
    assert sessions.list_sessions(db, alice.id) == []


def test_a_self_service_challenge_older_than_the_window_is_refused(db, actor, alice, clock):
    secret = enrol(db, actor, clock)
    ss.ensure_app(db)
    attempt = auth.Attempt(app="self-service")
    challenge = ss.start_sign_in(db, "alice", PASSWORD, attempt)
    clock.advance(auth.sign_in_window(db.policy) + 1)
    failure(ss.finish_sign_in, db, challenge, pyotp.TOTP(secret).at(clock.now), attempt)
    assert reasons(db, alice.id)[-1] == auth.CHALLENGE_EXPIRED
    assert sessions.list_sessions(db, alice.id) == []


def test_a_self_service_email_code_challenge_older_than_the_window_is_refused(db, actor, alice, clock):
    ss.ensure_app(db)
    attempt = auth.Attempt(app="self-service")
    challenge = ss.start_sign_in(db, "alice", PASSWORD, attempt)
    clock.advance(auth.sign_in_window(db.policy) - 30)
    ss.resend_code(db, challenge)  # a fresh code does not make the first step fresh again
    code = latest_code(db)
    clock.advance(31)
    failure(ss.finish_sign_in, db, challenge, code, attempt)
    assert reasons(db, alice.id)[-1] == auth.CHALLENGE_EXPIRED
    assert sessions.list_sessions(db, alice.id) == []


def test_a_second_step_within_the_window_still_signs_in(db, actor, alice, clock):
    secret = enrol(db, actor, clock)
    ss.ensure_app(db)
    attempt = auth.Attempt(app="self-service")
    challenge = ss.start_sign_in(db, "alice", PASSWORD, attempt)
    clock.advance(auth.sign_in_window(db.policy) - 1)
    me = ss.finish_sign_in(db, challenge, pyotp.TOTP(secret).at(clock.now), attempt)
    assert sessions.is_live(db, me.sid)
    checked = auth.check_password(db, "alice", PASSWORD)  # a rehash-free first step, then TOTP: still fine
    clock.advance(30)
    assert auth.complete(db, checked, "totp", auth.Attempt(), pyotp.TOTP(secret).at(clock.now)).session.token


def test_the_admin_sign_in_gate_refuses_a_password_reset_between_its_steps(db, actor, alice, clock, monkeypatch):
    from store import admins

    from .test_admins import SETUP

    secret = enrol(db, actor, clock)
    admins.grant(db, SETUP, "alice", "helpdesk")
    real = auth.check_password

    def check_then_reset(*args, **kwargs):
        checked = real(*args, **kwargs)
        users.set_password(db, actor, "alice", NEW_PASSWORD, must_change=False, reason="compromised")
        return checked

    monkeypatch.setattr(auth, "check_password", check_then_reset)
    failure(admins.sign_in, db, "alice", PASSWORD, pyotp.TOTP(secret).at(clock.now))
    assert reasons(db, alice.id)[-1] == auth.PASSWORD_CHANGED
    assert sessions.list_sessions(db, alice.id) == []


# ---------------------------------------------------------------- review: a NUL is no database error on any backend


@pytest.mark.parametrize("ref", ["alice\x00", "\x00", "ali\x1bce", "alice\ud800"])
def test_a_control_character_in_a_lookup_is_no_match_on_both_backends(db, actor, alice, ref):
    """PostgreSQL refuses a NUL in any text parameter (DataError); SQLite answered. Now both answer the same."""
    request = ss.request_reset(db, ref, auth.Attempt(app="self-service"))  # always returns normally
    expected = alice.id if auth.clean_identifier(ref) == "alice" else None  # cleaned as sign-in cleans it
    assert request.user_id == expected
    with db.read() as s:
        assert users.find_user(s, ref) is None
    with pytest.raises(NotFound):
        users.get_user(db, ref)
    for flt in (
        AuditFilter(actor=ref),
        AuditFilter(action=ref),
        AuditFilter(target=ref),
        AuditFilter(action=ref + "."),
    ):
        assert history.filtered_audit_log(db, flt) == []
    assert history.audit_log(db, target_uid=ref) == []
