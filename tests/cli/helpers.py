"""Running the real `userdesk` click command in-process against a test database (a file or a PostgreSQL URL)."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tui.cli import cli

PASSWORD = "correct horse battery staple"
OATHTOOL = shutil.which("oathtool")


@dataclass
class Cli:
    """`userdesk --db TARGET ...`; stdout and stderr are kept apart. TARGET is the `db_target` fixture's: a SQLite
    path, or the URL of a fresh PostgreSQL database (--backend=postgresql)."""

    target: str | pathlib.Path

    @property
    def path(self) -> pathlib.Path:
        """The SQLite file (tests about the file itself are marked sqlite_only)."""
        assert not str(self.target).startswith("postgres"), "a file-only check on a PostgreSQL run"
        return pathlib.Path(self.target)

    def __call__(self, *args: str, input: str | bytes | None = None) -> Result:
        return CliRunner().invoke(cli, ["--db", str(self.target), *args], input=input, catch_exceptions=False)

    def sql(self, query: str, params: dict[str, Any] | None = None) -> list[tuple]:
        """Run raw SQL on the database behind the CLI (named parameters, :name), outside the store: to look at
        or tamper with stored rows. Returns the rows of a SELECT; commits anything else."""
        target = str(self.target)
        url = target if "://" in target else f"sqlite:///{target}"
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(query), params or {})
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()

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
