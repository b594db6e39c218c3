"""The demo notice (issue 13 item 10): only for a demo database, from what the directory holds; no new plain secret."""

from __future__ import annotations

from sqlmodel import select

from store import Actor, demo, demo_notice, mfa
from store.models import Meta


def test_a_plain_database_has_no_notice(db):
    assert demo_notice.read(db) is None


def test_the_notice_of_a_demo_database(db, config):
    summary = demo.build(db, users=50, seed=3, heavy_history=False)
    notice = demo_notice.read(db)
    assert notice is not None
    assert notice.users == 50 and notice.password == summary.password == demo.DEMO_PASSWORD
    assert notice.totp_secret == summary.totp_secret  # decrypted from demo.totp's record when asked
    text = "\n".join(notice.lines())
    assert f"the outbox folder {config.delivery.outbox()}" in text
    assert summary.totp_secret in text and "'demo.user'" in text
    with db.read() as s:  # nothing new stored in plain text: the meta note holds no credential
        note = s.exec(select(Meta.value).where(Meta.key == "demo")).one()
    assert summary.totp_secret not in note and demo.DEMO_PASSWORD not in note


def test_a_reset_totp_is_no_longer_shown(db):
    demo.build(db, users=50, seed=3, heavy_history=False)
    mfa.reset(db, Actor("admin"), "demo.totp", "test")
    notice = demo_notice.read(db)
    assert notice is not None and notice.totp_secret is None
    assert "'demo.totp' no longer has TOTP." in notice.lines()
