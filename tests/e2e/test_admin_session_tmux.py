"""End to end, issue 13's "done means": a whole admin session in the real `userdesk admin`, in tmux at 80x24, keyboard
only, then the store says every change persisted and was audited with the admin as actor.

The session: find alice by search and open her; correct her email, which removes her only second step (a code to
the verified email: her TOTP enrolment was never confirmed), so the console warns before saving and then offers the
fixes; take "mark the email verified" with a reason; reset her MFA, whose confirmation says what sign-in will
really ask of her (a code to the verified email, not "the password alone"); back in the directory, filter the
group "contractors", select all matching (`*`) and disable them in bulk with a reason (the preview counting the
one already disabled as unchanged).

Keys go in as an admin types them, each step waiting for its effect on screen (no fixed sleeps): fields are
reached with Tab while watching where the cursor goes (`Tmux.tab_to`), and an Esc is always followed by a wait for
its effect before the next key (a key right behind an Esc reads as alt+key). Skipped when tmux is not installed.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from store import Actor, Database, access, history, mfa, users
from store.audit import os_account
from store.models import AuditEntry
from tests.admin.directory_seed import ADMIN, seed

from .tmux import Tmux, target_of, userdesk_command

pytestmark = pytest.mark.e2e
CONTRACTORS = [f"user{i:02d}" for i in range(1, 11)]
NEW_EMAIL = "alice.martin@example.com"
SETUP = Actor("setup")


def prepare(db: Database) -> None:
    """The seeded directory, plus: alice signs in with her password and a code to her verified email (her TOTP
    enrolment was started, never confirmed); a group 'contractors' of ten active users and judy (disabled)."""
    seed(db)
    mfa.reset(db, SETUP, "alice", "setup: start over")
    mfa.enroll(db, SETUP, "alice")
    users.update_user(db, SETUP, "alice", {"email_verified": True}, allowed=("email_verified",))
    users.set_password(db, SETUP, "alice", "correct horse battery staple 7", must_change=False, reason="setup")
    access.create_group(db, ADMIN, "contractors", "Temporary staff")
    for username in ["judy", *CONTRACTORS]:
        access.add_member(db, ADMIN, "contractors", username)


def dialog_text(screen: str) -> str:
    """The text of the dialog on `screen` as one line: what is between its side borders, rows joined, so that an
    assertion does not depend on where the dialog wraps its sentences."""
    rows = [line[line.index("█") + 1 : line.rindex("█")] for line in screen.splitlines() if line.count("█") >= 2]
    return re.sub(r"\s+", " ", " ".join(rows)).strip()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_whole_admin_session_at_80x24_without_a_mouse(db, tmp_path, config):
    prepare(db)
    target = target_of(db)
    db.close()
    env = {
        "USERDESK_CONFIG_DIR": os.environ["USERDESK_CONFIG_DIR"],
        "USERDESK_DATA_DIR": os.environ["USERDESK_DATA_DIR"],
        "USERDESK_KEY_FILE": str(tmp_path / "test.key"),
        "TERM": "xterm-256color",
    }
    command = ["env", *(f"{k}={v}" for k, v in env.items()), *userdesk_command(target, "admin")]
    tmux = Tmux(tmp_path / "tmux.sock", "session")
    tmux.start(command, size=(80, 24))
    try:
        tmux.wait_for("40 users", "Username", "F1 Help")
        # find the user by search and open it
        tmux.keys("/")
        tmux.keys("alice", literal=True)
        tmux.wait_for("1 user match")
        tmux.keys("Enter")  # from the search box to the list
        tmux.keys("Enter")  # open the account
        tmux.wait_for_line(r"^ *Email +alice@example\.com")  # the form holds the record
        # correct the email: the console warns that it removes her last second step, then offers the fixes
        tmux.tab_to("Email")
        tmux.keys("End", "C-u")
        tmux.keys(NEW_EMAIL, literal=True)
        tmux.wait_for_line(rf"^ *Email +{re.escape(NEW_EMAIL)}")
        tmux.keys("C-s")
        screen = tmux.wait_for("Save, leaving alice no way to sign in?", "Save anyway")
        assert "This removes their last one (code to the verified email)" in dialog_text(screen)
        tmux.keys("y")
        tmux.wait_for("alice cannot finish signing in now", "Mark the email verified (with a reason)")
        tmux.keys("Enter")  # the first fix, focused
        screen = tmux.wait_for("Mark the email of alice verified?")
        assert f"{NEW_EMAIL} becomes a verified email" in dialog_text(screen)
        tmux.keys("called her back on the number on file", literal=True)
        tmux.keys("Enter")
        tmux.wait_for("Marked the email of alice verified.")
        tmux.wait_for_line(r"^ *Second step +code to verified email")  # on the Security tab, where the fix ran
        # reset MFA: the confirmation says what signing in will ask of her
        tmux.keys("m")
        screen = tmux.wait_for("Reset MFA for alice?")
        text = dialog_text(screen)
        assert "They finish signing in with a code sent to their verified email" in text
        assert "password alone" not in text and "cannot finish signing in" not in text
        tmux.keys("enrolment never finished", literal=True)
        tmux.keys("Enter")
        tmux.wait_for("MFA reset for alice.")
        tmux.wait_for_line(r"^ *MFA +no TOTP")
        # back to the directory (the search still holds "alice"); clear it: Esc clears, Esc again leaves the box
        tmux.keys("Escape")
        tmux.wait_for("1 user match", "space Select")
        tmux.keys("/")
        tmux.wait_for_line(r"^ *Users alice")
        tmux.keys("Escape")
        tmux.wait_for("40 users")
        tmux.keys("Escape")
        tmux.wait_for("40 users", "space Select")
        # a filtered set: the group 'contractors'
        tmux.keys("f")
        tmux.wait_for("Filter and sort users")
        tmux.keys("Tab", "Tab", "Tab")  # Status -> MFA -> Sign-in -> Group (Dormant days is off until chosen)
        tmux.keys("Enter")
        tmux.wait_for("contractors", "engineering")  # the group list is open (no other list holds these)
        tmux.keys("contractors", literal=True)
        tmux.keys("Enter")
        tmux.wait_for_line(r"^.*Group contractors ")
        tmux.keys("C-s")
        tmux.wait_for("11 users match", "filters: group contractors")
        # every match selected, disabled in bulk with a reason; the preview counts the one already disabled
        tmux.keys("*")
        tmux.wait_for("All 11 matching selected")
        tmux.keys("d")
        screen = tmux.wait_for("Disable 10 users?")
        assert "All users matching group contractors; 10 will be disabled (1 already disabled)" in dialog_text(screen)
        tmux.keys("contract ended", literal=True)
        tmux.keys("Enter")
        tmux.wait_for("Disabled: 10 users.")
        tmux.keys("C-q")
        tmux.wait_gone()
    finally:
        tmux.close()
    after = Database(target, config=config, key_path=tmp_path / "test.key")
    try:
        check_persisted(after)
        check_audited(after, alice_uid=users.get_user(after, "alice").uid)
    finally:
        after.close()


def check_persisted(db: Database) -> None:
    alice = users.get_user(db, "alice")
    assert (alice.email, alice.email_verified, alice.mfa_state) == (NEW_EMAIL, True, "none")
    assert alice.password_hash is not None and alice.status == "active"
    assert all(users.get_user(db, name).status == "disabled" for name in ["judy", *CONTRACTORS])
    assert users.get_user(db, "user11").status == "active" and users.get_user(db, "grace").status == "active"


def check_audited(db: Database, alice_uid: str) -> None:
    """Each change is in the audit log once, by the admin who ran the console (the local owner), with its reason
    and before/after."""
    entries = history.filtered_audit_log(db, history.AuditFilter(actor=os_account()), limit=100)
    assert {e.actor_kind for e in entries} == {"local"}
    by_action: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        by_action.setdefault(entry.action, []).append(entry)
    assert sorted(by_action) == ["mfa.reset", "user.disable", "user.mark_verified", "user.update"]
    (update,) = by_action["user.update"]
    assert update.target_uid == alice_uid and history.changes_of(update)["email"] == ["alice@example.com", NEW_EMAIL]
    (marked,) = by_action["user.mark_verified"]
    assert marked.target_uid == alice_uid and marked.reason == "called her back on the number on file"
    assert history.changes_of(marked)["email_verified"] == [False, True]
    (reset,) = by_action["mfa.reset"]
    assert reset.target_uid == alice_uid and reset.reason == "enrolment never finished"
    disabled = by_action["user.disable"]
    assert sorted(e.target_label or "" for e in disabled) == CONTRACTORS
    assert {e.reason for e in disabled} == {"contract ended"}
