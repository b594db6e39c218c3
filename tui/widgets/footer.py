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

It also recomposes only when the keys it would show differ from the ones shown (issue 15): the screen
announces a bindings change on every focus move, tab switch and return to the screen, and most leave the
keys as they were; rebuilding them anyway cost a mount, a restyle and a layout of the whole screen each time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter

if TYPE_CHECKING:
    from textual.screen import Screen

WATCHERS = "__watchers"  # where textual.reactive keeps the watchers registered on an object


class Footer(TextualFooter):
    """textual.widgets.Footer whose recomposes do not keep the keys they replaced."""

    _shown: tuple[object, ...] | None = None  # the keys of the last compose (see `shown_keys`)

    def compose(self) -> ComposeResult:
        self.forget_closed_watchers()
        self._shown = self.shown_keys() if self._bindings_ready else None
        yield from super().compose()

    def shown_keys(self) -> tuple[object, ...]:
        """What a compose would show: each shown binding's key, label, action, state and tooltip (and the
        command palette's key, shown apart)."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding.key_display, binding.description, binding.action, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == palette
        )

    def bindings_changed(self, screen: Screen) -> None:
        """Textual's, except that the recompose happens only when the keys shown would change."""
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if self.is_attached and self.shown_keys() != self._shown:
            await self.recompose()

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
