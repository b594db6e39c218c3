"""A QR code drawn in the terminal with half-block characters (two modules per character cell).

Dark modules are drawn in black on a white background whatever the theme, so phone cameras see
a normal dark-on-light code with a light quiet zone.
"""

from __future__ import annotations

import segno
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

# (top module dark, bottom module dark) -> character drawn in the foreground colour (black)
HALF_BLOCKS = {(False, False): " ", (True, False): "\u2580", (False, True): "\u2584", (True, True): "\u2588"}
QR_STYLE = "#000000 on #ffffff"


def qr_matrix(data: str, border: int = 2) -> list[list[bool]]:
    """Rows of modules (True = dark), quiet zone included. Error level L keeps the code small."""
    code = segno.make_qr(data, error="l", boost_error=False)
    return [[bool(m) for m in row] for row in code.matrix_iter(scale=1, border=border)]


def qr_lines(data: str, border: int = 2) -> list[str]:
    """The code as text lines: each character cell holds two rows of modules."""
    matrix = qr_matrix(data, border)
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    return [
        "".join(HALF_BLOCKS[(top, bottom)] for top, bottom in zip(matrix[y], matrix[y + 1], strict=False))
        for y in range(0, len(matrix), 2)
    ]


def lines_to_matrix(lines: list[str]) -> list[list[bool]]:
    """Rebuild the module matrix from drawn lines (the inverse of qr_lines; used to check the drawing)."""
    reverse = {char: pair for pair, char in HALF_BLOCKS.items()}
    matrix: list[list[bool]] = []
    for line in lines:
        pairs = [reverse[c] for c in line]
        matrix.append([top for top, _ in pairs])
        matrix.append([bottom for _, bottom in pairs])
    return matrix


class QrCode(Widget):
    """Shows `data` as a QR code; sized to the code (width = modules, height = modules / 2)."""

    DEFAULT_CSS = """
    QrCode { width: auto; height: auto; }
    """

    def __init__(self, data: str, *, border: int = 2, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data = data
        self.lines = qr_lines(data, border)

    def render(self) -> Text:
        return Text("\n".join(self.lines), style=QR_STYLE, no_wrap=True, end="")

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(self.lines[0]) if self.lines else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines)
