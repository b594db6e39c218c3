"""The table every list screen uses: a row cursor, Home/End to the first/last row, and a place kept by row key."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import DataTable


class RecordTable(DataTable):
    """A row-cursor table of records keyed by id; `refill` replaces the rows and keeps the cursor's record."""

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        super().__init__(**kwargs)

    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value

    def refill(self, rows: list[tuple[str, list[Any]]]) -> None:
        """Replace all rows, keeping the cursor on the same key when it is still there."""
        keep = self.selected_key()
        row_index = self.cursor_row
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if not rows:
            return
        keys = [k for k, _ in rows]
        target = keys.index(keep) if keep in keys else min(row_index, len(rows) - 1)
        self.move_cursor(row=max(target, 0), animate=False, scroll=True)
