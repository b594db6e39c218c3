"""Shared pieces of the self-service screens: store calls (tui.common's, with a busy guard), the message
line, and the signed-in frame (title bar, section list, footer)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input, Static

from store.selfservice import Me, SessionEnded

from ..common.store_calls import StoreCalls, error_text
from ..text import literal
from ..widgets.footer import Footer

if TYPE_CHECKING:
    from .app import SelfServiceApp


# Signed-in sections: (id, key, label, help line)
SECTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("profile", "f2", "Profile", "Your profile: see your details and edit the ones you may change"),
    ("password", "f3", "Password", "Change your password (your current password is needed)"),
    ("mfa", "f4", "Two-step", "Authenticator app (TOTP) and recovery codes"),
    ("contacts", "f5", "Email & phone", "Change or verify your email address and phone number"),
    ("history", "f6", "Sign-ins", "Your sign-in history: when, from where, and whether it worked"),
    ("sessions", "f7", "Sessions", "Where you are signed in; sign out other sessions"),
    ("apps", "f8", "Apps & links", "Linked identities and the apps you may use"),
)


class SelfServiceCalls(StoreCalls):
    """Mixin for self-service screens: `call_store` (one call at a time, "Working…" on the message line),
    errors on the message line in words for end users, and a revoked or expired session signs out."""

    _busy: bool = False
    _message_kind: str = ""

    @property
    def ss_app(self) -> SelfServiceApp:
        return cast("SelfServiceApp", self.app)

    @property
    def me(self) -> Me:
        me = self.ss_app.me
        if me is None:
            raise SessionEnded()
        return me

    def call_store(
        self,
        fn: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], Any] | None = None,
        failed: Callable[[BaseException], Any] | None = None,
        busy: str = "Working\u2026",
        **kwargs: Any,
    ) -> bool:
        """Start fn(*args, **kwargs) with `run_store`; returns False (and does nothing) while a call is running."""
        if self._busy:
            return False
        self._busy = True
        if busy:
            self.show_message(busy, "busy")
        self.run_store(
            partial(fn, *args, **kwargs), self._settled(done), failed=self._settled(failed or self.show_error)
        )
        return True

    def _settled(self, callback: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
        """The call is over: clear the busy state and its message, then run `callback`."""

        def handler(value: Any) -> Any:
            self._busy = False
            if self._message_kind == "busy":
                self.show_message("")
            return callback(value) if callback is not None else None

        return handler

    def session_ended(self) -> None:
        self._busy = False
        self.ss_app.session_ended()

    def ui_failed(self, exc: Exception) -> None:
        self.ss_app.ui_errors.append(exc)  # tests assert there are none
        self.app.log.error(f"self-service screen error: {exc!r}")
        self.show_error(exc)

    def submitted_password(self, event: Input.Submitted, then: Callable[[], object]) -> None:
        """Enter in #new moves on to #repeat; Enter anywhere else runs `then`."""
        event.stop()
        if event.input.id == "new":
            self.query_one("#repeat", Input).focus()
        else:
            then()

    def new_password(self) -> str | None:
        """The password typed in #new when #repeat matches it; else says so, focuses #repeat and returns None."""
        new = self.query_one("#new", Input).value
        if new != self.query_one("#repeat", Input).value:
            self.show_error("The two new passwords differ. Type the same password twice.")
            self.query_one("#repeat", Input).focus()
            return None
        return new

    def show_error(self, error: BaseException | str) -> None:
        self.show_message(error if isinstance(error, str) else error_text(error, detail=False), "error")

    def show_message(self, text: str, kind: str = "info") -> None:
        """The message line: user-facing text, rendered literally."""
        try:
            line = self.query_one("#message", Static)
        except NoMatches:
            return
        self._message_kind = kind if text else ""
        line.set_classes(kind)
        line.update(literal(text))


def message_line() -> Static:
    return Static("", id="message")


def field_row(label: str, widget: Widget, *, id: str | None = None) -> Horizontal:
    """A label on the left and a (compact) widget on the right."""
    return Horizontal(Static(label, classes="field-label", markup=False), widget, classes="field-row", id=id)


def reveal_inputs(screen: Screen, *ids: str) -> bool:
    """Toggle masking of password inputs; returns True when now shown."""
    inputs = [screen.query_one(f"#{i}", Input) for i in ids]
    shown = inputs[0].password
    for widget in inputs:
        widget.password = not shown
    return shown


class SelfServiceScreen(SelfServiceCalls, Screen):
    """A full screen of the self-service console."""


class SelfServiceModal(SelfServiceCalls, ModalScreen):
    """A dialog of the self-service console (app keys do not reach through a modal: list MODAL_HELP last)."""


MODAL_HELP = Binding("f1", "app.help", "Help", tooltip="Show the keys of this dialog and what each does", id="help")


class TitleBar(Static):
    """One line: the console's name and who is signed in."""


class SectionList(Static):
    """The signed-in sections and their keys (the footer has no room for them at 80 columns)."""

    def __init__(self, current: str) -> None:
        super().__init__(id="sections")
        self.current = current

    def render(self) -> Text:
        text = Text()
        for section, key, label, _help in SECTIONS:
            style = "reverse" if section == self.current else ""
            text.append(f" {key.upper():<4}", style=f"bold {style}")
            text.append(f"{label:<13}", style=style)
            text.append("\n")
        text.append("\n")
        for key, label in (("^o", "Sign out"), ("F1", "Help"), ("^p", "Commands"), ("^q", "Quit")):
            text.append(f" {key:<4}", style="bold")
            text.append(f"{label}\n")
        text.rstrip()
        return text


def account_bindings() -> list[Binding]:
    """Keys every signed-in section has: the sections (shown in the section list) and sign out.

    Each section lists them after its own keys (BINDINGS are merged base-first, and the footer keeps that
    order, so the section's actions come first)."""
    bindings = [
        Binding(
            key,
            f"app.show_section('{section}')",
            f"Go to {label}",
            tooltip=help_line,
            show=False,
            id=f"section-{section}",
        )
        for section, key, label, help_line in SECTIONS
    ]
    bindings.append(
        Binding("ctrl+o", "app.sign_out", "Sign out", tooltip="Sign out and end this session", id="sign-out")
    )
    return bindings


class AccountScreen(SelfServiceScreen):
    """A signed-in section: title bar, section list on the left, body, message line, footer."""

    SECTION = ""
    TITLE_TEXT = ""

    def _title(self) -> Text:
        me = self.ss_app.me
        title = Text("Userdesk self-service", style="bold")
        title.append("  \u00b7  ")
        title.append(literal(self.TITLE_TEXT))
        if me is not None:
            title.append("  \u00b7  signed in as ")
            title.append(literal(me.username or me.uid, "bold"))
        return title

    def refresh_title(self) -> None:
        self.query_one("#title", TitleBar).update(self._title())

    def compose(self) -> ComposeResult:
        yield TitleBar(self._title(), id="title")
        with Horizontal(id="frame"):
            yield SectionList(self.SECTION)
            with Vertical(id="body"):
                yield from self.compose_body()
                yield message_line()
        yield Footer(show_command_palette=False)  # the section list shows ^p; the footer needs the room

    def compose_body(self) -> Iterator[Widget]:
        yield from ()
