"""Create user: verified email (with a reason), groups and custom data; the 'Temporary password' label on one line."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input

from store import access, custom, history, users
from store.errors import NotFound
from tests.admin.directory_seed import ADMIN, make_app, seeded_uids, type_into
from tests.admin.screen_dump import screen_lines
from tests.pilot import settle
from tui.admin.create_user import CreateUserScreen


@pytest.fixture
def seeded(seeded_db):
    return seeded_uids()


@pytest.fixture
def db(seeded_db):
    return seeded_db


async def open_form(pilot, app) -> CreateUserScreen:
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    assert isinstance(app.screen, CreateUserScreen)
    return app.screen


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_temporary_password_label_does_not_wrap(db, seeded, size):
    app = make_app(db)
    async with app.run_test(size=size) as pilot:
        await open_form(pilot, app)
        lines = screen_lines(app)
        assert any("Temporary password" in line for line in lines)
        assert not any(line.strip() in ("Temporary", "password") for line in lines)


async def test_create_with_verified_email_group_and_custom_value(db, seeded):
    groups = [g.name for g, _ in access.list_groups(db)]
    string_field = custom.define_field(db, ADMIN, "desk", "string", label="Desk")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        await type_into(pilot, "#in-username", "zed")
        await type_into(pilot, "#in-email", "zed@example.com")
        form.query_one("#in-email-verified", Checkbox).value = True
        await type_into(pilot, "#in-groups", groups[0])
        await type_into(pilot, f"#in-custom-{string_field.key}", "hello")
        await pilot.press("ctrl+s")  # verified but no reason: refused next to the reason, nothing created
        await settle(pilot)
        assert app.screen is form
        assert "reason is required" in str(form.query_one("#error-reason").content)
        with pytest.raises(NotFound):
            users.get_user(db, "zed")
        await type_into(pilot, "#in-reason", "HR ticket 31")
        await pilot.press("enter")
        await settle(pilot)
        zed = users.get_user(db, "zed")
        assert zed.email_verified is True
        assert groups[0] in access.user_groups(db, zed.id)
        assert {v.field.key: v.value for v in custom.user_values(db, zed.id)}[string_field.key] == "hello"
        create = next(e for e in history.audit_log(db, target_uid=zed.uid) if e.action == "user.create")
        assert create.reason == "HR ticket 31"


async def test_unknown_group_creates_nothing(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        await type_into(pilot, "#in-username", "zed")
        await type_into(pilot, "#in-groups", "no-such-group")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "no-such-group" in str(form.query_one("#create-error").content)
        with pytest.raises(NotFound):
            users.get_user(db, "zed")
        assert isinstance(form.query_one("#in-groups"), Input)
