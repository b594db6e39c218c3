"""What the signed-in admin's role lets the console offer: key bindings mapped onto the store's permissions.

The store refuses anything a role may not do (store/permissions.py is the gate); this table only keeps the
console honest about it. It is consulted in ONE place, `AdminCalls.check_action` (tui/admin/calls.py), which
every admin screen, dialog and tab inherits, and by the app for its own bindings. Textual and our widgets ask
`check_action` for everything they show or run, so a binding the role lacks is hidden from the footer, the F1
help, the command palette and the key itself, with no code in any screen.

Nodes are matched by class name so that this module imports none of the screens (they import it).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from store import permissions
from store.audit import Actor

from ..text import literal

# node class name -> {action, or "action:first parameter", -> permission needed}
ACTIONS: dict[str, dict[str, str]] = {
    "AdminApp": {"admins": "admins.read"},
    "DirectoryScreen": {
        "new_user": "users.create",
        "bulk:disable": "users.disable",
        "bulk:enable": "users.enable",
        "bulk:sign_out": "sessions.revoke",
        "bulk:add_group": "groups.manage",
        "bulk:remove_group": "groups.manage",
        "bulk:unlock": "users.unlock",
        "bulk:archive": "users.archive",
        "bulk:delete": "users.delete",
        "apps_groups": "access.read",
        "custom_fields": "fields.read",
        "audit_log": "audit.read",
    },
    "UserDetailScreen": {
        "tab_action:save": "users.edit",
        "tab_action:discard": "users.edit",
        "tab_action:define_field": "fields.define",
        "tab_action:disable": "users.disable",
        "tab_action:enable": "users.enable",
        "tab_action:unlock": "users.unlock",
        "tab_action:archive": "users.archive",
        "tab_action:delete": "users.delete",
        "tab_action:set_password": "users.temporary_password",
        "tab_action:reset_mfa": "mfa.reset",
        "tab_action:send_code": "users.send_code",
        "tab_action:mark_email_verified": "users.verify",
        "tab_action:mark_phone_verified": "users.verify",
        "tab_action:revoke": "sessions.revoke",
        "tab_action:revoke_all": "sessions.revoke",
        "tab_action:allow": "apps.manage",
        "tab_action:deny": "apps.manage",
        "tab_action:clear_rule": "apps.manage",
        "tab_action:link": "identities.manage",
        "tab_action:unlink": "identities.manage",
        "tab:8": "audit.read",  # the Audit tab's key (its tab header stays; the store is the gate for reads)
    },
    "AppsGroupsScreen": {
        "new": "apps.manage",
        "toggle_default": "apps.manage",
        "group_rule": "apps.manage",
        "rename": "apps.manage",  # groups.manage for a group: the same roles (MANAGERS); the store checks each
        "delete": "apps.manage",
    },
    "GroupMembersScreen": {"remove": "groups.manage"},
    "FieldsScreen": {"define": "fields.define", "edit": "fields.define", "delete": "fields.define"},
    "AdminsScreen": {"grant": "admins.manage", "revoke": "admins.manage"},
}


def permission_for(node_name: str, action: str, parameters: tuple[object, ...] = ()) -> str | None:
    """The permission an action of the node class `node_name` needs (None: any admin may)."""
    table = ACTIONS.get(node_name, {})
    if parameters and f"{action}:{parameters[0]}" in table:
        return table[f"{action}:{parameters[0]}"]
    return table.get(action)


def may(actor: Actor, node_name: str, action: str, parameters: tuple[object, ...] = ()) -> bool:
    """May `actor` be offered this action? (The store still checks when it runs.)"""
    permission = permission_for(node_name, action, parameters)
    return permission is None or permissions.allowed(actor, permission)


def who_text(actor: Actor) -> Text:
    """'Signed in as nina · helpdesk' for the bar at the top of each screen (the name drawn literally)."""
    return literal(f"Signed in as {actor.name} · {actor.role or actor.kind}")


class WhoBar(Static):
    """One line at the top of every full admin screen of a console opened for a named admin: who, which role.

    Its CSS stays here (a reusable widget); AdminCalls mounts it, so no screen has to know about it."""

    DEFAULT_CSS = """
    WhoBar { dock: top; height: 1; background: $primary-background; color: $text; padding: 0 1; }
    """

    def __init__(self, actor: Actor) -> None:
        super().__init__(who_text(actor))
