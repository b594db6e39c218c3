"""What every admin screen, dialog and tab shares: `run_store`, the acting admin, and the role gate.

The role gate lives here, in one `check_action`, because Textual and our widgets ask `check_action` for
everything they show or run (footer, F1 help, command palette, the key itself): an action the role may not
do (tui/admin/roles.py maps it to a store permission) is hidden everywhere at once. `check_action` is final;
a node that shows an action only in some states says so in `action_available` instead, so no subclass can
forget (or bypass) the gate.

Full screens of a console opened for a named admin also get the "Signed in as X · role" bar here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, final

from textual.screen import ModalScreen, Screen

from ..common.host import admin_host
from ..common.store_calls import StoreCalls
from .roles import WhoBar, may

if TYPE_CHECKING:
    from store import Actor


class AdminCalls(StoreCalls):
    """Mixin for admin screens, dialogs and tabs."""

    @property
    def actor(self) -> Actor:
        return admin_host(self).actor

    @final
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """False (hidden) when the role lacks the action's permission, else what `action_available` says."""
        if not may(self.actor, type(self).__name__, action, parameters):
            return False
        return self.action_available(action, parameters)

    def action_available(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """True: shown and enabled; None: shown disabled; False: hidden. Override for state-dependent keys."""
        return True

    def on_mount(self) -> None:
        """A full screen (not a dialog, not a tab) of a named admin's console shows who is signed in (not the
        sign-in gate: until it passes the actor has no role).

        Mounted rather than composed so that no screen's `compose` has to yield it; it docks at the top."""
        actor = self.actor
        if isinstance(self, Screen) and not isinstance(self, ModalScreen) and actor.kind == "admin" and actor.role:
            self.mount(WhoBar(actor), before=0 if self.children else None)
