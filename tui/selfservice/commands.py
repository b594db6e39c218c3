"""The command palette of the self-service console: exactly the actions of the current screen.

Commands are taken from the key bindings active on the screen the palette was opened from (the
console's own screen and app bindings, not the inner keys of text inputs), so the palette can never
reach more than the keys can: signed out, that is sign-in, forgot password, help and quit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen

SKIP_ACTIONS = frozenset({"command_palette", "help_quit"})


@dataclass(frozen=True)
class ScreenAction:
    key: str  # as displayed, e.g. "^s" or "f2"
    description: str
    help: str
    node: DOMNode  # where the binding is defined (a screen or the app)
    action: str
    shown_in_footer: bool

    async def run(self) -> None:
        await self.node.run_action(self.action)

    @property
    def order(self) -> tuple[bool, bool]:
        """This screen's own actions first, then going elsewhere, then the app's (help, quit)."""
        return isinstance(self.node, App), self.action.startswith("app.")


def screen_actions(screen: Screen) -> list[ScreenAction]:
    """The actions a user can take on `screen` by key: one entry per action."""
    app = screen.app
    seen: set[tuple[int, str]] = set()
    actions: list[ScreenAction] = []
    for active in screen.active_bindings.values():
        node, binding = active.node, active.binding
        # Only the console's own bindings (they all have an id), not Textual's focus/copy keys.
        if not isinstance(node, (Screen, App)) or binding.system or not binding.description or not binding.id:
            continue
        if binding.action in SKIP_ACTIONS or not active.enabled or (id(node), binding.action) in seen:
            continue
        seen.add((id(node), binding.action))
        actions.append(
            ScreenAction(
                key=app.get_key_display(binding),
                description=binding.description,
                help=binding.tooltip or binding.description,
                node=node,
                action=binding.action,
                shown_in_footer=binding.show,
            )
        )
    return sorted(actions, key=lambda a: a.order)


class SelfServiceCommands(Provider):
    """Palette entries for the current screen's actions."""

    def _actions(self) -> Iterator[ScreenAction]:
        yield from screen_actions(self.screen)

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(action.description, action.run, help=f"{action.key}  {action.help}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._actions():
            score = max(matcher.match(action.description), matcher.match(action.help) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(action.description), action.run, help=f"{action.key}  {action.help}")
