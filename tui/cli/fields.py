"""`userdesk field ...` and `userdesk data ...`: custom field definitions and users' custom values."""

from __future__ import annotations

import click

from store import custom

from .context import State, actor, pass_state
from .output import emit_json, say, table, v
from .users import user_id


@click.group("field")
def field_group() -> None:
    """Custom field definitions (key and type cannot change later)."""


@field_group.command("define")
@click.argument("key")
@click.option("--type", "kind", required=True, type=click.Choice(custom.TYPES))
@click.option("--options", help="Enum options, comma-separated.")
@click.option("--unique", is_flag=True, help="No two users may share a value (string and number only).")
@click.option("--user-editable", is_flag=True, help="Users may change it in self-service.")
@click.option("--label")
@pass_state
def field_define(
    state: State, key: str, kind: str, options: str | None, unique: bool, user_editable: bool, label: str | None
) -> None:
    """Define a custom field."""
    opts = custom.parse_options(options) if options is not None else None
    defined = custom.define_field(
        state.db(), actor(), key, kind, label=label, options=opts, unique=unique, user_editable=user_editable
    )
    say(f"Defined field {v(defined.key)} ({defined.type})")


@field_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def field_list(state: State, as_json: bool) -> None:
    """List custom fields."""
    fields = custom.list_fields(state.db())
    if as_json:
        emit_json(
            {
                "fields": [
                    {
                        "key": f.key,
                        "label": f.label,
                        "type": f.type,
                        "options": custom.options_of(f),
                        "unique": f.unique,
                        "user_editable": f.user_editable,
                    }
                    for f in fields
                ]
            }
        )
        return
    table(
        ("KEY", "LABEL", "TYPE", "OPTIONS", "UNIQUE", "USER-EDITABLE"),
        [
            (
                f.key,
                f.label,
                f.type,
                ",".join(custom.options_of(f)),
                "yes" if f.unique else "-",
                "yes" if f.user_editable else "-",
            )
            for f in fields
        ],
    )


@field_group.command("edit")
@click.argument("key")
@click.option("--label", help="The new label.")
@click.option("--options", help="The enum options, comma-separated (the whole new list).")
@click.option(
    "--clear-removed", is_flag=True, help="Clear the values of users holding an option removed from --options."
)
@click.option("--reason")
@pass_state
def field_edit(
    state: State, key: str, label: str | None, options: str | None, clear_removed: bool, reason: str | None
) -> None:
    """Change a field's label or enum options (key and type cannot change).

    Removing an option that users hold is refused, with how many hold it, unless --clear-removed."""
    if label is None and options is None:
        raise click.UsageError("give --label and/or --options")
    opts = custom.parse_options(options) if options is not None else None
    impact = custom.edit_field(
        state.db(), actor(), key, label=label, options=opts, clear_removed=clear_removed, reason=reason
    )
    cleared = f"; cleared {impact.cleared:,} value(s): {custom.in_use_text(impact)}" if impact.cleared else ""
    say(f"Changed field {v(key)}{cleared}")


@field_group.command("delete")
@click.argument("key")
@click.option("--reason")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def field_delete(state: State, key: str, reason: str | None, yes: bool) -> None:
    """Delete a field and every user's value for it (says how many first)."""
    db = state.db()
    impact = custom.field_impact(db, key)
    if not yes:
        click.confirm(f"Delete field {v(key)} and {impact.values:,} user value(s)?", abort=True, err=True)
    gone = custom.delete_field(db, actor(), key, reason)
    say(f"Deleted field {v(key)} and {gone.values:,} value(s)")


@click.group()
def data() -> None:
    """A user's custom data values."""


@data.command("set")
@click.argument("ref", metavar="ID|LOGIN")
@click.argument("key")
@click.argument("value")
@pass_state
def data_set(state: State, ref: str, key: str, value: str) -> None:
    """Set (or, with an empty VALUE, clear) one custom value."""
    stored = custom.set_value(state.db(), actor(), ref, key, value)
    say(f"{v(key)} = {v(stored, '(cleared)')}")


@data.command("show")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def data_show(state: State, ref: str, as_json: bool) -> None:
    """Every custom field with this user's value."""
    db = state.db()
    values = custom.user_values(db, user_id(db, ref))
    if as_json:
        emit_json({"data": {fv.field.key: fv.value for fv in values}})
        return
    table(("KEY", "TYPE", "VALUE"), [(fv.field.key, fv.field.type, fv.value) for fv in values])
