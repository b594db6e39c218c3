"""Idle timeout, admin revoke and disabled account sign the console out; activity keeps the session alive."""

from __future__ import annotations

from store import sessions, users

from .helpers import ADMIN, make_alice, make_app, message, screen_name, settle, sign_in, type_into


async def check(pilot) -> None:
    pilot.app.check_session()
    await settle(pilot)


async def test_idle_timeout_signs_out_and_ends_the_session(db, clock) -> None:
    make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        sid = app.me.sid
        clock.advance(14 * 60)
        await check(pilot)
        assert screen_name(app) == "ProfileScreen"
        await pilot.press("f3")  # activity resets the idle clock and touches the session
        await settle(pilot)
        await check(pilot)
        [view] = sessions.list_sessions(db, app.me.user_id)
        assert view.last_seen_at == db.now()
        clock.advance(14 * 60)
        await check(pilot)
        assert screen_name(app) == "PasswordScreen"
        clock.advance(60)
        await check(pilot)
        assert screen_name(app) == "SignInScreen" and app.me is None
        assert "15 minutes without activity" in message(app)
        assert [type(s).__name__ for s in app.screen_stack] == ["Screen", "SignInScreen"]
    assert not sessions.is_live(db, sid)


async def test_admin_revoke_is_noticed(db) -> None:
    make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await pilot.press("f4")
        await settle(pilot)
        sessions.revoke(db, ADMIN, app.me.sid, "suspicious")
        await check(pilot)
        assert screen_name(app) == "SignInScreen" and app.me is None
        assert "Your session was ended" in message(app)


async def test_disabled_account_is_noticed_even_mid_action(db) -> None:
    make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        users.disable_user(db, ADMIN, "alice", "left the company")
        await type_into(pilot, "#f-city", "Paris")
        await pilot.press("ctrl+s")  # the store refuses the save: the session is no longer live
        await settle(pilot)
        assert screen_name(app) == "SignInScreen" and app.me is None
        assert "Your session was ended" in message(app)
    assert users.get_user(db, "alice").city == "London"


async def test_interval_checks_run_by_themselves(db) -> None:
    make_alice(db)
    app = make_app(db)
    app.poll_seconds = 0.05
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        sessions.revoke(db, ADMIN, app.me.sid, "test")
        for _ in range(100):
            await pilot.pause(0.05)
            if app.me is None:
                break
        await settle(pilot)
        assert screen_name(app) == "SignInScreen"
