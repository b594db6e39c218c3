"""store.account_view: one account read in one session, the same as the separate reads it replaces."""

from __future__ import annotations

import pytest

from store import access, account_view, custom, identities, mfa, sessions, users
from store.errors import NotFound


def test_read_account_matches_the_separate_reads(db, actor):
    from tests.admin.detail_seed import ALICE_UID, seed

    seed(db)
    snap = account_view.read_account(db, ALICE_UID)
    user = users.get_user(db, ALICE_UID)
    assert snap.user.uid == user.uid and snap.user.version == user.version
    assert snap.now == db.now()
    assert snap.recovery_codes_left == mfa.recovery_codes_left(db, user.id)
    assert snap.groups == access.user_groups(db, user.id)
    assert [(v.field.key, v.value) for v in snap.custom] == [
        (v.field.key, v.value) for v in custom.user_values(db, user.id)
    ]
    assert [i.id for i in snap.identities] == [i.id for i in identities.list_identities(db, user.id)]
    assert snap.live_sessions == len(sessions.list_sessions(db, user.id)) > 0


def test_read_account_of_a_missing_user_is_not_found(db):
    with pytest.raises(NotFound):
        account_view.read_account(db, "nobody-here")


def test_read_account_uses_one_session(db, monkeypatch):
    from tests.admin.detail_seed import ALICE_UID, seed

    seed(db)
    opened = []
    real = type(db).read

    def counting(self):
        opened.append(1)
        return real(self)

    monkeypatch.setattr(type(db), "read", counting)
    account_view.read_account(db, ALICE_UID)
    assert len(opened) == 1
