"""Authenticator (TOTP): bind with a QR code drawn in the terminal, recovery codes shown once, unbind and new
recovery codes only after a fresh verification."""

from __future__ import annotations

import numpy as np
import pytest
import zxingcpp

from store import history, mfa, users
from store import selfservice as ss
from store.errors import ValidationError
from tui.widgets.qr import QR_STYLE, lines_to_matrix, qr_lines

from .helpers import (
    ADMIN,
    latest_code,
    make_alice,
    make_app,
    make_bob,
    message,
    screen_name,
    screen_text,
    settle,
    sign_in,
    signed_in,
    totp_at,
    type_into,
)


def drawn_lines(app, widget) -> list[str]:
    """The characters the screen shows where the widget is (as composited, so clipping would show)."""
    strips = app.screen._compositor.render_strips()
    region = widget.region
    return [strips[y].text[region.x : region.right] for y in range(region.y, region.bottom)]


def decode(lines: list[str]) -> str:
    """Rebuild the bitmap from half-block characters (dark = black) and let zxing read it."""
    matrix = np.array(lines_to_matrix(lines), dtype=bool)
    image = np.where(matrix, 0, 255).astype(np.uint8)
    image = np.pad(image, 4, constant_values=255)  # extra quiet zone
    image = np.kron(image, np.ones((6, 6), dtype=np.uint8))  # 6 px per module
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1, results
    return results[0].text


def test_qr_lines_decode_for_long_and_odd_data() -> None:
    for data in (
        "otpauth://totp/Userdesk:x?secret=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567&issuer=Userdesk",
        "otpauth://totp/Userdesk:" + "a" * 60 + "%40example.com?secret=ABCD&issuer=Userdesk",
    ):
        assert decode(qr_lines(data)) == data


async def _step_up_by_email(pilot, db) -> None:
    assert screen_name(pilot.app) == "StepUpScreen"
    await type_into(pilot, "#stepup-code", latest_code(db))
    await pilot.press("enter")
    await settle(pilot)


async def test_bind_totp_shows_a_scannable_qr_then_recovery_codes_once(db) -> None:
    alice = make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await type_into(pilot, "#stepup-code", "000000" if latest_code(db) != "000000" else "111111")
        await pilot.press("enter")
        await settle(pilot)
        assert "not valid" in message(app) and screen_name(app) == "StepUpScreen"
        await _step_up_by_email(pilot, db)
        assert screen_name(app) == "TotpSetupScreen"
        screen = app.screen
        enrolment = screen.enrolment
        qr = screen.query_one("#qr")
        lines = drawn_lines(app, qr)
        assert decode(lines) == enrolment.uri  # what is on screen scans back to the otpauth URI
        assert enrolment.uri.startswith("otpauth://totp/Userdesk:alice?secret=")
        assert qr.region.right <= 80 and qr.region.bottom <= 23  # fully visible at 80x24, above the footer
        strips = app.screen._compositor.render_strips()[qr.region.y : qr.region.bottom]
        styles = {str(seg.style) for strip in strips for seg in strip.crop(qr.region.x, qr.region.right)}
        assert styles == {QR_STYLE}  # black on white whatever the theme, quiet zone included
        text = screen_text(screen)
        assert enrolment.secret[:4] in text.replace(" ", "")
        await type_into(pilot, "#totp-code", "123456" if totp_at(db, secret=enrolment.secret) != "123456" else "654321")
        await pilot.press("enter")
        await settle(pilot)
        assert "does not match" in message(app)
        await type_into(pilot, "#totp-code", totp_at(db, secret=enrolment.secret))
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "RecoveryCodesScreen"
        shown = screen_text(app.screen)
        assert "shown only this once" in shown
        codes = [c for c in shown.split() if c.count("-") == 5]
        assert len(codes) == 10 and all(len(c) == 29 for c in codes)  # never cut off
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "MfaScreen"
        assert "Recovery codes left: 10 of 10" in screen_text(app.screen)
    assert users.get_user(db, "alice").mfa_state == "active"
    actions = [(e.action, e.actor) for e in history.audit_log(db, target_uid=alice.uid, limit=5)]
    assert ("mfa.confirm", "self:alice") in actions


async def test_unbind_needs_fresh_totp_and_refuses_a_replayed_code(db, clock) -> None:
    bob, _ = make_bob(db)
    app = make_app(db)
    sign_in_code = totp_at(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "bob", sign_in_code)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert screen_name(app) == "ConfirmDialog"
        await pilot.press("y")
        await settle(pilot)
        assert screen_name(app) == "StepUpScreen"
        assert "authenticator" in screen_text(app.screen)
        await type_into(pilot, "#stepup-code", sign_in_code)  # already used to sign in
        await pilot.press("enter")
        await settle(pilot)
        assert "each code works once" in message(app)
        clock.advance(30)
        await type_into(pilot, "#stepup-code", totp_at(db))
        await pilot.press("enter")
        await settle(pilot)
        assert screen_name(app) == "MfaScreen"
        assert "authenticator app was removed" in message(app)
    assert users.get_user(db, "bob").mfa_state == "none"
    failures = [r.reason for r in history.login_history(db, bob.id, limit=10) if not r.success]
    assert "step-up: wrong or replayed TOTP code" in failures


async def test_new_recovery_codes_after_step_up_by_email_code(db) -> None:
    _bob, old_codes = make_bob(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "bob", totp_at(db))
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert screen_name(app) == "StepUpScreen"
        await pilot.press("ctrl+n")  # no phone at hand: a code by email instead
        await settle(pilot)
        assert "b***@example.com" in screen_text(app.screen)
        await _step_up_by_email(pilot, db)
        assert screen_name(app) == "RecoveryCodesScreen"
        assert "old codes no longer work" in screen_text(app.screen)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("g")  # still fresh: no second verification within a few minutes
        await settle(pilot)
        assert screen_name(app) == "RecoveryCodesScreen"
    with db.write() as s:
        user = users.require_user(s, "bob")
        assert not mfa.use_recovery_code(db, s, user, old_codes[0], db.now())


def test_store_refuses_sensitive_changes_without_fresh_verification(db, clock) -> None:
    make_bob(db)
    me = signed_in(db, users.get_user(db, "bob"))
    for operation in (ss.remove_totp, ss.new_recovery_codes, ss.begin_totp):
        with pytest.raises(ss.StepUpRequired):
            operation(db, me)
    with pytest.raises(ss.StepUpRequired):
        ss.remove_contact(db, me, "email")
    clock.advance(30)  # the sign-in used the current step
    ss.step_up(db, me, totp_at(db), totp=True)
    ss.new_recovery_codes(db, me)
    clock.advance(ss.FRESH_SECONDS + 30)
    with pytest.raises(ss.StepUpRequired):
        ss.new_recovery_codes(db, me)


def test_unbind_refused_when_it_is_the_only_second_step(db, clock) -> None:
    make_bob(db)
    users.update_user(db, ADMIN, "bob", {"email_verified": False})
    me = signed_in(db, users.get_user(db, "bob"))
    clock.advance(30)
    ss.step_up(db, me, totp_at(db), totp=True)
    with pytest.raises(ValidationError, match="only second step"):
        ss.remove_totp(db, me)
    assert users.get_user(db, "bob").mfa_state == "active"
