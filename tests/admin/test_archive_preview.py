"""Issue 13 item 5: archiving one user (Security tab) says in its confirmation what else it removes, as GenAuth's
"resign" does, and then removes it."""

from __future__ import annotations

from store import access, users
from tui.widgets.confirm import ConfirmDialog

from .detail_seed import ALICE_UID, confirm_with, make_app, open_detail, settle


async def test_archive_confirmation_names_the_memberships_and_rules_it_removes(db, actor, seeded):
    access.create_group(db, actor, "archive-test")
    access.add_member(db, actor, "archive-test", ALICE_UID)
    access.create_app(db, actor, "archive-app")
    access.set_rule(db, actor, "archive-app", "allow", user_ref=ALICE_UID)
    groups = access.user_groups(db, users.get_user(db, ALICE_UID).id)
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        detail = str(app.screen.query_one("#confirm-detail").render())
        n = len(groups)
        assert (
            f"removes {n} group membership{'s' if n != 1 else ''} and 2 app rules" in detail
        )  # the seed's wiki rule and this one
        await confirm_with(pilot, "left the company")
        alice = users.get_user(db, ALICE_UID)
        assert alice.status == "archived" and access.user_groups(db, alice.id) == []
        assert access.app_rules(db, "archive-app") == []
