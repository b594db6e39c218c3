"""`userdesk app ...` and `userdesk group ...`: apps with their access rules, and user groups."""

from __future__ import annotations

import click

from store import access, apps_groups

from .context import Failure, State, actor, pass_state
from .output import emit_json, say, table, v


@click.group()
def app() -> None:
    """Apps and who may sign in to them."""


@app.command("create")
@click.argument("name")
@click.option("--default", "policy", type=click.Choice(("allow", "deny")), default="allow", show_default=True)
@pass_state
def app_create(state: State, name: str, policy: str) -> None:
    """Create an app with a default policy."""
    created = access.create_app(state.db(), actor(), name, policy)
    say(f"Created app {v(created.name)} (default {policy})")


def _rule(effect: str) -> None:
    @app.command(effect, help=f"{effect.capitalize()} one user or one group on an app (overrides the default).")
    @click.argument("name")
    @click.option("--user", "ref", metavar="ID|LOGIN")
    @click.option("--group", metavar="NAME")
    @click.option("--reason")
    @pass_state
    def command(state: State, name: str, ref: str | None, group: str | None, reason: str | None) -> None:
        if (ref is None) == (group is None):
            raise click.UsageError("give exactly one of --user or --group")
        access.set_rule(state.db(), actor(), name, effect, user_ref=ref, group=group, reason=reason)
        subject = f"user {v(ref)}" if ref else f"group {v(group)}"
        say(f"{effect.capitalize()}ed {subject} on {v(name)}")


_rule("allow")
_rule("deny")


@app.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def app_list(state: State, as_json: bool) -> None:
    """List apps with their default policy and number of rules."""
    apps = access.list_apps(state.db())
    if as_json:
        emit_json({"apps": [{"name": a.name, "default": a.default_policy, "rules": n} for a, n in apps]})
        return
    table(("APP", "DEFAULT", "RULES"), [(a.name, a.default_policy, n) for a, n in apps])


@click.group()
def group() -> None:
    """User groups."""


@group.command("create")
@click.argument("name")
@click.option("--description", default="")
@pass_state
def group_create(state: State, name: str, description: str) -> None:
    """Create a group."""
    created = access.create_group(state.db(), actor(), name, description)
    say(f"Created group {v(created.name)}")


@group.command("add")
@click.argument("name")
@click.argument("ref", metavar="ID|LOGIN")
@pass_state
def group_add(state: State, name: str, ref: str) -> None:
    """Add a user to a group."""
    added = access.add_member(state.db(), actor(), name, ref)
    say(f"Added {v(ref)} to {v(name)}" if added else f"{v(ref)} is already in {v(name)}")


@group.command("remove")
@click.argument("name")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--reason")
@pass_state
def group_remove(state: State, name: str, ref: str, reason: str | None) -> None:
    """Remove a user from a group (also: group remove-member)."""
    removed = access.remove_member(state.db(), actor(), name, ref, reason)
    if not removed:
        raise Failure(f"{ref} is not in group {name}")
    say(f"Removed {v(ref)} from {v(name)}")


@group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def group_list(state: State, as_json: bool) -> None:
    """List groups with their member counts."""
    groups = access.list_groups(state.db())
    if as_json:
        emit_json({"groups": [{"name": g.name, "description": g.description, "members": n} for g, n in groups]})
        return
    table(("GROUP", "MEMBERS", "DESCRIPTION"), [(g.name, n, g.description) for g, n in groups])


group.add_command(group_remove, "remove-member")


@group.command("members")
@click.argument("name")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True)
@pass_state
def group_members(state: State, name: str, limit: int, as_json: bool) -> None:
    """List a group's members."""
    members = apps_groups.group_members(state.db(), name, limit=limit)
    if as_json:
        emit_json({"members": [{"uid": m.uid, "login": m.login, "name": m.name, "status": m.status} for m in members]})
        return
    table(("UID", "LOGIN", "NAME", "STATUS"), [(m.uid, m.login, m.name, m.status) for m in members])


@group.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.option("--reason")
@pass_state
def group_rename(state: State, name: str, new_name: str, reason: str | None) -> None:
    """Rename a group (members and app rules stay)."""
    new = apps_groups.rename_group(state.db(), actor(), name, new_name, reason)
    say(f"Renamed group {v(name)} to {v(new)}")


@group.command("delete")
@click.argument("name")
@click.option("--reason")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def group_delete(state: State, name: str, reason: str | None, yes: bool) -> None:
    """Delete a group with its memberships and its app rules (says how many first)."""
    db = state.db()
    preview = apps_groups.group_delete_preview(db, name)
    if not yes:
        click.confirm(f"Delete group {v(name)} and its {preview.summary()}?", abort=True, err=True)
    gone = apps_groups.delete_group(db, actor(), name, reason)
    say(f"Deleted group {v(gone.name)} with its {gone.summary()}")


@app.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.option("--reason")
@pass_state
def app_rename(state: State, name: str, new_name: str, reason: str | None) -> None:
    """Rename an app (its rules, sessions and history stay)."""
    new = apps_groups.rename_app(state.db(), actor(), name, new_name, reason)
    say(f"Renamed app {v(name)} to {v(new)}")


@app.command("delete")
@click.argument("name")
@click.option("--reason")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def app_delete(state: State, name: str, reason: str | None, yes: bool) -> None:
    """Delete an app and its rules (sessions and login history stay, without the app's name)."""
    db = state.db()
    preview = apps_groups.app_delete_preview(db, name)
    if not yes:
        click.confirm(f"Delete app {v(name)} and its {preview.summary()}?", abort=True, err=True)
    gone = apps_groups.delete_app(db, actor(), name, reason)
    say(f"Deleted app {v(gone.name)} with its {gone.summary()}")
