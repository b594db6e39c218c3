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
a page of the directory, right when '/' is followed by the search term. And when they change it changes the keys
already mounted in place, hiding the ones not needed and mounting only keys it never had: Enter in the search box
moves the focus to the list while the search runs, and removing and mounting a footer's worth of keys (styles,
compose and mount events for each) took a main-thread CPU the search's results were waiting for. The new keys also
wait for the rest of a burst of input ('/' and a search term sent at once) and for new rows on their way
(tui/widgets/paint_hold.py): their layout is a repaint of the whole screen.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

from . import paint_hold
from .type_ahead import TypeAhead

BURST_WAIT = 0.02  # seconds between looks while a burst of input is still arriving (see recompose)

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
        if paint_hold.defer(self, self.recompose):  # new rows are on their way: after they are painted
            return
        if isinstance(self.app, TypeAhead) and self.app.input_waiting:  # the rest of a burst ('/' and a term) first
            self.set_timer(BURST_WAIT, self.recompose, name="footer after the burst")
            return
        self._composed_for = shown
        if shown is None or not self.is_attached or self._pruning or self._grouped():
            await super().recompose()
        else:
            await self._update_keys(list(self.compose()))

    def _grouped(self) -> bool:
        """Whether a binding shown belongs to a group (Textual composes groups into containers: rebuilt whole)."""
        return any(b.group is not None for _node, b, _enabled, _tip in self.screen.active_bindings.values())

    async def _update_keys(self, composed: list[Widget]) -> None:
        """Show the keys `composed` (never mounted) with the keys already mounted: changed in place, hidden when there
        are more than needed (kept for the next change: the search box shows fewer keys than the list), and only the
        keys missing mounted."""
        old_keys, old_palette = _split_palette([key for key in self.children if isinstance(key, FooterKey)])
        new_keys, new_palette = _split_palette([key for key in composed if isinstance(key, FooterKey)])
        async with self.batch():
            for index, shown in enumerate(old_keys):
                if index < len(new_keys):
                    _copy_key(new_keys[index], shown)
                shown.display = index < len(new_keys)
            if old_palette is not None:
                if new_palette is not None:
                    _copy_key(new_palette, old_palette)
                old_palette.display = new_palette is not None
            extra = new_keys[len(old_keys) :]
            if extra:
                await self.mount_all(extra, before=old_palette)
            if new_palette is not None and old_palette is None:
                await self.mount(new_palette)

    def shown_keys(self) -> list[FooterKey]:
        """The keys on screen, in order (without those hidden until keys are needed again)."""
        return [key for key in self.children if isinstance(key, FooterKey) and key.display]

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


def _split_palette(keys: list[FooterKey]) -> tuple[list[FooterKey], FooterKey | None]:
    """The plain keys, and the command palette's key (docked at the right) if there is one."""
    palette = [key for key in keys if key.has_class("-command-palette")]
    return [key for key in keys if not key.has_class("-command-palette")], (palette[0] if palette else None)


def _copy_key(source: FooterKey, target: FooterKey) -> None:
    """Make the key on screen `target` show and do what `source` (composed, never mounted) would."""
    target.key, target.key_display = source.key, source.key_display
    target.description, target.action = source.description, source.action
    target._disabled = source._disabled
    target.set_class(source._disabled, "-disabled")
    target.tooltip = source.tooltip
    target.refresh(layout=True)  # width: auto
