"""VirtualList draws each line cell by cell (segments) instead of composing one Rich Text per line: the same
text in the same styles as Rich renders from that line (adjacent segments of one style merged, as Rich merges a
line's unstyled parts), for every kind of cell (plain, styled, with styled parts, wide characters,
cut, padded, exact), at every column width."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tui.widgets.virtual_list import Column, VirtualList, layout_columns

NULL = Style.null()
CONSOLE = Console(width=200, color_system="truecolor")

CELLS: list[object] = [
    Text("alice"),
    Text("a-name-much-longer-than-its-column"),
    Text("exactly-twelve"[:12]),
    Text(""),
    Text("-", style="dim"),
    Text("on", style="green"),
    Text("locked", style="bold yellow"),
    Text("styled", style=Style(color="red", italic=True)),
    Text.assemble(("part", "bold"), " and ", ("part", "underline")),
    Text("漢字のユーザー名前漢字"),
    Text("a漢b字c"),
    Text("emoji 👩‍💻 dev"),
    Text("e\u0301clair"),
    Text("\\x1b[31mred"),
    42,
    None,
]


def shown(strip: Strip) -> list[tuple[str, Style | None]]:
    """What the terminal shows: the text in each style, adjacent segments of one style merged (no style and the
    null style are the same thing)."""
    return [(segment.text, segment.style or NULL) for segment in Segment.simplify(strip)]


def rich_line(cells, widths, marker, style) -> Strip:
    """How the line was drawn before: one Text, truncated per cell, rendered by Rich."""
    line = Text(marker, no_wrap=True, end="")
    first = True
    for cell, w in zip(cells, widths, strict=False):
        if not w:
            continue
        if not first:
            line.append(" ")
        first = False
        part = cell.copy() if isinstance(cell, Text) else Text(str(cell))
        part.no_wrap = True
        part.truncate(w, overflow="ellipsis", pad=True)
        line.append_text(part)
    width = sum(widths) + 2 + max(0, len([w for w in widths if w]) - 1)
    line.stylize_before(style)
    return Strip(line.render(CONSOLE)).adjust_cell_length(width, style)


def cell_line(cells, widths, marker, style) -> Strip:
    """VirtualList._line, on a list whose columns have these widths."""
    width = sum(widths) + 2 + max(0, len([w for w in widths if w]) - 1)
    lst = SimpleNamespace(app=SimpleNamespace(console=CONSOLE), _column_widths=lambda _width: widths)
    return VirtualList._line(lst, cells, width, marker, style)  # type: ignore[arg-type]


def test_each_cell_alone_at_every_width_renders_as_rich_would():
    styles = [Style.null(), Style(bgcolor="blue", bold=True), Style(reverse=True), Style(color="grey50", dim=True)]
    for cell, width, style in itertools.product(CELLS, range(1, 40), styles):
        expected = rich_line([cell], [width], "▶ ", style)
        got = cell_line([cell], [width], "▶ ", style)
        assert shown(got) == shown(expected), (cell, width, style)
        assert len(list(got)) == len(shown(got))  # one segment per run of a style: no needless style changes
        assert got.cell_length == expected.cell_length


def test_whole_lines_with_columns_that_give_way_render_as_rich_would():
    columns = [
        Column("username", "Username", 12, weight=4, min_width=12, priority=1),
        Column("name", "Name", 14, weight=3, min_width=14, priority=1),
        Column("email", "Email", 24, weight=4, min_width=24, priority=1),
        Column("phone", "Phone", 16, priority=3),
        Column("status", "Status", 8, priority=1),
    ]
    for total in (60, 80, 99, 120, 200):
        widths = layout_columns(columns, total - 2)
        for cells in itertools.combinations(CELLS[:10], 5):  # (each cell alone, wide ones too: the test above)
            assert shown(cell_line(cells, widths, "✓▷", Style(bold=True))) == shown(
                rich_line(cells, widths, "✓▷", Style(bold=True))
            )
