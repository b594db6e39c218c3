"""Users: identity rules, uniqueness, hostile input, optimistic locking, state changes."""

import pytest
from sqlmodel import select

from store import Conflict, NotFound, ValidationError, users
from store.history import audit_log, changes_of
from store.models import AuditEntry, LoginEvent


def make(db, actor, **fields):
    return users.create_user(db, actor, fields)


def test_at_least_one_identifier_required(db, actor):
    with pytest.raises(ValidationError, match="at least one of username, email or phone"):
        make(db, actor, name="Nobody")


def test_username_unique_and_case_sensitive(db, actor):
    make(db, actor, username="bob")
    assert make(db, actor, username="Bob").username == "Bob"
    with pytest.raises(ValidationError, match="Username 'bob' is already used"):
        make(db, actor, username="bob")


def test_email_unique_case_insensitive_and_normalised(db, actor):
    user = make(db, actor, email="Bob@Example.COM")
    assert user.email == "bob@example.com"
    with pytest.raises(ValidationError, match="already used"):
        make(db, actor, email="bob@example.com")
    with pytest.raises(ValidationError, match="already used"):
        make(db, actor, email="BOB@EXAMPLE.COM")


def test_phone_is_e164_and_unique(db, actor):
    user = make(db, actor, phone="+1 (415) 555-0123")
    assert user.phone == "+14155550123"
    with pytest.raises(ValidationError, match="already used"):
        make(db, actor, phone="+14155550123")
    with pytest.raises(ValidationError, match=r"E\.164"):
        make(db, actor, phone="555-0123")


def test_external_id_unique(db, actor):
    make(db, actor, username="a", external_id="LEG-1")
    with pytest.raises(ValidationError, match="External ID 'LEG-1' is already used"):
        make(db, actor, username="b", external_id="LEG-1")


@pytest.mark.parametrize("value", ["[b]x[/b]", "[red]root[/red]", "\u202eevil\u200f", "名前 😀", "a" * 255])
def test_hostile_but_printable_text_round_trips_exactly(db, actor, value):
    user = make(db, actor, username="h", name=value)
    assert users.get_user(db, user.uid).name == value


@pytest.mark.parametrize(
    "value,message",
    [
        ("a\x00b", "control characters"),
        ("\x1b[31mred", "control characters"),
        ("x" * 10_000, "too long: 10000"),
    ],
)
def test_hostile_text_refused_with_clear_message(db, actor, value, message):
    with pytest.raises(ValidationError, match=message):
        make(db, actor, username="h", name=value)
    assert users.count_users(db) == 0


def test_username_rules(db, actor):
    for bad, msg in (("a b", "spaces"), ("a@b", "'@'"), ("+123", "'\\+'")):
        with pytest.raises(ValidationError, match=msg):
            make(db, actor, username=bad)


def test_find_by_uid_username_email_phone(db, actor):
    user = make(db, actor, username="carol", email="carol@example.com", phone="+447700900123")
    for ref in (user.uid, "carol", "CAROL@example.com", "+44 7700 900123"):
        assert users.get_user(db, ref).id == user.id
    with pytest.raises(NotFound, match="No user matches 'nobody'"):
        users.get_user(db, "nobody")


def test_stale_update_is_refused(db, actor):
    user = make(db, actor, username="dave")
    users.update_user(db, actor, "dave", {"name": "Dave One"}, expected_version=user.version)
    with pytest.raises(Conflict, match="changed by someone else"):
        users.update_user(db, actor, "dave", {"name": "Dave Two"}, expected_version=user.version)
    assert users.get_user(db, "dave").name == "Dave One"


def test_update_is_audited_with_before_and_after(db, actor):
    make(db, actor, username="erin", name="Erin")
    users.update_user(db, actor, "erin", {"name": "Erin B", "city": "Lyon"}, reason="ticket 42")
    entry = audit_log(db, limit=1)[0]
    assert entry.action == "user.update" and entry.reason == "ticket 42" and entry.actor == "tester"
    assert changes_of(entry) == {"city": [None, "Lyon"], "name": ["Erin", "Erin B"]}


def test_email_change_clears_verified_flag(db, actor):
    make(db, actor, username="f", email="f@example.com", email_verified=True)
    assert users.update_user(db, actor, "f", {"email": "new@example.com"}).email_verified is False


def test_cannot_remove_last_identifier(db, actor):
    make(db, actor, email="only@example.com")
    with pytest.raises(ValidationError, match="remove the last one"):
        users.update_user(db, actor, "only@example.com", {"email": ""})


def test_invalid_update_changes_nothing(db, actor):
    make(db, actor, username="g", name="G")
    with pytest.raises(ValidationError, match="not a date"):
        users.update_user(db, actor, "g", {"name": "New", "birthdate": "31/12/1990"})
    assert users.get_user(db, "g").name == "G"


def test_unknown_field_refused(db, actor):
    make(db, actor, username="h")
    with pytest.raises(ValidationError, match="Unknown field 'password_hash'"):
        users.update_user(db, actor, "h", {"password_hash": "x"}, allowed=("password_hash",))


def test_state_changes_and_audit(db, actor):
    make(db, actor, username="ivy")
    assert users.disable_user(db, actor, "ivy", "left").status == "disabled"
    assert users.enable_user(db, actor, "ivy").status == "active"
    assert users.archive_user(db, actor, "ivy").status == "archived"
    actions = [e.action for e in audit_log(db)]
    assert actions[:3] == ["user.archive", "user.enable", "user.disable"]
    assert audit_log(db)[2].reason == "left"


def test_delete_keeps_history_detached_and_audits(db, actor):
    user = make(db, actor, username="jo")
    with db.write() as s:
        s.add(LoginEvent(ts=1, user_id=user.id, identifier="jo", method="password", success=False, reason="x"))
    users.delete_user(db, actor, "jo", reason="gdpr")
    with db.read() as s:
        event = s.exec(select(LoginEvent)).one()
        assert event.user_id is None and event.identifier == "jo"
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "user.delete")).one()
        assert entry.reason == "gdpr" and entry.target_label == "jo"
    with pytest.raises(NotFound):
        users.get_user(db, "jo")


def test_to_dict_has_no_secrets(db, actor):
    user = users.create_user(db, actor, {"username": "k"}, password="correct horse battery staple")
    data = users.to_dict(user)
    assert "password_hash" not in data and "totp_secret" not in data and data["password_set"] is True


@pytest.mark.parametrize(
    "name,message",
    [
        ("0014155550199", "phone number"),
        ("(415) 555-0199", "spaces|phone number"),
        ("adm\u200bin", "invisible"),
        ("evil\u202etxt", "invisible"),
    ],
)
def test_usernames_that_pose_as_something_else_are_refused(db, actor, name, message):
    with pytest.raises(ValidationError, match=message):
        make(db, actor, username=name)


def test_spoofing_characters_are_shown_escaped():
    from tui.text import visible

    assert visible("adm\u200bin") == "adm\\u200bin" and visible("a\x1b[31mb") == "a\\x1b[31mb"
    assert visible("دانا\u200f") == "دانا\u200f"  # a right-to-left mark in a name is kept as typed
