"""Running the real `userdesk` click command in-process against a database in tmp_path."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from click.testing import CliRunner, Result

from tui.cli import cli

PASSWORD = "correct horse battery staple"
OATHTOOL = shutil.which("oathtool")


@dataclass
class Cli:
    """`userdesk --db <tmp>/cli.db ...`; stdout and stderr are kept apart."""

    path: pathlib.Path

    def __call__(self, *args: str, input: str | bytes | None = None) -> Result:
        return CliRunner().invoke(cli, ["--db", str(self.path), *args], input=input, catch_exceptions=False)

    def ok(self, *args: str, input: str | bytes | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
        return result

    def json(self, *args: str, input: str | bytes | None = None) -> Any:
        return json.loads(self.ok(*args, "--json", input=input).stdout)

    def refused(self, *args: str, input: str | bytes | None = None, code: int = 1) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        if code == 1:
            assert result.stderr.startswith("error: "), result.stderr
        return result


def totp_code(secret: str, offset: int = 0) -> str:
    """A TOTP code from the real oathtool binary (offset in seconds from now)."""
    args = [OATHTOOL, "--totp", "-b", secret]
    if offset:
        args += ["--now", f"{offset:+d} seconds"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()
