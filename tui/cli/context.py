"""What every command shares: the per-invocation State, the actor, secrets from stdin, and error handling.

The root group (`Root`) turns store errors and database failures into one `error: <message>` line on
stderr with exit status 1, so no command needs its own try/except.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import Any

import click
from sqlalchemy.exc import DBAPIError

from store import Actor, Database, StoreError
from store import config as cfg
from tui.text import visible


class Failure(click.ClickException):
    """A refused operation: `error: <message>` on stderr, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {visible(self.message)}", err=True)


class Root(click.Group):
    """Turns store errors (and a busy or broken database file) into clean `error:` lines."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            raise Failure(str(exc)) from None
        except sqlite3.Error as exc:
            raise Failure(f"database error: {exc}") from None
        except DBAPIError as exc:  # SQLAlchemy wraps sqlite3 errors
            raise Failure(f"database error: {exc.orig}") from None


class State:
    """Per-invocation context: where the database is, opened lazily and closed at exit."""

    def __init__(self, target: str | None) -> None:
        self.target = target or cfg.default_db()
        self._db: Database | None = None

    def db(self, create: bool = False) -> Database:
        if self._db is None:
            self._db = Database(self.target, create=create)
            click.get_current_context().call_on_close(self._db.close)
        return self._db


pass_state = click.make_pass_decorator(State)


def actor() -> Actor:
    return Actor.from_environment()


def read_secret(from_stdin: bool, prompt: str, confirm: bool) -> str:
    """One line from stdin, or a hidden prompt (with confirmation when setting a secret)."""
    if from_stdin:
        line = sys.stdin.readline()
        secret = line[:-1] if line.endswith("\n") else line
        secret = secret[:-1] if secret.endswith("\r") else secret
        if not secret:
            raise Failure("no password on standard input")
        return secret
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))
