"""Account detail, Profile tab: edit and save, inline validation, conflict with another admin's save."""

from __future__ import annotations

from store import Actor, history, users

from .detail_seed import ALICE_UID, make_app, open_detail, plain, replace_text, screen_text, settle


async def test_edit_and_save_persists_with_audit(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID)
        assert screen.check_action("tab_action", ("save",)) is None  # nothing to save yet: shown greyed out
        await replace_text(pilot, screen.query_one("#field-name"), "Alicia Martin")
        await replace_text(pilot, screen.query_one("#field-city"), "Leeds")
        screen.query_one("#field-gender").value = "U"
        screen.query_one("#field-phone_verified").value = True
        await pilot.pause()
        assert set(screen.tab("profile").changes()) == {"name", "city", "gender", "phone_verified"}
        assert screen.check_action("tab_action", ("save",)) is True
        await pilot.press("ctrl+s")
        await settle(pilot)
        user = users.get_user(db, ALICE_UID)
        assert (user.name, user.city, user.gender, user.phone_verified) == ("Alicia Martin", "Leeds", "U", True)
        entry = history.audit_log(db, target_uid=ALICE_UID, limit=1)[0]
        assert entry.action == "user.update" and entry.actor == actor.name
        changes = history.changes_of(entry)
        assert changes["name"] == ["Alice Martin", "Alicia Martin"]
        assert changes["city"] == ["London", "Leeds"]
        assert changes["phone_verified"] == [False, True]
        assert "email" not in changes  # only what was edited
        assert screen.tab("profile").changes() == {}
        assert str(screen.query_one("#field-phone_verified").label) == "yes"
        assert "Alicia Martin" in plain(screen.query_one("#detail-header").content)


async def test_invalid_values_refused_inline_and_nothing_changes(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID)
        before = users.get_user(db, ALICE_UID)
        # Checked before any database work, with the store's own message.
        await replace_text(pilot, screen.query_one("#field-email"), "not-an-email")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = screen.query_one("#error-email")
        assert error.display
        assert plain(error.content) == "Email 'not-an-email' is not a valid address (expected name@example.com)."
        assert app.focused is screen.query_one("#field-email")
        after = users.get_user(db, ALICE_UID)
        assert (after.email, after.version) == (before.email, before.version)
        # Refused by the store (uniqueness): shown under the field too.
        await replace_text(pilot, screen.query_one("#field-email"), "alice@example.com")
        await replace_text(pilot, screen.query_one("#field-username"), "bob")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not screen.query_one("#error-email").display
        assert "already used by another user" in plain(screen.query_one("#error-username").content)
        after = users.get_user(db, ALICE_UID)
        assert (after.username, after.version) == ("alice", before.version)


async def test_conflict_on_concurrent_edit_keeps_other_admins_value(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID)
        # Another admin saves while this form is open.
        users.update_user(db, Actor("other-admin"), ALICE_UID, {"name": "Alice Other"})
        await replace_text(pilot, screen.query_one("#field-name"), "Alice Mine")
        await pilot.press("ctrl+s")
        await settle(pilot)
        banner = plain(screen.query_one("#profile-banner").content)
        assert "changed by someone else" in banner
        assert "Name 'Alice Martin' → 'Alice Other'" in banner
        assert users.get_user(db, ALICE_UID).name == "Alice Other"
        # The edit is still in the form until the admin reloads.
        assert screen.query_one("#field-name").value == "Alice Mine"
        await pilot.press("escape")  # out of the field (does not leave the screen)
        assert app.screen is screen
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.query_one("#field-name").value == "Alice Other"
        assert not screen.query_one("#profile-banner").display
        assert screen.tab("profile").changes() == {}


async def test_status_changes_meanwhile_do_not_block_a_profile_save(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID)
        await replace_text(pilot, screen.query_one("#field-nickname"), "Al")
        # Disabled meanwhile (version bumped, no profile field changed), seen by a refresh: the edit still saves.
        users.disable_user(db, Actor("other-admin"), ALICE_UID, "audit")
        await pilot.press("escape", "r")
        await settle(pilot)
        assert not screen.query_one("#profile-banner").display
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert users.get_user(db, ALICE_UID).nickname == "Al"
        # Enabled meanwhile without a refresh: refused once, explained, and the edits are kept for a second try.
        await replace_text(pilot, screen.query_one("#field-nickname"), "Ally")
        users.enable_user(db, Actor("other-admin"), ALICE_UID, "audit done")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not its profile fields" in plain(screen.query_one("#profile-banner").content)
        assert users.get_user(db, ALICE_UID).nickname == "Al"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert users.get_user(db, ALICE_UID).nickname == "Ally"


async def test_escape_with_unsaved_edits_needs_a_second_escape(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID)
        text = screen_text(screen)  # system fields are shown read-only
        assert "Sign-ins 87" in text and "203.0.113.7" in text and "Created" in text
        await replace_text(pilot, screen.query_one("#field-company"), "Contoso")
        await pilot.press("escape")  # out of the field
        await pilot.press("escape")  # warns
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape")  # leaves without saving
        await pilot.pause()
        assert app.screen is not screen
        assert users.get_user(db, ALICE_UID).company == "Northwind Traders"
