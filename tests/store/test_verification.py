"""store.verification: the 'last way in' decision (pure, checked against the real sign-in) and the admin fixes."""

from __future__ import annotations

import pytest

from store import Actor, codes, delivery_queue, history, permissions, selfservice, users, verification
from store.auth import Attempt
from store.errors import AuthFailed, PermissionDenied, ValidationError
from store.verification import SignInState, second_steps, way_in_loss
from tests.conftest import PASSWORD
from tests.store.test_sessions_data import outbox_code


def as_role(role: str) -> Actor:
    return Actor("acting", kind="admin", role=role, key="local")


@pytest.fixture
def carol(db, actor):
    users.create_user(
        db,
        actor,
        {"username": "carol", "email": "carol@example.com", "email_verified": True, "phone": "+14155550100"},
        password=PASSWORD,
    )
    return users.get_user(db, "carol")


def signs_in(db, ref: str) -> bool:
    """Does the real self-service sign-in get past the password to a second step?"""
    try:
        selfservice.start_sign_in(db, ref, PASSWORD, Attempt(app=selfservice.SELF_SERVICE_APP))
    except AuthFailed:
        return False
    return True


def test_second_steps_follow_sign_in_order(carol):
    state = SignInState.of(carol)
    assert second_steps(state) == ("email",)
    assert second_steps(state.changed({"mfa_state": "active"})) == ("totp", "email")
    assert second_steps(state.changed({"phone_verified": True})) == ("email", "phone")


@pytest.mark.parametrize(
    ("changes", "lost"),
    [
        ({"email": "new@example.com"}, True),  # a new email is unverified (as users.update_user does)
        ({"email": "new@example.com", "email_verified": True}, False),
        ({"email_verified": False}, True),
        ({"email": ""}, True),
        ({"name": "Carol"}, False),
        ({"email": "carol@example.com"}, False),  # the same address: nothing changes
    ],
)
def test_way_in_loss_matches_real_sign_in(db, actor, carol, changes, lost):
    loss = way_in_loss(carol, changes)
    assert (loss is not None) is lost
    users.update_user(db, actor, "carol", changes, allowed=(*users.PROFILE_FIELDS, "email_verified"))
    assert signs_in(db, "carol") is not lost  # the pure decision says what sign-in really does


def test_mfa_reset_loses_the_only_second_step(db, actor):
    users.create_user(db, actor, {"username": "tom"}, password=PASSWORD)
    user = users.get_user(db, "tom")
    user.mfa_state = "active"  # as if enrolled: only the decision is under test here
    loss = way_in_loss(user, {"mfa_state": "none"})
    assert loss is not None and loss.lost == ("totp",)
    assert loss.fixes == ()  # no address to verify: the text says to add one
    assert "cannot finish signing in" in loss.text()
    assert "password alone" not in loss.text()
    assert "add an email or phone" in loss.text()


def test_loss_text_offers_the_fixes_that_apply(carol):
    loss = way_in_loss(carol, {"email": "new@example.com"})
    assert loss is not None
    assert loss.fixes == ("mark_email", "code_email", "mark_phone", "code_phone")
    text = loss.text()
    assert "second step: a TOTP code, or a code sent to a verified email or phone" in text
    assert "mark the email verified (with a reason)" in text
    assert "send a verification code to the email" in text


def test_no_way_in_names_the_missing_piece(db, actor, carol):
    assert verification.no_way_in(carol) is None
    users.create_user(db, actor, {"username": "nopw", "email": "n@example.com", "email_verified": True})
    assert "no password" in (verification.no_way_in(users.get_user(db, "nopw")) or "")
    users.update_user(db, actor, "carol", {"email": ""})
    text = verification.no_way_in(users.get_user(db, "carol")) or ""
    assert "no second step" in text and "mark the phone verified" in text


def test_mark_verified_needs_a_reason_and_is_audited(db, actor, carol):
    with pytest.raises(ValidationError, match="reason is required"):
        verification.mark_verified(db, actor, "carol", "phone", "  ")
    assert users.get_user(db, "carol").phone_verified is False
    user = verification.mark_verified(db, actor, "carol", "phone", "called them back")
    assert user.phone_verified is True
    entry = history.audit_log(db, target_uid=carol.uid, limit=1)[0]
    assert (entry.action, entry.reason) == ("user.mark_verified", "called them back")
    changes = history.changes_of(entry)
    assert changes["phone_verified"] == [False, True]
    assert changes["verified_by"] == [None, "admin"]
    with pytest.raises(ValidationError, match="already verified"):
        verification.mark_verified(db, actor, "carol", "phone", "again")


def test_mark_verified_refusals(db, actor, carol):
    users.create_user(db, actor, {"username": "nophone"})
    with pytest.raises(ValidationError, match="no phone to verify"):
        verification.mark_verified(db, actor, "nophone", "phone", "r")
    with pytest.raises(ValidationError, match="Unknown address kind"):
        verification.mark_verified(db, actor, "carol", "fax", "r")
    with pytest.raises(PermissionDenied, match=r"^helpdesk may not mark addresses verified$"):
        verification.mark_verified(db, as_role("helpdesk"), "carol", "phone", "r")
    assert users.get_user(db, "carol").phone_verified is False


def test_send_code_then_confirm_verifies_the_address(db, actor, carol, config, clock):
    sent = verification.send_code(db, as_role("helpdesk"), "carol", "phone")
    assert sent.destination == "+14155550100"
    assert delivery_queue.drain(10)
    code = outbox_code(config)
    with pytest.raises(ValidationError, match="wait"):  # rate-limited at once, not in the background
        verification.send_code(db, actor, "carol", "phone")
    with pytest.raises(ValidationError, match="not accepted"):
        verification.confirm_code(db, actor, "carol", "phone", "000000" if code != "000000" else "111111")
    user = verification.confirm_code(db, as_role("helpdesk"), "carol", "phone", code)
    assert user.phone_verified is True
    actions = [e.action for e in history.audit_log(db, target_uid=carol.uid, limit=3)]
    assert actions[:2] == ["user.verified_by_code", "user.verification_code_sent"]
    assert signs_in(db, "carol")


def test_code_for_an_old_address_does_not_verify_the_new_one(db, actor, carol, config, clock):
    verification.send_code(db, actor, "carol", "phone")
    assert delivery_queue.drain(10)
    code = outbox_code(config)
    users.update_user(db, actor, "carol", {"phone": "+14155550199"})
    with pytest.raises(ValidationError, match="another phone"):
        verification.confirm_code(db, actor, "carol", "phone", code)
    assert users.get_user(db, "carol").phone_verified is False


def test_auditor_may_do_neither(db, carol):
    for call in (
        lambda a: verification.send_code(db, a, "carol", "phone"),
        lambda a: verification.confirm_code(db, a, "carol", "phone", "123456"),
        lambda a: verification.mark_verified(db, a, "carol", "phone", "r"),
    ):
        with pytest.raises(PermissionDenied):
            call(as_role(permissions.AUDITOR))


def test_code_purpose_is_known():
    assert verification.CODE_PURPOSE in codes.PURPOSES


# ---------------------------------------------------------------- create a user with everything (store.onboarding)


def test_create_user_with_verified_email_groups_and_custom_data(db, actor):
    from store import access, custom, onboarding

    access.create_group(db, actor, "sales")
    custom.define_field(db, actor, "badge", "string", unique=True)
    custom.define_field(db, actor, "level", "number")
    user = onboarding.create_user_with(
        db,
        actor,
        {"username": "dan", "email": "dan@example.com", "email_verified": True},
        password=PASSWORD,
        reason="HR onboarding ticket 9",
        groups=["sales"],
        custom_values={
            "badge": "B-1",
            "level": "3",
        },
    )
    assert user.email_verified is True
    assert access.user_groups(db, user.id) == ["sales"]
    assert {v.field.key: v.value for v in custom.user_values(db, user.id)} == {"badge": "B-1", "level": "3"}
    assert signs_in(db, "dan")
    actions = {e.action for e in history.audit_log(db, target_uid=user.uid, limit=10)}
    assert {"user.create", "group.add_member", "data.set"} <= actions


def test_create_user_with_refuses_before_writing_anything(db, actor):
    from store import access, custom, onboarding

    access.create_group(db, actor, "sales")
    custom.define_field(db, actor, "badge", "string", unique=True)
    custom.define_field(db, actor, "level", "number")
    users.create_user(db, actor, {"username": "holder"})
    custom.set_value(db, actor, "holder", "badge", "B-1")
    before = users.count_users(db)
    cases = [
        ({"username": "x", "email": "x@example.com", "email_verified": True}, {}, "reason is required"),
        ({"username": "x", "email_verified": True}, {"reason": "r"}, "add the email"),
        ({"username": "x"}, {"groups": ["nope"]}, "nope"),
        ({"username": "x"}, {"custom_values": {"level": "abc"}}, "not a number"),
        ({"username": "x"}, {"custom_values": {"badge": "B-1"}}, "already used"),
    ]
    for fields, extra, message in cases:
        with pytest.raises(Exception, match=message):
            onboarding.create_user_with(db, actor, fields, **extra)
    assert users.count_users(db) == before
    with pytest.raises(PermissionDenied, match="helpdesk may not create users"):
        onboarding.create_user_with(db, as_role("helpdesk"), {"username": "x"}, groups=["sales"])
    assert users.count_users(db) == before
