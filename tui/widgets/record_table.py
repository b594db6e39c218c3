"""The table every list screen uses: a row cursor, Home/End to the first/last row, a place kept by row key,
columns that fit the width by priority, and Enter opening the row's full record.

Columns (issue 13 item 2). A table given `Col` specs (`set_columns`) shows, at the current width, the columns
that fit, chosen in priority order (0 first) and drawn in their declared order; the rest are dropped whole,
never cut mid-label (a column is at least as wide as its label). One column may `grow` into the width left.
The choice is made again on every resize. Rows are kept whole (`refill`, `add_record`), so a column that
comes back on a wider screen has its values, and the detail pane always has every column.

Detail. Enter on a row opens `RecordDetailScreen` with every column's full value (the hidden ones too); a
screen can add fields (`detail_fields`). A table whose Enter means something else passes `detail=False`.
Tables built with plain `add_column(s)`/`add_row` keep working as before (all columns, Enter shows them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding
from textual.widgets import DataTable

from .record_detail import Field, RecordDetailScreen

Row = tuple[str, list[Any]]
SCROLLBAR = 2  # the vertical scrollbar's width, kept free so a long table never scrolls sideways


@dataclass(frozen=True)
class Col:
    """One column: its label, minimum width, priority (0 = kept longest) and whether it takes the spare width."""

    label: str
    width: int
    priority: int = 0
    grow: bool = False
    key: str = ""

    @property
    def id(self) -> str:
        return self.key or self.label

    @property
    def least(self) -> int:
        return max(self.width, len(self.label))


def fit_columns(columns: Sequence[Col], width: int, padding: int = 1) -> tuple[list[int], dict[int, int]]:
    """Which columns fit in `width` (indexes, in declared order) and the width of each: columns are taken by
    priority (ties: declared order) while their least width plus cell padding fits; the first growing column
    shown gets what is left. The first column by priority is always shown (cut if the screen is that narrow)."""
    order = sorted(range(len(columns)), key=lambda i: (columns[i].priority, i))
    chosen: list[int] = []
    used = 0
    for i in order:
        need = columns[i].least + 2 * padding
        if used + need <= width or not chosen:
            chosen.append(i)
            used += need
    chosen.sort()
    widths = {i: columns[i].least for i in chosen}
    growing = next((i for i in chosen if columns[i].grow), None)
    if growing is not None and used < width:
        widths[growing] += width - used
    return chosen, widths


class RecordTable(DataTable):
    """A row-cursor table of records keyed by id; `refill` replaces the rows and keeps the cursor's record."""

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(
        self,
        *,
        columns: Sequence[Col] = (),
        detail: bool = True,
        detail_title: str = "Record",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("cursor_type", "row")
        super().__init__(**kwargs)
        self.specs: list[Col] = list(columns)
        self.shown: list[int] = list(range(len(self.specs)))
        self.records: dict[str, list[Any]] = {}  # key -> every column's cell (specs only)
        self.order: list[str] = []
        self.detail = detail
        self.detail_title = detail_title
        self.detail_fields: Callable[[str | None, list[Field]], list[Field]] | None = None
        self._widths: dict[int, int] = {}

    # ----- columns ----------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.specs:
            self._layout(force=True)

    def set_columns(self, columns: Sequence[Col]) -> None:
        self.specs = list(columns)
        self._layout(force=True)

    def on_resize(self) -> None:
        if self.specs:
            self._layout()

    def _update_dimensions(self, new_rows: Any) -> None:
        """DataTable measures the cells of new rows when it next goes idle, and caches the lines it paints under a key
        without the column widths: a line painted between the rows' arrival and that measure kept the old widths on
        screen (an IP cut to "20" at 80x24, now and then). The lines are painted again with the new widths."""
        super()._update_dimensions(new_rows)
        self._clear_caches()
        self.refresh()

    def _available(self) -> int:
        width = self.size.width or (self.app.size.width if self.is_attached else 80)
        return max(width - SCROLLBAR, 1)

    def _layout(self, force: bool = False) -> None:
        shown, widths = fit_columns(self.specs, self._available(), self.cell_padding)
        if not force and shown == self.shown and widths == self._widths and len(self.columns) == len(shown):
            return
        if not force and shown == self.shown and len(self.columns) == len(shown):
            self._widths = widths
            for i, column in zip(shown, self.columns.values(), strict=True):
                column.width = widths[i]
            self._clear_caches()
            self.refresh()
            return
        keep = self.selected_key()
        self.shown, self._widths = shown, widths
        super().clear(columns=True)
        for i in shown:
            self.add_column(self.specs[i].label, width=widths[i], key=self.specs[i].id)
        for key in self.order:
            super().add_row(*self._visible(self.records[key]), key=key)
        if keep in self.order:
            self.move_cursor(row=self.order.index(keep), animate=False, scroll=True)

    def _visible(self, cells: list[Any]) -> list[Any]:
        return [cells[i] if i < len(cells) else "" for i in self.shown]

    # ----- rows -------------------------------------------------------------------------------------------

    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value

    def add_record(self, key: str, cells: list[Any]) -> None:
        """Append one record (every column's cell, in `Col` order)."""
        self.records[key] = list(cells)
        self.order.append(key)
        super().add_row(*self._visible(cells), key=key)

    def clear_records(self) -> None:
        self.clear()

    def clear(self, columns: bool = False) -> RecordTable:
        """DataTable.clear, forgetting the kept records too (a re-layout clears through super() and keeps them)."""
        self.records.clear()
        self.order.clear()
        super().clear(columns)
        return self

    def refill(self, rows: list[Row]) -> None:
        """Replace all rows, keeping the cursor on the same key when it is still there."""
        keep = self.selected_key()
        row_index = self.cursor_row
        if self.specs:
            self.clear_records()
            for key, cells in rows:
                self.add_record(key, cells)
        else:
            self.clear()
            for key, cells in rows:
                self.add_row(*cells, key=key)
        if not rows:
            return
        keys = [k for k, _ in rows]
        target = keys.index(keep) if keep in keys else min(row_index, len(rows) - 1)
        self.move_cursor(row=max(target, 0), animate=False, scroll=True)

    # ----- detail -----------------------------------------------------------------------------------------

    def record_fields(self) -> list[Field]:
        """The highlighted row's every column as (label, cell)."""
        if self.row_count == 0 or not 0 <= self.cursor_row < self.row_count:
            return []
        key = self.selected_key()
        if self.specs and key in self.records:
            cells = self.records[key]
            return [(spec.label, cells[i] if i < len(cells) else "") for i, spec in enumerate(self.specs)]
        labels = [str(column.label) for column in self.columns.values()]
        return list(zip(labels, self.get_row_at(self.cursor_row), strict=False))

    def open_detail(self) -> None:
        fields = self.record_fields()
        if not fields:
            return
        if self.detail_fields is not None:
            fields = self.detail_fields(self.selected_key(), fields)
        self.app.push_screen(RecordDetailScreen(self.detail_title, fields))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self.detail and event.data_table is self:
            self.open_detail()
