"""Stored text from the environment or the network is drawn escaped (issue 8 item 3, UI side).

An SSH client address is written into the audit log; a terminal escape in it (OSC 52 writes the
admin's clipboard through tmux) must reach the screen as visible `\\x1b`, never as a raw ESC byte.

The store now strips control characters on the way in (store/limits.py), so the hostile row is planted
with raw SQL: the SCREEN must draw stored text literally whatever the row holds (rows written before that
rule, or by another version or tool).
"""

from __future__ import annotations

from sqlalchemy import text

from tui.admin.audit_log import AuditLogScreen

from .detail_seed import ALICE_UID, make_app, open_detail, plain, settle

OSC52 = "\x1b]52;c;cHduZWQ=\x07"


def record_hostile_entry(db) -> None:
    """One audit entry whose actor address, reason and label carry an OSC 52 sequence, written past the store."""
    with db.writer.begin() as raw:  # the engine, not the store's operations: on either backend
        raw.execute(
            text(
                "INSERT INTO audit (ts, actor, actor_address, actor_kind, action, target_type, target_uid,"
                " target_label, reason) VALUES (:ts, 'mallory', :address, 'system', 'user.update', 'user', :uid,"
                " :label, :reason)"
            ),
            {
                "ts": db.now(),
                "address": f"192.0.2.66{OSC52}",
                "uid": ALICE_UID,
                "label": f"alice{OSC52}",
                "reason": f"because{OSC52}",
            },
        )


def assert_escaped(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text
    assert "192.0.2.66\\x1b]52;c;cHduZWQ=\\x07" in text
    assert "because\\x1b]52;c;cHduZWQ=\\x07" in text


async def test_global_audit_log_shows_an_escape_in_the_actor_address_escaped(db, actor, seeded):
    record_hostile_entry(db)
    app = make_app(db, actor)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(AuditLogScreen())
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.entries[0].actor == "mallory"
        assert_escaped(plain(screen.query_one("#audit-changes").content))


async def test_account_audit_tab_shows_an_escape_in_the_actor_address_escaped(db, actor, seeded):
    record_hostile_entry(db)
    app = make_app(db, actor)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "audit")
        assert_escaped(plain(screen.query_one("#audit-detail").content))
