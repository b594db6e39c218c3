"""Baselines for the console figures: a bare Textual app that paints one line, a footer and an
input whose text it echoes (keystroke-to-screen floor, tmux polling included)."""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Input, Static

MARKER = "bare textual app ready"
ECHO = "echo: "


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(MARKER)
        yield Input(id="typed")
        yield Static(ECHO, id="echo")
        yield Footer()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#echo", Static).update(ECHO + event.value)


if __name__ == "__main__":
    BareApp().run()
