"""Command palette entries for every key binding of the current screen, so each action has one automatically.

Generic (no console imports); both consoles use it. Add `BindingCommands` to an App's COMMANDS:

    COMMANDS = App.COMMANDS | {BindingCommands}   # or {BindingCommands} alone: only the screen's keys
"""

from __future__ import annotations

from functools import partial

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen

from .help import HelpEntry, collect_bindings

# Moving around is what keys are for; the palette lists actions.
NAVIGATION = frozenset(
    {
        "cursor_up",
        "cursor_down",
        "cursor_left",
        "cursor_right",
        "page_up",
        "page_down",
        "page_left",
        "page_right",
        "first",
        "last",
        "focus_next",
        "focus_previous",
        "copy_text",
        "scroll_up",
        "scroll_down",
        "scroll_left",
        "scroll_right",
        "scroll_home",
        "scroll_end",
        "scroll_top",
        "scroll_bottom",
        "command_palette",
        "app.command_palette",
    }
)


def split_description(text: str) -> tuple[str, str]:
    """(title, aside): a description's trailing parenthetical moves to the aside, e.g. 'Filter the list (status,
    group)' -> ('Filter the list', 'status, group'). Only a balanced group closing the text counts: a parenthesis
    inside the sentence ('Add the selected users (or the highlighted one) to a group') stays in the title."""
    text = text.strip()
    if not text.endswith(")"):
        return text, ""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            title = text[:i].rstrip()
            return (title, text[i + 1 : -1].strip()) if title else (text, "")
    return text, ""


def command_title(entry: HelpEntry) -> str:
    """The description without a trailing parenthetical (the help line keeps it)."""
    return split_description(entry.description)[0]


def command_help(entry: HelpEntry) -> str:
    extra = split_description(entry.description)[1]
    return f"{entry.group} · key: {entry.key_text}" + (f" · {extra}" if extra else "")


def palette_entries(screen: Screen) -> list[HelpEntry]:
    """What the palette offers on `screen`: exactly its enabled keys (never more than the keys reach), minus
    moving around. The screen's own actions first, then its widgets', then the app's.

    A screen may add entries that no key reaches from where it is now with a `palette_extras()` method (the
    account screen: the other tabs' actions, which switch to their tab); each is still run through the
    node's `check_action`, like a key."""
    entries = [e for e in collect_bindings(screen) if e.enabled and e.action.rpartition(".")[2] not in NAVIGATION]
    extras = getattr(screen, "palette_extras", None)
    if callable(extras):
        entries += [e for e in extras() if e.enabled]
    return sorted(entries, key=lambda e: 0 if isinstance(e.node, Screen) else 2 if isinstance(e.node, App) else 1)


class BindingCommands(Provider):
    """Offers each described binding of the screen (and its widgets and the app) as a palette command."""

    def _entries(self) -> list[HelpEntry]:
        return palette_entries(self.screen)

    async def _run(self, node: DOMNode, action: str) -> None:
        await self.app.run_action(action, node)

    def _callback(self, entry: HelpEntry):
        return partial(self._run, entry.node, entry.action)

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(command_title(entry), self._callback(entry), help=command_help(entry))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            title = command_title(entry)
            score = max(matcher.match(title), matcher.match(f"{title} {entry.group}") * 0.9)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._callback(entry), help=command_help(entry))
