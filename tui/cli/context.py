"""What every command shares: the per-invocation State, the actor, stdin and secrets, and error handling.

The root group (`Root`) turns store errors and database failures into one `error: <message>` line on
stderr with exit status 1, so no command needs its own try/except.

Text that is not UTF-8 is refused where it comes in, before any command runs. Python hands argv
bytes that are not UTF-8 to the program as lone surrogates (surrogateescape), which nothing
downstream can store or print; so every command of the tree (`CheckedCommand`, `CheckedGroup`)
checks its parsed parameters, and `read_line` decodes stdin strictly. The one exception is a
parameter declared with `cls=KeepsUndecodable`: its command receives the text as it is and decides
(`login` records such an identifier as a failed sign-in).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from store import config as cfg
from store.audit import Actor
from store.errors import StoreError
from tui.text import visible

from .location import redacted, where

if TYPE_CHECKING:
    from store import Database


class Failure(click.ClickException):
    """A refused operation: `error: <message>` on stderr, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {visible(escaped(self.message))}", err=True)


class BadText(Failure):
    """Text on the command line that is not UTF-8: one `error:` line, exit status 2 (a usage error)."""

    exit_code = 2


def undecodable(text: str) -> bool:
    """True when `text` holds lone surrogates: bytes that were not UTF-8, or a half of a UTF-16 pair."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def escaped(text: str) -> str:
    """`text` with its surrogates spelled out: an argv byte as \\xNN (what the user typed), any other as \\uNNNN."""
    return "".join(_spelled(c) for c in text)


def _spelled(c: str) -> str:
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if 0xD800 <= code <= 0xDFFF else c


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _texts(item)


def _refuse(what: str, text: str) -> BadText:
    return BadText(f"{what} is not valid UTF-8 text: {escaped(text)}")


class KeepsUndecodable(click.Argument):
    """An argument whose text reaches the command even when it is not UTF-8 (the command handles it)."""

    keeps_undecodable = True


class HiddenArgument(click.Argument):
    """A positional argument left out of the usage line: kept only to refuse an old form helpfully."""

    def get_usage_pieces(self, ctx: click.Context) -> list[str]:
        return []


def refused_on_argv(
    what: str, hint: str, allowed: tuple[str, ...] = ()
) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A parameter callback refusing `what` (a secret) given on the command line, where every user of the
    machine can read it (ps, /proc/PID/cmdline); `hint` says how to pass it instead. Values in `allowed` pass."""

    def refuse(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None and value not in allowed:
            raise click.UsageError(
                f"{what} on the command line would be in the process list, readable by every user of this "
                f"machine; {hint}",
                ctx,
            )
        return value

    return refuse


class CheckedCommand(click.Command):
    """A command that refuses parameters holding text that is not UTF-8 (see the module docstring)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # the parser consumes `args`
        try:
            rest = super().parse_args(ctx, args)
        except click.UsageError:
            # e.g. an undecodable --limit fails conversion first: say what is wrong with it instead
            for arg in given:
                if undecodable(arg):
                    raise _refuse("an argument", arg) from None
            raise
        for param in self.params:
            if getattr(param, "keeps_undecodable", False) or param.name is None:
                continue
            for text in _texts(ctx.params.get(param.name)):
                if undecodable(text):
                    raise _refuse(param.get_error_hint(ctx), text)
        return rest


def _checked(command: click.Command) -> click.Command:
    """Give a plain click command or group (e.g. one built elsewhere and added) the checks of this tree."""
    if type(command) is click.Command:
        command.__class__ = CheckedCommand
    elif type(command) is click.Group:
        command.__class__ = CheckedGroup
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _checked(sub)
    return command


class CheckedGroup(CheckedCommand, click.Group):
    """A group whose commands and subgroups (decorated or added) all check their parameters."""

    command_class = CheckedCommand
    group_class: type[click.Group | type] | None = type  # subgroups are of the class of their parent

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        super().add_command(_checked(cmd), name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and undecodable(args[0]):
            raise _refuse("the command name", args[0])
        return super().resolve_command(ctx, args)


COMMAND_WORDS_KEY = "userdesk.command_words"


class Root(CheckedGroup):
    """The root group: its tree checks its input, and store errors (and a busy or broken database file)
    become clean `error:` lines."""

    group_class = CheckedGroup

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        ctx.meta[COMMAND_WORDS_KEY] = list(args)  # for --as: which command runs (tui/cli/admins.py)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return self._invoke(ctx)
        except click.ClickException as exc:  # never the password of a --db URL, whoever quoted it
            state = ctx.find_object(State)
            message = redacted(exc.message, state.target if state else None)
            if message != exc.message:
                exc.message = message  # type: ignore[misc]  # click marks it Final; only a password is blanked out
            raise

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            raise Failure(str(exc)) from None
        except sqlite3.Error as exc:
            raise Failure(f"database error: {exc}") from None
        except UnicodeError as exc:  # last resort, e.g. an environment variable that is not UTF-8
            raise Failure(f"text that is not valid UTF-8: {exc}") from None
        except Exception as exc:
            message = _database_error(exc)
            if message is None:
                raise
            raise Failure(f"database error: {message}") from None


def _database_error(exc: Exception) -> str | None:
    """One line for an error of SQLAlchemy or of the driver (sqlite3 is caught above; psycopg's own errors come
    from the bulk paths, e.g. COPY), else None. Neither library is imported for this: a command that never loaded
    them (`--help`, the console's first paint) cannot have raised their errors."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None:
        if isinstance(exc, sqlalchemy_exc.DBAPIError):  # wraps the driver's error (sqlite3, psycopg)
            return _first_line(exc.orig)
        if isinstance(exc, sqlalchemy_exc.SQLAlchemyError):  # e.g. a URL SQLAlchemy cannot parse
            return _first_line(exc)
    if type(exc).__module__.split(".", 1)[0] == "psycopg":
        return _first_line(exc)
    return None


def _first_line(exc: BaseException | None) -> str:
    """A driver's message without its continuation lines (psycopg adds DETAIL/HINT lines; one `error:` line)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class State:
    """Per-invocation context: where the database is, opened lazily and closed at exit."""

    def __init__(self, target: str | None) -> None:
        self.target = target or cfg.default_db()
        self._db: Database | None = None
        self.acting: Actor | None = None  # the admin signed in with --as (tui/cli/admins.py)

    def db(self, create: bool = False) -> Database:
        if self._db is None:
            from store import Database  # here: commands that need no database import no SQLAlchemy

            self._db = Database(self.target, create=create)
            click.get_current_context().call_on_close(self._db.close)
        return self._db

    def where(self) -> str:
        """The open database, fit to print (a server URL without its password); see tui/cli/location.py."""
        return where(self.db(), self.target)


pass_state = click.make_pass_decorator(State)


def actor() -> Actor:
    """The admin signed in with --as, else the local owner named from the effective uid (never $USER)."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(State) if ctx else None
    return (state.acting if state else None) or Actor.local()


def read_line(what: str) -> str:
    """One line of standard input without its line ending, decoded strictly: `what` names it in the error."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is not None:
        try:
            line = stream.readline().decode("utf-8")
        except UnicodeDecodeError:
            raise Failure(f"the {what} on standard input is not valid UTF-8 text") from None
    else:  # a text stream without bytes underneath (an embedding caller's)
        line = sys.stdin.readline()
        if undecodable(line):
            raise Failure(f"the {what} on standard input is not valid UTF-8 text")
    return line.removesuffix("\n").removesuffix("\r")


def read_secret(from_stdin: bool, prompt: str, confirm: bool, what: str = "password") -> str:
    """One line from stdin, or a hidden prompt (with confirmation when setting a secret).

    On a terminal, stdin is the person typing: they get the hidden prompt even when asked to read
    stdin, so a secret is never echoed. `what` names the secret in errors ("no TOTP code on ...")."""
    if from_stdin and not sys.stdin.isatty():
        secret = read_line(what)
        if not secret:
            raise Failure(f"no {what} on standard input")
        return secret
    return prompt_secret(prompt, confirm, what)


def prompt_secret(prompt: str, confirm: bool, what: str = "password", allow_empty: bool = False) -> str:
    """A hidden prompt (typed twice when `confirm`); what was typed must be UTF-8 text, like stdin."""
    optional: dict[str, Any] = {"default": "", "show_default": False} if allow_empty else {}
    secret = str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, **optional))
    if undecodable(secret):
        raise Failure(f"the {what} is not valid UTF-8 text")
    return secret
