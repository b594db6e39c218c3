"""The baseline for cold start: a bare Textual app that paints one line and a footer."""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Static

MARKER = "bare textual app ready"


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(MARKER)
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
