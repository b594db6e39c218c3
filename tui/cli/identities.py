"""`userdesk identity ...`: link and unlink external identities (e.g. github, google)."""

from __future__ import annotations

import click

from store import identities

from .context import State, actor, pass_state
from .output import say, v


@click.group()
def identity() -> None:
    """Linked external identities (e.g. github, google)."""


@identity.command("link")
@click.argument("ref", metavar="ID|LOGIN")
@click.argument("provider")
@click.argument("subject")
@pass_state
def identity_link(state: State, ref: str, provider: str, subject: str) -> None:
    """Link PROVIDER's account SUBJECT to a user."""
    identities.link(state.db(), actor(), ref, provider, subject)
    say(f"Linked {v(provider)}:{v(subject)} to {v(ref)}")


@identity.command("unlink")
@click.argument("ref", metavar="ID|LOGIN")
@click.argument("provider")
@pass_state
def identity_unlink(state: State, ref: str, provider: str) -> None:
    """Remove all of a user's identities at PROVIDER."""
    count = identities.unlink(state.db(), actor(), ref, provider)
    say(f"Unlinked {count} {v(provider)} identit{'y' if count == 1 else 'ies'} from {v(ref)}")
