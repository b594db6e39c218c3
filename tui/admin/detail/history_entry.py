"""One sign-in attempt in full (Enter on a login-history row): every field, nothing cut, in the one record pane."""

from __future__ import annotations

from rich.text import Text

from store.history import HistoryRow

from ...text import fmt_ago, fmt_time
from ...widgets.record_detail import Field, RecordDetailScreen
from .base import BAD, GOOD

TITLE = "Sign-in attempt"


def entry_fields(row: HistoryRow, now: int) -> list[Field]:
    fields: list[Field] = [
        ("When (UTC)", f"{fmt_time(row.ts)} ({fmt_ago(row.ts, now)})"),
        ("Result", Text("ok", style=GOOD) if row.success else Text("FAILED", style=BAD)),
    ]
    if not row.success:
        fields.append(("Failure reason", row.reason))
    fields += [
        ("IP", row.ip),
        ("App", row.app),
        ("Method", row.method),
        ("Identifier typed", row.identifier),
        ("User agent", row.user_agent),
        ("Entry", str(row.id)),
    ]
    return fields


def entry_screen(row: HistoryRow, now: int) -> RecordDetailScreen:
    return RecordDetailScreen(TITLE, entry_fields(row, now))
