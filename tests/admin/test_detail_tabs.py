"""Account detail: sessions, login history, apps, identities, audit and JSON tabs."""

from __future__ import annotations

import time

import pytest

from store import access, history, identities, sessions, users
from store.auth import Attempt, authenticate
from store.errors import AuthFailed
from tui.admin.detail import UserDetailScreen

from .detail_seed import (
    ALICE_UID,
    HISTORY_ROWS,
    HOSTILE_NAME,
    HOSTILE_UID,
    SIDS,
    confirm_with,
    make_app,
    open_detail,
    plain,
    replace_text,
    screen_text,
    settle,
    type_text,
)


def alice_id(db) -> int:
    return users.get_user(db, ALICE_UID).id


async def test_revoke_one_session_then_all(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "sessions")
        table = screen.query_one("#sessions-table")
        assert table.row_count == 3
        assert app.focused is table
        await pilot.press("down")  # second row: SIDS[1] (newest first: 3, 2, 1)
        assert table.selected_key() == SIDS[1]
        await pilot.press("x")
        await confirm_with(pilot, "stolen laptop")
        live = {v.sid for v in sessions.list_sessions(db, alice_id(db))}
        assert live == {SIDS[0], SIDS[2]}
        entry = history.audit_log(db, target_uid=ALICE_UID, limit=1)[0]
        assert (entry.action, entry.reason) == ("session.revoke", "stolen laptop")
        assert table.row_count == 2
        await pilot.press("o")
        await confirm_with(pilot, "force sign-out")
        assert sessions.list_sessions(db, alice_id(db)) == []
        assert table.row_count == 0
        assert "No live sessions" in screen_text(screen)
        assert screen.check_action("tab_action", ("revoke",)) is None


async def test_history_pages_and_filters(db, actor, seeded, clock):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "history")
        tab = screen.tab("history")
        table = screen.query_one("#history-table")
        assert table.row_count == 50 and tab.more
        stamps = [r.ts for r in tab.rows]
        assert stamps == sorted(stamps, reverse=True)  # newest first
        await pilot.press("n")
        await settle(pilot)
        assert table.row_count == 100
        await pilot.press("ctrl+end")  # to the last row: the next page loads by itself
        await settle(pilot)
        assert table.row_count == HISTORY_ROWS and not tab.more
        assert len({r.id for r in tab.rows}) == HISTORY_ROWS
        # Failed only: every row failed, with its reason visible.
        await pilot.press("f")
        select = screen.query_one("#history-result")
        assert app.focused is select
        select.value = "failed"
        await settle(pilot)
        expected = list(history.login_history(db, alice_id(db), history.HistoryFilter(success=False), limit=500))
        assert [r.id for r in tab.rows] == [r.id for r in expected][: len(tab.rows)]
        assert all(not r.success for r in tab.rows) and tab.rows
        assert all(r.reason for r in tab.rows)
        assert "wrong" in " ".join(str(table.get_row_at(i)[3]) for i in range(table.row_count))  # the reason column
        # A bad date is refused inline; the table keeps its rows.
        await replace_text(pilot, screen.query_one("#history-from"), "2026-13-01")
        await pilot.press("enter")
        await settle(pilot)
        assert "is not a date in the form YYYY-MM-DD" in plain(screen.query_one("#history-error").content)
        # One day (from = to) and an IP, on top of "failed".
        sample = expected[7]
        day = time.strftime("%Y-%m-%d", time.gmtime(sample.ts))
        await replace_text(pilot, screen.query_one("#history-from"), day)
        await replace_text(pilot, screen.query_one("#history-to"), day)
        await replace_text(pilot, screen.query_one("#history-ip"), sample.ip)
        await pilot.press("enter")
        await settle(pilot)
        want = [r.id for r in expected if r.ip == sample.ip and time.strftime("%Y-%m-%d", time.gmtime(r.ts)) == day]
        assert [r.id for r in tab.rows] == want and sample.id in want
        assert not plain(screen.query_one("#history-error").content)


async def test_history_refreshes_live_after_a_sign_in(db, actor, seeded, clock):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "history")
        tab = screen.tab("history")
        top = tab.rows[0].id
        clock.advance(60)
        with pytest.raises(AuthFailed):
            authenticate(db, "alice", "wrong password!", attempt=Attempt(app="crm", ip="192.0.2.55"))
        assert screen.live_timer._interval == UserDetailScreen.LIVE_SECONDS  # (stretched for the tests)
        screen._live_tick()  # what that timer does every few seconds
        await settle(pilot)
        assert tab.rows[0].id != top and tab.rows[0].ip == "192.0.2.55" and not tab.rows[0].success
        assert tab.rows[0].reason == "wrong password"
        assert screen.snapshot.user.failed_attempts == 1  # the record follows too (tabs are built when first shown)
        await pilot.press("2")
        await settle(pilot)
        assert "1 failed attempt(s)" in plain(screen.tab("security").query_one("#security-state").content)


async def test_apps_allow_deny_and_clear(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "apps")
        table = screen.query_one("#apps-table")
        decisions = {d.app: d for d in access.user_access(db, ALICE_UID)}
        assert decisions["crm"].allowed and decisions["wiki"].why == "user rule: deny"
        await pilot.press("down")  # billing, crm, wiki
        assert table.selected_key() == "crm"
        await pilot.press("d")
        await confirm_with(pilot, "not in sales any more")
        decision = {d.app: d for d in access.user_access(db, ALICE_UID)}["crm"]
        assert (decision.allowed, decision.why) == (False, "user rule: deny")
        assert "DENIED" in str(table.get_row_at(1)[1])
        await pilot.press("a")
        await confirm_with(pilot, "back in")
        assert {d.app: d for d in access.user_access(db, ALICE_UID)}["crm"].why == "user rule: allow"
        await pilot.press("x")
        await confirm_with(pilot, "use the default")
        decision = {d.app: d for d in access.user_access(db, ALICE_UID)}["crm"]
        assert (decision.allowed, decision.why) == (True, "default: allow")
        entry = history.audit_log(db, target_uid=ALICE_UID, limit=1)[0]
        assert (entry.action, entry.reason) == ("app.rule.remove", "use the default")


async def test_link_and_unlink_identity(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "identities")
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        await type_text(pilot, "github")
        await pilot.press("enter")
        await type_text(pilot, "4242")  # already linked to alice: refused inline
        await pilot.press("enter")
        await type_text(pilot, "sso")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert "already linked to this user" in plain(dialog.query_one(".dialog-error").content)
        dialog.query_one("#provider").value = "google"
        dialog.query_one("#subject").value = "g-77"
        dialog.submit()
        await settle(pilot)
        assert app.screen is screen
        linked = {(i.provider, i.subject) for i in identities.list_identities(db, alice_id(db))}
        assert linked == {("github", "4242"), ("google", "g-77")}
        assert history.audit_log(db, target_uid=ALICE_UID, limit=1)[0].reason == "sso"
        table = screen.query_one("#identities-table")
        assert table.row_count == 2
        table.focus()
        table.move_cursor(row=0)  # github (ordered by provider)
        await pilot.press("x")
        await confirm_with(pilot, "left github org")
        assert {i.provider for i in identities.list_identities(db, alice_id(db))} == {"google"}
        entry = history.audit_log(db, target_uid=ALICE_UID, limit=1)[0]
        assert (entry.action, entry.reason) == ("identity.unlink", "left github org")


async def test_audit_tab_shows_before_and_after(db, actor, seeded):
    users.update_user(db, users.Actor("hr-admin"), ALICE_UID, {"company": "Contoso"}, reason="moved company")
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "audit")
        table = screen.query_one("#audit-table")
        first = [str(c) for c in table.get_row_at(0)]
        assert first[1:5] == ["user.update", "company", "Northwind Traders", "Contoso"]
        detail = plain(screen.query_one("#audit-detail").content)
        assert "by hr-admin" in detail and "reason: moved company" in detail
        assert "company: Northwind Traders → Contoso" in detail
        # Every entry of this user is listed, none of anyone else's.
        expected = history.audit_log(db, target_uid=ALICE_UID, limit=500)
        assert len(screen.tab("audit").entries) == len(expected)


async def test_json_has_no_secrets_and_user_text_is_literal(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "json")
        text = plain(screen.query_one("#json-view").content)
        for secret in ("password_hash", "totp_secret", "totp_last_step", "$argon2", "token_hash", "code_hash"):
            assert secret not in text
        assert '"username": "alice"' in text and '"department": "sales"' in text and '"github"' in text
        assert '"password_set": true' in text
        await pilot.press("escape")
        await settle(pilot)
        hostile = await open_detail(pilot, HOSTILE_UID)
        header = plain(hostile.query_one("#detail-header").content)
        assert header.startswith(HOSTILE_NAME)  # markup shown as typed
        assert "\\x1b[31mevil\\x1b[0m [b]bold[/b]" in header  # ESC shown, not sent to the terminal
        assert "\x1b" not in screen_text(hostile)
        assert hostile.query_one("#field-username").value == HOSTILE_NAME
        assert hostile.query_one("#field-name").value == "\\x1b[31mevil\\x1b[0m [b]bold[/b]"
        assert "\x1b" not in app.export_screenshot()  # nothing on screen carries a raw escape
