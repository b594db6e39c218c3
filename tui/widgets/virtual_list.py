"""A keyboard-driven table over a huge keyset-paged list that holds only a window of rows.

The widget never knows (or needs) the total: it asks a `WindowSource` for the first page, the last
page, or the page after/before a row it holds, in a thread worker, as the cursor nears an edge of the
window. Rows beyond `max_rows` are dropped from the far end, so memory and render cost stay flat
whether the list has a hundred rows or a million. Rendering uses Textual's Line API (only visible
lines are rendered); line 0 is a sticky column header.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from store.interrupt import Interrupt, cancellable

from . import paint_hold

T = TypeVar("T")
REVERSE = Style(reverse=True)
NULL_STYLE = Style.null()


class WindowSource(Protocol[T]):
    """Keyset pages of rows in display order. Called from a worker thread, but for `held_first`."""

    def held_first(self, limit: int) -> list[T] | None:
        """The first page when the source holds it in memory already (shown at once, without a worker), else None.
        Called on the UI thread: it must not wait for a read."""
        ...

    def first(self, limit: int) -> list[T]: ...

    def last(self, limit: int) -> list[T]: ...

    def after(self, row: T, limit: int) -> list[T]: ...

    def before(self, row: T, limit: int) -> list[T]: ...


@dataclass(frozen=True)
class Column:
    """A column: `weight` 0 keeps it at `width`; a positive weight shares the spare width.

    `priority` 1 always shows; when the columns do not fit at their `min_width` (flexible ones) and `width`
    (fixed ones), the highest priority number gives way first (width 0), so what is shown is never cut."""

    key: str
    label: str
    width: int
    weight: int = 0
    min_width: int = 3
    priority: int = 1


def visible_columns(columns: Sequence[Column], available: int, gap: int = 1) -> list[bool]:
    """Which columns fit: drop the least important (highest priority number, rightmost first) until the rest
    fit at their narrowest (flexible columns at min_width, fixed ones at their width)."""
    shown = [True] * len(columns)

    def need() -> int:
        kept = [c for c, on in zip(columns, shown, strict=True) if on]
        return sum(c.min_width if c.weight else c.width for c in kept) + gap * max(0, len(kept) - 1)

    while need() > available:
        droppable = [i for i, c in enumerate(columns) if shown[i] and c.priority > 1]
        if not droppable:
            break
        shown[max(droppable, key=lambda i: (columns[i].priority, i))] = False
    return shown


def layout_columns(columns: Sequence[Column], available: int, gap: int = 1) -> list[int]:
    """Widths that fit `available` cells: columns that give way get 0, fixed ones their width, flexible ones
    share the rest."""
    if not columns:
        return []
    shown = visible_columns(columns, available, gap)
    if not all(shown):
        kept = [c for c, on in zip(columns, shown, strict=True) if on]
        fitted = iter(layout_columns(kept, available, gap))
        return [next(fitted) if on else 0 for on in shown]
    room = max(0, available - gap * (len(columns) - 1))
    widths = [c.width for c in columns]
    spare = room - sum(widths)
    flex = [i for i, c in enumerate(columns) if c.weight]
    if spare > 0 and flex:
        total = sum(columns[i].weight for i in flex)
        for i in flex:
            widths[i] += spare * columns[i].weight // total
        widths[flex[0]] += room - sum(widths)
    while spare < 0:  # too narrow: shrink the widest flexible column, then any column
        candidates = [i for i in (flex or range(len(columns))) if widths[i] > columns[i].min_width]
        if not candidates:
            candidates = [i for i in range(len(columns)) if widths[i] > columns[i].min_width]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
        spare += 1
    return widths


class ListMessage(Message):
    """A message from a VirtualList; `control` makes `@on(..., "#id")` selectors work."""

    def __init__(self, sender: VirtualList) -> None:
        super().__init__()
        self.list = sender

    @property
    def control(self) -> VirtualList:
        return self.list


class VirtualList(ScrollView, Generic[T], can_focus=True, inherit_bindings=False):
    """A cursor over a sliding window of rows fetched on demand from a `WindowSource`."""

    HELP_GROUP = "List"
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First row", show=False),
        Binding("end", "last", "Last row", show=False),
        Binding(
            "space", "toggle_select", "Select", key_display="space", tooltip="Select or unselect the highlighted row"
        ),
        Binding("enter", "open", "Open", show=False, tooltip="Open the highlighted row"),
    ]
    COMPONENT_CLASSES = {
        "virtual-list--header",
        "virtual-list--cursor",
        "virtual-list--cursor-blurred",
        "virtual-list--selected",
        "virtual-list--empty",
    }
    DEFAULT_CSS = """
    VirtualList { height: 1fr; overflow-x: hidden; overflow-y: auto; scrollbar-size-vertical: 1; }
    VirtualList > .virtual-list--header { text-style: bold; background: $panel; color: $text; }
    VirtualList > .virtual-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    VirtualList > .virtual-list--cursor-blurred { background: $block-cursor-blurred-background; text-style: bold; }
    VirtualList > .virtual-list--selected { background: $accent 30%; }
    VirtualList > .virtual-list--empty { color: $text-muted; text-style: italic; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)  # watch_cursor repaints
    virtual_size = Reactive(Size(0, 0), layout=False)  # see _set_virtual_size

    class Highlighted(ListMessage):
        def __init__(self, sender: VirtualList, row: object | None) -> None:
            super().__init__(sender)
            self.row = row

    class Opened(ListMessage):
        def __init__(self, sender: VirtualList, row: object) -> None:
            super().__init__(sender)
            self.row = row

    class SelectionChanged(ListMessage):
        def __init__(self, sender: VirtualList, count: int) -> None:
            super().__init__(sender)
            self.count = count

    class Loaded(ListMessage):
        """A fetch was applied (or failed: `error` holds the message)."""

        def __init__(self, sender: VirtualList, op: str, error: str | None = None) -> None:
            super().__init__(sender)
            self.op = op
            self.error = error

    def __init__(
        self,
        columns: Sequence[Column],
        render_row: Callable[[T], Sequence[Text]],
        key: Callable[[T], Hashable],
        *,
        source: WindowSource[T] | None = None,
        page_size: int = 100,
        max_rows: int = 300,
        empty_text: str = "Nothing to show.",
        selectable: bool = True,
        hold_paint: float = 0.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.render_row = render_row
        self.key = key
        self.source = source
        self.page_size = page_size
        self.max_rows = max(max_rows, 2 * page_size)
        self.empty_text = empty_text
        self.selectable = selectable
        # seconds a new list (a search, a filter) may hold the screen's paint until its rows are in (paint_hold.py)
        self.hold_paint = hold_paint
        self.rows: list[T] = []
        self.has_before = False
        self.has_after = False
        self.fetching: str | None = None  # op in flight
        self.selected: dict[Hashable, T] = {}
        self.fetches = 0
        self._generation = 0
        self._in_flight = Interrupt()  # the running fetch's handle: a newer first/last/reload stops its query
        self._widths: list[int] = []
        self._laid_out_for: tuple[int, tuple[Column, ...]] = (0, ())
        self._paint_styles: dict[tuple[str, ...], Style] | None = None  # while render_lines runs (see _style)
        self._holding = False  # this list's new first page holds the app's paint (tui/widgets/paint_hold.py)
        self.all_selected = False  # every row of the source is selected (the owner tracks which query)

    # ----- data -------------------------------------------------------------------------------------------

    @property
    def current(self) -> T | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def set_source(self, source: WindowSource[T], *, keep_selection: bool = False) -> None:
        """Show a different list (new search, filter or sort): starts again at the first row."""
        self.source = source
        if not keep_selection and self.selected:
            self.selected.clear()
            self.post_message(self.SelectionChanged(self, 0))
        self.load("first")

    def load(self, op: str) -> None:
        """Fetch `first`, `last`, `after`, `before` or `reload` in a worker; newer loads cancel older ones."""
        if self.source is None:
            return
        if op in ("after", "before") and (not self.rows or self.fetching):
            return
        if op in ("first", "last", "reload"):
            self._generation += 1
            self._in_flight.interrupt()  # superseded: its rows would be dropped, so stop its query now
        self._in_flight = handle = Interrupt()
        held = self.source.held_first(self.page_size) if op == "first" else None
        if held is not None:  # e.g. the console's cold start (tui/admin/warmup.py): in the next frame, no worker
            self._apply(op, self._generation, held, self.page_size)
            return
        if op == "first" and self.rows and self.hold_paint > 0:  # rows on screen, to be replaced: see paint_hold.py
            paint_hold.begin(self, self.hold_paint)
            self._holding = True
        self.fetching = op
        generation, source, rows = self._generation, self.source, list(self.rows)
        if not rows:  # "Loading…" in the empty list; rows already shown stay as they are until the new ones
            self.refresh()  # arrive (repainting them now would only spend the CPU the fetch and its paint need)
        self.run_worker(
            lambda: self._fetch(op, generation, source, rows, handle),
            thread=True,
            exclusive=True,
            group=f"virtual-list-{id(self)}",
            name=f"list {op}",
            exit_on_error=False,
        )

    def _fetch(self, op: str, generation: int, source: WindowSource[T], rows: list[T], handle: Interrupt) -> None:
        worker = get_current_worker()
        size = self.page_size
        try:
            with cancellable(handle):
                fetched, size = self._read(op, source, rows, size)
        except Exception as exc:  # store errors become a message, never a traceback
            if not worker.is_cancelled and not handle.interrupted:
                self._deliver(self._failed, op, generation, exc)
            return
        if not worker.is_cancelled and not handle.interrupted:
            self._deliver(self._apply, op, generation, fetched, size)

    def _read(self, op: str, source: WindowSource[T], rows: list[T], size: int) -> tuple[list[T], int]:
        """The rows `op` asks for, and the page size they were asked with (in the worker)."""
        if op == "first" or (op == "reload" and not rows):
            return source.first(size), size
        if op == "last":
            return source.last(size), size
        if op == "after":
            return source.after(rows[-1], size), size
        if op == "before":
            return source.before(rows[0], size), size
        # reload the same stretch: from just before the first row held
        previous = source.before(rows[0], 1)
        want = max(size, min(len(rows), self.max_rows))
        return (source.after(previous[0], want) if previous else source.first(want)), want

    def _deliver(self, callback: Callable[..., None], *args: object) -> None:
        with suppress(RuntimeError):  # the app is shutting down
            self.app.call_from_thread(callback, *args)

    def on_unmount(self) -> None:
        if self._holding:
            paint_hold.end(self.app, repaint=False)

    # Textual's Widget._on_focus/_on_blur repaint the whole widget; here focus changes only the cursor's line (its
    # marker and colour). They are replaced (prevent_default), doing the rest of what they do: '/' from the list
    # then no longer repaints a page of rows while the search term's keys arrive.

    def _on_focus(self, event: events.Focus) -> None:
        self._focus_changed(event, True)

    def _on_blur(self, event: events.Blur) -> None:
        self._focus_changed(event, False)

    def _focus_changed(self, event: events.Focus | events.Blur, focused: bool) -> None:
        event.prevent_default()
        self.has_focus = focused
        self._refresh_rows(self.cursor)
        if self.parent is not None:
            descendant = events.DescendantFocus if focused else events.DescendantBlur
            self.parent.post_message(descendant(self))

    def _release_paint(self) -> None:
        if self._holding:
            self._holding = False
            paint_hold.end(self.app)

    def _failed(self, op: str, generation: int, exc: Exception) -> None:
        if generation == self._generation:
            self._release_paint()
            self.fetching = None
            self.refresh()
            self.post_message(self.Loaded(self, op, str(exc) or type(exc).__name__))

    def _apply(self, op: str, generation: int, fetched: list[T], size: int) -> None:
        if generation != self._generation:
            return  # a newer first/last/reload superseded this fetch
        self.fetching = None
        self.fetches += 1
        full = len(fetched) >= size
        if op == "first" or (op == "reload" and not self.rows):
            self.rows, self.has_before, self.has_after = fetched, False, full
            self._set_rows_view(cursor=0, top=0)
        elif op == "last":
            self.rows, self.has_before, self.has_after = fetched, full, False
            self._set_rows_view(cursor=len(fetched) - 1, top=len(fetched))
        elif op == "after":
            self._append(fetched, full)
        elif op == "before":
            self._prepend(fetched, full)
        else:
            self._replace(fetched, full)
        self._release_paint()
        self.post_message(self.Loaded(self, op))
        self._maybe_extend()

    def _append(self, fetched: list[T], full: bool) -> None:
        """Add rows at the end; drop rows from the start, but never within a page above the view."""
        self.has_after = full
        rows = self.rows + fetched
        top = round(self.scroll_y)
        drop = max(0, min(len(rows) - self.max_rows, top - self.page_size))
        if drop:
            self.has_before = True
        self.rows = rows[drop:]
        self._set_rows_view(cursor=self.cursor - drop, top=top - drop)

    def _prepend(self, fetched: list[T], full: bool) -> None:
        """Add rows at the start; drop rows from the end, but never within a page below the view."""
        self.has_before = full
        rows = fetched + self.rows
        top = round(self.scroll_y) + len(fetched)
        keep = top + self._body_height() + self.page_size
        drop = max(0, min(len(rows) - self.max_rows, len(rows) - keep))
        if drop:
            self.has_after = True
            rows = rows[: len(rows) - drop]
        self.rows = rows
        self._set_rows_view(cursor=self.cursor + len(fetched), top=top)

    def _replace(self, fetched: list[T], full: bool) -> None:
        held = self.current
        top = round(self.scroll_y)
        cursor = self.cursor
        if held is not None:
            wanted = self.key(held)
            for i, row in enumerate(fetched):
                if self.key(row) == wanted:
                    top += i - cursor
                    cursor = i
                    break
        self.rows = fetched
        self.has_after = full
        for k in list(self.selected):  # keep selected rows current (status may have changed)
            for row in fetched:
                if self.key(row) == k:
                    self.selected[k] = row
        self._set_rows_view(cursor=cursor, top=top)

    def _set_rows_view(self, cursor: int, top: int) -> None:
        self._set_virtual_size()
        self.scroll_to(y=max(0, top), animate=False, immediate=True)
        self.cursor = max(0, min(cursor, len(self.rows) - 1))
        self.refresh()

    def _set_virtual_size(self) -> None:
        """The rows' height (and the header's) as the scrollable size, and the scrollbar that goes with it.

        A scrollbar would only measure the window, not the list: it shows only when the window is the whole list and
        longer than the view (its size is 0 otherwise, shown or not, so that it seldom changes). Widget.virtual_size
        lays out the whole screen when it changes (a repaint of everything: 7 ms at 120x40), and each new page with
        another number of rows changed it; here (virtual_size below) only the scrollbar and the scroll limits follow,
        as a layout would update them, and the screen is laid out only when the scrollbar appears or goes."""
        whole = not (self.has_before or self.has_after)
        bar = 1 if whole and len(self.rows) > self._body_height() else 0
        if self.styles.scrollbar_size_vertical != bar:
            self.styles.scrollbar_size_vertical = bar  # Textual lays the screen out for this one
        shown = self.show_vertical_scrollbar
        self.virtual_size = size = Size(self.scrollable_content_region.width, len(self.rows) + 1)
        self._scroll_update(size)
        if self.show_vertical_scrollbar != shown:
            self.refresh(layout=True)

    def _maybe_extend(self) -> None:
        if self.fetching or not self.rows:
            return
        margin = max(5, self.page_size // 4)
        visible_end = round(self.scroll_y) + self._body_height()
        if self.has_after and len(self.rows) - 1 - max(self.cursor, visible_end) < margin:
            self.load("after")
        elif self.has_before and min(self.cursor, round(self.scroll_y)) < margin:
            self.load("before")

    def set_columns(self, columns: Sequence[Column]) -> None:
        """New columns (e.g. a sort arrow moved to another header): repaints the header line only, and nothing when
        they are the same, so that a new search does not repaint the rows it is about to replace."""
        columns = list(columns)
        if columns != self.columns:
            self.columns = columns
            self.refresh(Region(0, 0, self.size.width, 1))

    # ----- cursor and selection ---------------------------------------------------------------------------

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _refresh_rows(self, *indexes: int) -> None:
        """Repaint the lines of these rows (those on screen) and nothing else: a line costs as much as any other."""
        top = round(self.scroll_y)
        for index in indexes:
            y = index - top + 1  # under the header
            if 1 <= y <= self._body_height():
                self.refresh(Region(0, y, self.size.width, 1))

    def watch_cursor(self, old: int, new: int) -> None:
        body = self._body_height()
        top = round(self.scroll_y)
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + body:
            self.scroll_to(y=new - body + 1, animate=False, immediate=True)
        if round(self.scroll_y) == top:
            self._refresh_rows(old, new)  # the cursor moved on the page: two lines change
        else:
            self.refresh()
        self.post_message(self.Highlighted(self, self.current))
        self._maybe_extend()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if round(old) != round(new):
            self._maybe_extend()

    def move(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_cursor_up(self) -> None:
        self.move(-1)

    def action_cursor_down(self) -> None:
        self.move(1)

    def action_page_up(self) -> None:
        self.move(-self._body_height())

    def action_page_down(self) -> None:
        self.move(self._body_height())

    def action_first(self) -> None:
        if self.has_before:
            self.load("first")
        else:
            self.cursor = 0

    def action_last(self) -> None:
        if self.has_after:
            self.load("last")
        elif self.rows:
            self.cursor = len(self.rows) - 1

    def action_toggle_select(self) -> None:
        row = self.current
        if row is None or not self.selectable:
            return
        k = self.key(row)
        if k in self.selected:
            del self.selected[k]
        else:
            self.selected[k] = row
        self.refresh()
        self.post_message(self.SelectionChanged(self, len(self.selected)))
        self.move(1)

    def clear_selection(self) -> None:
        self.selected.clear()
        self.refresh()
        self.post_message(self.SelectionChanged(self, 0))

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Opened(self, row))

    def on_click(self, event: events.Click) -> None:
        index = round(self.scroll_y) + event.y - 1
        if event.y >= 1 and 0 <= index < len(self.rows):
            self.cursor = index
            if event.chain >= 2:
                self.action_open()

    # ----- rendering --------------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._set_virtual_size()
        self._widths = []
        self.refresh()

    def _column_widths(self, width: int) -> list[int]:
        if not self._widths or self._laid_out_for != (width, tuple(self.columns)):
            self._widths = layout_columns(self.columns, width - 2)
            self._laid_out_for = (width, tuple(self.columns))
        return self._widths

    def _line(self, cells: Sequence[Text | object], width: int, marker: str, style: Style) -> Strip:
        """The marker, then each cell cut to its column's width ("…" where it is cut) and padded, in `style` under the
        cells' own styles: the segments Rich renders from that line as one Text, built a cell at a time."""
        console = self.app.console
        segments = [Segment(marker, style)]
        first = True
        for cell, w in zip(cells, self._column_widths(width), strict=False):
            if not w:
                continue  # a column that gave way to narrower widths
            if not first:
                segments.append(Segment(" ", style))
            first = False
            segments.extend(_cell_segments(cell if isinstance(cell, Text) else Text(str(cell)), w, style, console))
        # one segment per run of a style, as Rich renders a line: each segment is a style change on the wire
        return Strip(Segment.simplify(segments)).adjust_cell_length(width, style)

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text.stylize_before(style)  # under the text's own styles, as Strip.apply_style would, in the same pass
        return Strip(text.render(self.app.console)).adjust_cell_length(width, style)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of one paint, which read the widget's styles once (see _style), not once a line."""
        self._paint_styles = {}
        try:
            return super().render_lines(crop)
        finally:
            self._paint_styles = None

    def _style(self, *components: str) -> Style:
        """The widget's style with these component classes' on top (cached for the paint under way)."""
        cached = None if self._paint_styles is None else self._paint_styles.get(components)
        if cached is not None:
            return cached
        style = self.rich_style
        for name in components:
            style = style + self.get_component_rich_style(name)
        if self._paint_styles is not None:
            self._paint_styles[components] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._line([Text(c.label) for c in self.columns], width, "  ", self._style("virtual-list--header"))
        index = round(self.scroll_y) + y - 1
        if not self.rows:
            if y == 1:
                message = "Loading…" if self.fetching else self.empty_text
                return self._strip(Text("  " + message), width, self._style("virtual-list--empty"))
            return Strip([Segment(" " * width, self._style())], width)
        if index >= len(self.rows):
            if index == len(self.rows) and (self.has_after or self.fetching == "after"):
                return self._strip(Text("  Loading more…"), width, self._style("virtual-list--empty"))
            return Strip([Segment(" " * width, self._style())], width)
        row = self.rows[index]
        chosen = self.all_selected or self.key(row) in self.selected
        here = index == self.cursor
        # The cursor reads without colour (NO_COLOR, a monochrome terminal): a solid arrow when the list has
        # focus, a hollow one when it does not, and reverse video on the focused row.
        marker = ("✓" if chosen else " ") + (("▶" if self.has_focus else "▷") if here else " ")
        components = ["virtual-list--selected"] if chosen else []
        if here:
            components.append("virtual-list--cursor" if self.has_focus else "virtual-list--cursor-blurred")
        style = self._style(*components)
        if here and self.has_focus and self.app.no_color:
            style = style + REVERSE  # without colour, the cursor's background would vanish
        return self._line(self.render_row(row), width, marker, style)


def _cell_segments(cell: Text, width: int, style: Style, console: Console) -> list[Segment]:
    """One cell of a line, cut or padded to `width`, as Rich renders it inside a line styled `style` (Text.truncate
    with an ellipsis and padding, then Text.render). A cell in one style, the usual case, is one segment."""
    if cell.spans:  # styled parts: Rich composes them
        part = cell.copy()
        part.truncate(width, overflow="ellipsis", pad=True)
        line = Text(end="")
        line.append_text(part)
        line.stylize_before(style)
        return list(line.render(console))
    text = cell.plain
    length = cell_len(text)
    if length > width:
        text = set_cell_size(text, width - 1) + "…"
    elif length < width:
        text += " " * (width - length)
    own = console.get_style(cell.style, default=NULL_STYLE) if isinstance(cell.style, str) else cell.style
    return [Segment(text, style + own)]
