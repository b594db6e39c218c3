"""What the signed-in admin's role lets the console show: each screen's key bindings mapped onto the store's table.

The store refuses anything a role may not do (store/permissions.py); this module only keeps the console honest
about it. `gate(screen, actor)` wraps the screen's `check_action` so a binding whose permission the actor
lacks is hidden everywhere Textual and our widgets ask: the footer, the help screen, the command palette, and
the key itself. Screens are matched by class name so this module imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from store import Actor, permissions

from ..text import literal

# screen class name -> {action or "action:first parameter": permission}
SCREEN_ACTIONS: dict[str, dict[str, str]] = {
    "DirectoryScreen": {
        "new_user": "users.create",
        "bulk:disable": "users.disable",
        "bulk:enable": "users.enable",
        "bulk:sign_out": "sessions.revoke",
        "bulk:add_group": "groups.manage",
        "apps_groups": "access.read",
        "custom_fields": "fields.read",
        "audit_log": "audit.read",
    },
    "UserDetailScreen": {
        "save": "users.edit",
        "discard": "users.edit",
        "define_field": "fields.define",
        "disable": "users.disable",
        "enable": "users.enable",
        "unlock": "users.unlock",
        "archive": "users.archive",
        "delete": "users.delete",
        "set_password": "users.temporary_password",
        "reset_mfa": "mfa.reset",
        "revoke": "sessions.revoke",
        "revoke_all": "sessions.revoke",
        "allow": "apps.manage",
        "deny": "apps.manage",
        "clear_rule": "apps.manage",
        "link": "identities.manage",
        "unlink": "identities.manage",
        "tab:8": "audit.read",  # the Audit tab's key (its tab header stays; the store is the gate for writes)
    },
    "AppsGroupsScreen": {"new": "apps.manage", "toggle_default": "apps.manage", "group_rule": "apps.manage"},
    "FieldsScreen": {"define": "fields.define"},
    "AdminsScreen": {"grant": "admins.manage", "revoke": "admins.manage"},
}
APP_ACTIONS: dict[str, str] = {"admins": "admins.read"}


def permission_for(screen_name: str, action: str, parameters: tuple[object, ...] = ()) -> str | None:
    table = SCREEN_ACTIONS.get(screen_name, {})
    if parameters and f"{action}:{parameters[0]}" in table:
        return table[f"{action}:{parameters[0]}"]
    return table.get(action)


def may(actor: Actor, permission: str | None) -> bool:
    return permission is None or permissions.allowed(actor, permission)


def gate(screen: Screen, actor: Callable[[], Actor]) -> Screen:
    """Hide the screen's bindings the actor's role does not allow (idempotent)."""
    if getattr(screen, "_role_gated", False):
        return screen
    original = screen.check_action
    name = type(screen).__name__

    def check_action(action: str, parameters: tuple[object, ...]) -> bool | None:
        if not may(actor(), permission_for(name, action, parameters)):
            return False
        return original(action, parameters)

    screen.check_action = check_action  # type: ignore[method-assign]
    screen._role_gated = True  # type: ignore[attr-defined]
    return screen


def who_text(actor: Actor) -> str:
    """'Signed in as nina · helpdesk' for the header line."""
    return f"Signed in as {actor.name} · {actor.role or actor.kind}"


class WhoBar(Static):
    """One line at the top of every screen of a console opened for a named admin: who, and with which role."""

    DEFAULT_CSS = """
    WhoBar { dock: top; height: 1; background: $primary-background; color: $text; padding: 0 1; }
    """


def with_who_bar(screen: Screen, text: str) -> Screen:
    """Compose a WhoBar first on this screen (wrapping its compose, so no screen module has to know)."""
    if getattr(screen, "_who_bar", False) or isinstance(screen, ModalScreen):
        return screen
    original = screen.compose

    def compose() -> ComposeResult:
        yield WhoBar(literal(text))
        yield from original()

    screen.compose = compose  # type: ignore[method-assign]
    screen._who_bar = True  # type: ignore[attr-defined]
    return screen
