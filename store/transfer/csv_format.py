"""CSV: a header row naming Userdesk fields, `custom.KEY` columns, and optional `status`, `groups`
(separated by `;`), `must_change_password` and `password_hash` (a PHC/MCF string) columns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..validation import LABELS
from .common import ReaderOptions, hash_from_string
from .records import FileProblem, Record, text_or_none
from .streams import CountingFile, csv_rows

FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
EXTRA_COLUMNS = ("uid", "status", "groups", "must_change_password", "password_hash")
GROUP_SEPARATOR = ";"


def neutralise(value: Any) -> Any:
    """A CSV cell a spreadsheet will not evaluate: a leading apostrophe before = + - @ tab CR (export)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_LEAD) else value


def unneutralise(value: str) -> str:
    """The cell as it was before neutralise (import), so an exported phone '+1...' comes back as itself."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_LEAD) else value


def check_header(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise FileProblem(1, f"column '{name}' appears twice in the header")
        seen.add(name)
        if name not in LABELS and name not in EXTRA_COLUMNS and not name.startswith("custom."):
            raise FileProblem(
                1, f"unknown column '{name}' (expected Userdesk fields, {', '.join(EXTRA_COLUMNS)} or custom.KEY)"
            )


def read(source: CountingFile, options: ReaderOptions) -> Iterator[Record]:
    for line, cells in csv_rows(source, check_header):
        row = {k: unneutralise(v) for k, v in cells.items()}
        record = Record(line, fields={k: text_or_none(v) for k, v in row.items() if k in LABELS})
        record.uid = row.get("uid") or None
        record.status = row.get("status") or None
        record.must_change_password = (row.get("must_change_password") or "").strip().lower() in ("true", "1", "yes")
        record.custom = {k[len("custom.") :]: v for k, v in row.items() if k.startswith("custom.") and v != ""}
        record.groups = [g for g in (row.get("groups") or "").split(GROUP_SEPARATOR) if g.strip()]
        if row.get("password_hash"):
            hash_from_string(record, "password_hash", row["password_hash"])
        yield record
