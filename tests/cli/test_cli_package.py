"""The `tui.cli` package's interface for command modules written elsewhere, and what every command gets from it."""

from __future__ import annotations

import pathlib
import subprocess
import sys
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

import tui.cli
from tui.cli import context
from tui.cli.context import read_secret

CONTRACT = (
    "cli",
    "main",
    "State",
    "pass_state",
    "Failure",
    "emit_json",
    "say",
    "table",
    "pairs",
    "when",
    "read_secret",
    "actor",
)


def test_the_contract_names_are_importable_from_tui_cli() -> None:
    missing = [name for name in CONTRACT if not hasattr(tui.cli, name)]
    assert missing == []
    assert isinstance(tui.cli.cli, click.Group)


@pytest.fixture
def probes() -> Iterator[None]:
    """Two commands added as another module would: one decorated on `cli`, one built plainly and added."""

    @tui.cli.cli.command("probe-decorated")
    @click.argument("value")
    @tui.cli.pass_state
    def decorated(state: tui.cli.State, value: str) -> None:
        tui.cli.say(f"got {value}")

    @click.group("probe-group")
    def plain_group() -> None:
        """A group built without the package's classes."""

    @plain_group.command("show")
    @click.option("--name")
    def plain(name: str) -> None:
        tui.cli.say(f"got {name}")

    tui.cli.cli.add_command(plain_group)
    yield
    del tui.cli.cli.commands["probe-decorated"], tui.cli.cli.commands["probe-group"]


@pytest.mark.usefixtures("probes")
@pytest.mark.parametrize(
    "args", [("probe-decorated", "x\udcff"), ("probe-group", "show", "--name", "\ud800")], ids=["decorated", "added"]
)
def test_commands_added_by_other_modules_refuse_text_that_is_not_utf8(args: tuple[str, ...]) -> None:
    result = CliRunner().invoke(tui.cli.cli, list(args), catch_exceptions=False)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ") and "not valid UTF-8 text" in result.stderr
    ok = CliRunner().invoke(tui.cli.cli, [args[0], *args[1:-1], "fine"], catch_exceptions=False)
    assert ok.exit_code == 0 and ok.stdout == "got fine\n"


class Terminal:
    """A stdin that is a terminal (its text must never be read with echo)."""

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        raise AssertionError("a secret was read from a terminal with echo")


def test_a_secret_asked_on_stdin_is_a_hidden_prompt_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, bool]] = []

    def prompt(text: str, hide_input: bool = False, confirmation_prompt: bool = False) -> str:
        asked.append((text, hide_input))
        return "typed"

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(context.click, "prompt", prompt)
    assert read_secret(True, "TOTP code", confirm=False, what="TOTP code") == "typed"
    assert asked == [("TOTP code", True)]


def test_python_dash_m_tui_cli_is_the_same_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=pathlib.Path(__file__).parents[2],
    )
    assert done.returncode == 0 and done.stdout.startswith("userdesk, version"), done
