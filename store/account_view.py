"""One account as the admin console's account screen shows it, read in one session.

Opening an account used to cost six store calls, each with its own session (and, on SQLite, its own read
transaction): the user, recovery codes left, groups, custom values, identities and live sessions. Here they are
read together in one session, so the screen gets one consistent view for one connection checkout. Each part
reuses its module's session-level query (`mfa.count_recovery_codes`, `access.group_names`,
`custom.field_values`, `identities.linked`, `sessions.count_live`), so there is one definition of each.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import access, custom, identities, mfa, sessions
from .custom import FieldValue
from .db import Database
from .models import Identity, User
from .users import require_user


@dataclass(frozen=True)
class AccountSnapshot:
    """Everything the record-based tabs show about one user, read together."""

    user: User
    now: int
    recovery_codes_left: int
    groups: list[str]
    custom: list[FieldValue]
    identities: list[Identity]
    live_sessions: int


def read_account(db: Database, ref: str) -> AccountSnapshot:
    """The user `ref` (uid, username, email or phone, as `users.get_user`) and what hangs off it, in one session.

    Raises NotFound when there is no such user (deleted meanwhile)."""
    now = db.now()
    with db.read() as s:
        user = require_user(s, ref)
        user_id = user.id
        assert user_id is not None  # a stored user always has its row id
        return AccountSnapshot(
            user=user,
            now=now,
            recovery_codes_left=mfa.count_recovery_codes(s, user_id),
            groups=access.group_names(s, user_id),
            custom=custom.field_values(s, user_id),
            identities=identities.linked(s, user_id),
            live_sessions=sessions.count_live(db, s, user_id, now),
        )
