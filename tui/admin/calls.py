"""Store calls from admin screens: `run_store` plus the actor every change is recorded under."""

from __future__ import annotations

from store import Actor

from ..common.host import audited_host
from ..common.store_calls import StoreCalls


class AdminCalls(StoreCalls):
    """Mixin for admin screens, dialogs and tabs."""

    @property
    def actor(self) -> Actor:
        return audited_host(self).actor
