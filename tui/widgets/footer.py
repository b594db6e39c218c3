"""The footer every screen uses: Textual's Footer without its leak of removed keys.

Textual 8.2's `Footer.compose` binds each `FooterKey` to the footer with `.data_bind(compact=Footer.compact)`,
which registers a watcher `(key, setter)` in the footer's `__watchers["compact"]` list. The footer
recomposes whenever the screen's bindings change (every focus change, every tab switch, every return to the
screen), removing the old keys but never their watchers: Textual drops watchers of closed nodes only when the
watched reactive is set again, and `compact` never changes. Each recompose therefore keeps a footer's worth
of dead FooterKey widgets (with their styles and closures) alive for as long as the footer lives: for the
directory screen, the whole session (issue 8, item 24).

This subclass drops the watchers of closed nodes before each compose (the old keys are removed by then), the
same pruning Textual itself does when the reactive changes. Its CSS type is still `Footer`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter

WATCHERS = "__watchers"  # where textual.reactive keeps the watchers registered on an object


class Footer(TextualFooter):
    """textual.widgets.Footer whose recomposes do not keep the keys they replaced."""

    def compose(self) -> ComposeResult:
        self.forget_closed_watchers()
        yield from super().compose()

    def forget_closed_watchers(self) -> int:
        """Drop watchers registered on this footer by nodes that are closing or closed; returns how many."""
        dropped = 0
        watchers: dict[str, list[tuple[object, object]]] = getattr(self, WATCHERS, {})
        for entries in watchers.values():
            live = [entry for entry in entries if not _closed(entry[0])]
            dropped += len(entries) - len(live)
            entries[:] = live
        return dropped


def _closed(node: object) -> bool:
    return bool(getattr(node, "_closing", False) or getattr(node, "_closed", False))
