"""The 'confirm it's you' (step-up) hint: its two lines are two lines, never a literal '\\x0a'."""

from __future__ import annotations

from .helpers import make_app, make_bob, screen_name, screen_text, settle, sign_in, totp_at


async def test_step_up_hint_has_no_escaped_newline(db, clock) -> None:
    make_bob(db)  # TOTP and a verified email: the hint offers ctrl+n on a second line
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "bob", totp_at(db))
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert screen_name(app) == "StepUpScreen"
        text = screen_text(app.screen)
        assert "No phone at hand? ctrl+n sends a code to" in text
        assert "\\x0a" not in text and "x0a" not in text
