"""Refusals found in review: no guessing while locked, all-or-nothing profile saves."""

from __future__ import annotations

import pytest

from store import ValidationError, custom, mfa, users
from store import selfservice as ss
from store.errors import AuthFailed

from .helpers import ADMIN, make_alice, make_bob, signed_in, totp_at


def test_locked_account_cannot_guess_through_password_change(db) -> None:
    alice = make_alice(db)
    me = signed_in(db, alice)
    for _ in range(db.policy.lockout_threshold):
        with pytest.raises(ValidationError, match="current password is not correct"):
            ss.change_password(db, me, "wrong guess number x", "a brand new passphrase ok")
    assert users.is_locked(users.get_user(db, "alice"), db.now())
    with pytest.raises(ValidationError, match="locked"):
        ss.change_password(db, me, "correct horse battery staple", "a brand new passphrase ok")
    assert users.get_user(db, "alice").password_hash == alice.password_hash


def test_locked_account_cannot_guess_totp_step_up(db) -> None:
    bob, _ = make_bob(db)
    me = signed_in(db, bob)
    with db.write() as s:
        users.require_user(s, "bob").locked_until = db.now() + 600
    with pytest.raises(ValidationError, match="locked"):
        ss.step_up(db, me, totp_at(db, 30), totp=True)
    with pytest.raises(AuthFailed):
        mfa.verify_fresh(db, "bob", totp_at(db, 30))
    assert not me.is_fresh(db.now())


def test_totp_step_up_is_throttled_like_sign_in(db) -> None:
    """Quick wrong step-up codes are throttled (store/lockout.py): the right code is refused until the wait ends."""
    bob, _ = make_bob(db)
    me = signed_in(db, bob)
    db.clock.advance(60)
    for _ in range(2):
        with pytest.raises(ValidationError, match="not valid"):
            ss.step_up(db, me, "000000", totp=True)
    with pytest.raises(ValidationError, match="wait"):
        ss.step_up(db, me, totp_at(db), totp=True)
    assert not me.is_fresh(db.now())
    db.clock.advance(30)
    ss.step_up(db, me, totp_at(db), totp=True)
    assert me.is_fresh(db.now())


def test_profile_save_is_all_or_nothing(db) -> None:
    alice = make_alice(db)
    custom.define_field(db, ADMIN, "badge", "string", unique=True, user_editable=True)
    users.create_user(db, ADMIN, {"username": "zoe"})
    custom.set_value(db, ADMIN, "zoe", "badge", "B-1")
    me = signed_in(db, alice)
    with pytest.raises(ValidationError, match="this value cannot be used"):
        ss.save_profile(db, me, {"nickname": "Ally"}, {"badge": "B-1"}, users.get_user(db, "alice").version)
    assert users.get_user(db, "alice").nickname is None


def test_new_address_needs_fresh_verification_but_verifying_the_current_one_does_not(db) -> None:
    alice = make_alice(db, phone="+447700900123")
    me = signed_in(db, alice)
    with pytest.raises(ss.StepUpRequired):
        ss.start_contact_change(db, me, "email", "alice.new@example.org")
    assert ss.start_contact_change(db, me, "phone", "+447700900123").endswith("0123")  # the unverified one on file
    me.fresh_until = db.now() + 60
    assert ss.start_contact_change(db, me, "email", "alice.new@example.org").endswith("@example.org")
