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

It also recomposes only when the keys to show changed (issue 15): Textual announces every focus change twice (when
it happens and again after the next refresh), and rebuilding a footer's worth of keys cost as much CPU as painting
a page of the directory, right when '/' is followed by the search term.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter

WATCHERS = "__watchers"  # where textual.reactive keeps the watchers registered on an object


class Footer(TextualFooter):
    """textual.widgets.Footer whose recomposes do not keep the keys they replaced."""

    _composed_for: Hashable = None  # what the keys shown were composed from (see recompose)

    def compose(self) -> ComposeResult:
        self.forget_closed_watchers()
        yield from super().compose()

    async def recompose(self) -> None:
        """Rebuild the keys, unless they would be the same ones."""
        shown = self.keys_to_show()
        if shown is not None and shown == self._composed_for:
            return
        self._composed_for = shown
        await super().recompose()

    def keys_to_show(self) -> Hashable:
        """Everything compose reads to build the keys (None until the screen's bindings are known)."""
        if not self._bindings_ready or not self.is_attached:
            return None
        keys = tuple(
            (b.key, self.app.get_key_display(b), b.description, b.action, b.group, enabled, tooltip)
            for _node, b, enabled, tooltip in self.screen.active_bindings.values()
            if b.show or b.key == self.app.COMMAND_PALETTE_BINDING
        )
        return keys, self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE

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
