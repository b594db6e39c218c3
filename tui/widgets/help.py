"""F1 help generated from the bindings in force: the app's, the screen's and its widgets'. Both consoles use it.

Generic on purpose (no console imports): any Textual screen gets a help page for free. A screen may set
`HELP_TITLE` and `HELP` (a short intro, plain text; an instance's `help_notes` is added to it) and widgets may set `HELP_GROUP` (a heading; it also
makes their bindings listed when they are not focused). A binding's `tooltip` is its help line.
`collect_bindings` is the binding metadata the command palette (`tui.widgets.commands`) reads too, so
the keys, the help and the palette can never disagree.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

from rich.table import Table
from rich.text import Text
from textual.actions import ActionError
from textual.actions import parse as parse_action
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from .footer import Footer

GLOBAL_GROUP = "Everywhere"
PRETTY = {"command_palette": "Command palette: search every action", "app.command_palette": "Command palette"}


@dataclass
class HelpEntry:
    """One action reachable by key: its keys, what it does, and where it is bound."""

    group: str
    title: str  # the binding's own (footer) text
    description: str  # what it does: the tooltip, else the title
    action: str
    node: DOMNode
    keys: list[str] = field(default_factory=list)
    enabled: bool = True

    @property
    def key_text(self) -> str:
        return ", ".join(self.keys)


def _title(text: str) -> str:
    words = "".join(f" {c}" if c.isupper() else c for c in text).strip()
    return words[:1].upper() + words[1:].lower()


def group_of(node: DOMNode) -> str:
    """Heading for a node's bindings: HELP_GROUP, else the screen title, else the class name."""
    if isinstance(node, App):
        return GLOBAL_GROUP
    explicit = getattr(node, "HELP_GROUP", None)
    if explicit:
        return str(explicit)
    if isinstance(node, Screen):
        return str(getattr(node, "HELP_TITLE", None) or node.title or _title(type(node).__name__))
    return _title(type(node).__name__)


def _state(node: DOMNode, action: str) -> bool | None:
    """False hides the action (check_action said so, given the action's parameters); None shows it disabled."""
    try:
        namespace, name, parameters = parse_action(action)
    except ActionError:
        return True
    target = node
    if namespace == "app":
        target = node.app
    elif namespace == "screen" and not isinstance(node, App):
        target = node.screen
    return target.check_action(name, parameters)


def _nodes(screen: Screen) -> list[tuple[DOMNode, bool]]:
    """(node, include hidden bindings?) from most specific to least: focus chain, opted-in widgets, screen, app."""
    nodes: list[tuple[DOMNode, bool]] = []
    seen: set[int] = set()

    def add(node: DOMNode, hidden_too: bool) -> None:
        if id(node) not in seen:
            seen.add(id(node))
            nodes.append((node, hidden_too))

    focused = screen.focused
    chain: list[DOMNode] = []
    node: DOMNode | None = focused
    while node is not None and node is not screen and not isinstance(node, App):
        chain.append(node)
        node = node.parent
    for widget in chain:
        add(widget, bool(getattr(widget, "HELP_GROUP", None)))
    for widget in screen.walk_children(Widget):
        if getattr(widget, "HELP_GROUP", None) and widget.display:
            add(widget, True)
    add(screen, True)
    add(screen.app, True)
    return nodes


def collect_bindings(screen: Screen) -> list[HelpEntry]:
    """Every described action reachable from `screen`, one entry per action with all of its keys."""
    entries: dict[tuple[int, str], HelpEntry] = {}
    taken: set[str] = set()
    app = screen.app
    for node, hidden_too in _nodes(screen):
        for key, binding in node._bindings:
            if not isinstance(binding, Binding) or binding.system or not binding.description:
                continue
            if not hidden_too and not binding.show:
                continue
            if key in taken and not binding.priority:
                continue  # shadowed by a more specific binding
            state = _state(node, binding.action)
            if state is False:
                continue
            taken.add(key)
            entry = entries.get((id(node), binding.action))
            if entry is None:
                description = PRETTY.get(binding.action) or binding.tooltip or binding.description
                entry = entries[(id(node), binding.action)] = HelpEntry(
                    group_of(node), binding.description, description, binding.action, node, enabled=state is not None
                )
            display = app.get_key_display(binding)
            if re.fullmatch(r"f\d{1,2}", display):
                display = display.upper()
            if display not in entry.keys:
                entry.keys.append(display)
    return list(entries.values())


def intro_of(screen: Screen) -> str:
    """The screen's HELP (or its own docstring); single line breaks are re-flowed, blank lines and '- ' kept."""
    text = getattr(screen, "HELP", "") or type(screen).__dict__.get("__doc__") or ""
    notes = getattr(screen, "help_notes", "")  # known only at run time (the demo directory's sign-in facts)
    text = f"{inspect.cleandoc(text)}\n\n{notes}" if notes else text
    if not text:
        return ""
    return re.sub(r"(?<!\n)\n(?![\n-])", " ", inspect.cleandoc(text))


def render_help(screen: Screen) -> Table:
    """A table of the screen's keys, grouped under headings (rendered literally, never as markup)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", no_wrap=True)
    table.add_column()
    groups: dict[str, list[HelpEntry]] = {}
    for entry in collect_bindings(screen):
        groups.setdefault(entry.group, []).append(entry)
    order = sorted(groups, key=lambda g: (g == GLOBAL_GROUP, 0))
    for i, group in enumerate(order):
        if i:
            table.add_row("", "")
        table.add_row(Text(""), Text(group, style="bold underline"))
        for entry in groups[group]:
            desc = Text(entry.description, style="" if entry.enabled else "dim")
            if not entry.enabled:
                desc.append(" (not available now)", style="dim italic")
            table.add_row(Text(entry.key_text), desc)
    return table


class HelpScreen(Screen[None]):
    """Keys and actions of the screen it was opened over. Esc, q or F1 closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center top; }
    HelpScreen #help-body { width: 100%; max-width: 100; height: 1fr; padding: 0 1; }
    HelpScreen #help-title { text-style: bold; padding: 1 0 0 0; }
    HelpScreen #help-intro { padding: 1 0; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close help"),
        Binding("q", "close", "Close help", show=False),
        Binding("f1", "close", "Close help", show=False),
    ]
    HELP = "Keys for the screen you came from. Every action here is also in the command palette (ctrl+p)."

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text(f"Help: {group_of(self.target)}"), id="help-title")
            intro = intro_of(self.target)
            if intro:
                yield Static(Text(intro), id="help-intro")
            yield Static(render_help(self.target), id="help-keys")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)


def show_help(app: App) -> None:
    """Open help for the current screen (or close it when help is already showing)."""
    if isinstance(app.screen, HelpScreen):
        app.screen.dismiss(None)
        return
    app.push_screen(HelpScreen(app.screen))
