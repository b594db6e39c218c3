"""Sessions, custom data, app access, identities, one-time codes."""

import sys

import pytest
from sqlmodel import select

from store import AuthFailed, NotFound, ValidationError, access, auth, codes, custom, identities, sessions, users
from store.config import Config, Delivery
from store.models import OneTimeCode, Session

from ..conftest import PASSWORD


@pytest.fixture
def bob(db, actor):
    return users.create_user(
        db, actor, {"username": "bob", "email": "bob@example.com", "email_verified": True}, password=PASSWORD
    )


def sign_in(db):
    return auth.authenticate(db, "bob", PASSWORD).session


def test_token_is_long_random_and_stored_hashed(db, bob):
    issued = sign_in(db)
    assert len(issued.token) >= 43  # 256 bits urlsafe
    with db.read() as s:
        row = s.exec(select(Session)).one()
    assert row.token_hash != issued.token and issued.token not in row.token_hash
    assert sessions.validate(db, issued.token).sid == issued.sid
    assert sessions.validate(db, issued.token + "x") is None


def test_idle_and_absolute_expiry(db, bob, clock):
    issued = sign_in(db)
    clock.advance(db.policy.session_idle_minutes * 60 - 10)
    assert sessions.validate(db, issued.token)  # touches
    clock.advance(db.policy.session_idle_minutes * 60 - 10)
    assert sessions.validate(db, issued.token)
    clock.advance(db.policy.session_idle_minutes * 60 + 1)
    assert sessions.validate(db, issued.token) is None
    fresh = sign_in(db)
    for _ in range(db.policy.session_absolute_hours):
        clock.advance(3600 - 1)
        sessions.validate(db, fresh.token)
    clock.advance(db.policy.session_absolute_hours)
    assert sessions.validate(db, fresh.token) is None


def test_revoke_one_and_all(db, actor, bob):
    a, b, c = sign_in(db), sign_in(db), sign_in(db)
    sessions.revoke(db, actor, a.sid, "stolen laptop")
    assert sessions.validate(db, a.token) is None and sessions.validate(db, b.token)
    assert sessions.revoke_all(db, actor, bob.id, "force sign-out") == 2
    assert sessions.validate(db, c.token) is None
    with pytest.raises(NotFound):
        sessions.revoke(db, actor, "nope")


@pytest.mark.parametrize("action", ["disable_user", "archive_user"])
def test_disabling_ends_sessions(db, actor, bob, action):
    issued = sign_in(db)
    getattr(users, action)(db, actor, "bob")
    assert sessions.validate(db, issued.token) is None and sessions.list_sessions(db, bob.id) == []


def test_admin_password_reset_ends_sessions(db, actor, bob):
    issued = sign_in(db)
    users.set_password(db, actor, "bob", "another long passphrase", must_change=True)
    assert sessions.validate(db, issued.token) is None


def test_custom_fields_types_and_refusals(db, actor, bob):
    custom.define_field(db, actor, "tier", "enum", options=["gold", "silver"])
    custom.define_field(db, actor, "seats", "number")
    custom.define_field(db, actor, "since", "date")
    custom.define_field(db, actor, "remote", "boolean", user_editable=True)
    custom.define_field(db, actor, "badge", "string", unique=True)
    with pytest.raises(ValidationError, match="No custom field 'nope'"):
        custom.set_value(db, actor, "bob", "nope", "x")
    with pytest.raises(ValidationError, match="'seats' is a number field; 'many' is not a number"):
        custom.set_value(db, actor, "bob", "seats", "many")
    with pytest.raises(ValidationError, match="must be one of: gold, silver"):
        custom.set_value(db, actor, "bob", "tier", "bronze")
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        custom.set_value(db, actor, "bob", "since", "yesterday")
    assert custom.set_value(db, actor, "bob", "seats", "12.0") == "12"
    assert custom.set_value(db, actor, "bob", "remote", "yes") == "true"
    assert custom.set_value(db, actor, "bob", "tier", "gold") == "gold"
    values = {v.field.key: v.value for v in custom.user_values(db, bob.id)}
    assert values == {"badge": None, "remote": "true", "seats": "12", "since": None, "tier": "gold"}
    other = users.create_user(db, actor, {"username": "other"})
    custom.set_value(db, actor, "bob", "badge", "B-1")
    with pytest.raises(ValidationError, match="already used"):
        custom.set_value(db, actor, "other", "badge", "B-1")
    with pytest.raises(ValidationError, match="only be changed by an administrator"):
        custom.set_value(db, actor, "bob", "tier", "silver", self_service=True)
    assert other


def test_custom_field_definition_rules(db, actor):
    custom.define_field(db, actor, "tier", "string")
    with pytest.raises(ValidationError, match="already exists"):
        custom.define_field(db, actor, "tier", "number")
    with pytest.raises(ValidationError, match="clashes with a built-in"):
        custom.define_field(db, actor, "email", "string")
    with pytest.raises(ValidationError, match="at least one option"):
        custom.define_field(db, actor, "kind", "enum")
    with pytest.raises(ValidationError, match="Only string and number"):
        custom.define_field(db, actor, "flag", "boolean", unique=True)


def test_app_access_rules(db, actor, bob):
    access.create_app(db, actor, "crm")
    access.create_app(db, actor, "vault", default="deny")
    access.create_group(db, actor, "eng")
    access.create_group(db, actor, "contractors")
    access.add_member(db, actor, "eng", "bob")
    decisions = {d.app: d for d in access.user_access(db, "bob")}
    assert decisions["crm"].allowed and not decisions["vault"].allowed and decisions["vault"].why == "default: deny"
    access.set_rule(db, actor, "vault", "allow", group="eng")
    assert {d.app: d.allowed for d in access.user_access(db, "bob")}["vault"]
    access.add_member(db, actor, "contractors", "bob")
    access.set_rule(db, actor, "vault", "deny", group="contractors")
    assert not {d.app: d.allowed for d in access.user_access(db, "bob")}["vault"]  # group deny beats group allow
    access.set_rule(db, actor, "vault", "allow", user_ref="bob")
    vault = {d.app: d for d in access.user_access(db, "bob")}["vault"]
    assert vault.allowed and vault.why == "user rule: allow"


def test_identities_unique_and_unlink(db, actor, bob):
    identities.link(db, actor, "bob", "github", "12345")
    other = users.create_user(db, actor, {"username": "eve"})
    with pytest.raises(ValidationError, match="already linked to another user"):
        identities.link(db, actor, "eve", "github", "12345")
    assert identities.unlink(db, actor, "bob", "github") == 1
    with pytest.raises(NotFound):
        identities.unlink(db, actor, "bob", "github")
    assert other


def outbox_code(config) -> str:
    folder = config.delivery.outbox()
    latest = sorted(folder.iterdir())[-1]
    assert oct(latest.stat().st_mode & 0o777) == "0o600"
    return latest.read_text().split("Your Userdesk code is ")[1][:6]


def test_one_time_code_single_use_hashed_and_rate_limited(db, bob, config, clock):
    codes.issue(db, bob.id, "signin", "bob@example.com")
    code = outbox_code(config)
    with db.read() as s:
        assert code not in s.exec(select(OneTimeCode.code_hash)).one()
    with pytest.raises(ValidationError, match="wait"):
        codes.issue(db, bob.id, "signin", "bob@example.com")
    assert codes.verify(db, bob.id, "signin", code) == "bob@example.com"
    with pytest.raises(AuthFailed):
        codes.verify(db, bob.id, "signin", code)


def test_one_time_code_expiry_and_attempt_limit(db, bob, config, clock):
    codes.issue(db, bob.id, "signin", "bob@example.com")
    clock.advance(db.policy.code_ttl_minutes * 60 + 1)
    with pytest.raises(AuthFailed) as info:
        codes.verify(db, bob.id, "signin", outbox_code(config))
    assert info.value.reason == "code expired"
    codes.issue(db, bob.id, "signin", "bob@example.com")
    good = outbox_code(config)
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(db.policy.code_max_attempts):
        with pytest.raises(AuthFailed):
            codes.verify(db, bob.id, "signin", wrong)
    with pytest.raises(AuthFailed):
        codes.verify(db, bob.id, "signin", good)  # voided after too many attempts


def test_command_delivery_channel(db, bob, tmp_path):
    sink = tmp_path / "sms.txt"
    script = tmp_path / "gateway.py"
    script.write_text(
        f"import sys\nopen({str(sink)!r}, 'w').write(' '.join(sys.argv[1:]) + '\\n' + sys.stdin.read())\n"
    )
    db.config = Config(delivery=Delivery(channel="command", command=f"{sys.executable} {script}"))
    users.update_user(
        db,
        users.Actor("t") if hasattr(users, "Actor") else __import__("store").Actor("t"),
        "bob",
        {"phone": "+14155550100", "phone_verified": True},
    )
    codes.issue(db, bob.id, "signin", "+14155550100")
    text = sink.read_text()
    assert text.startswith("-- phone +14155550100") and "Your Userdesk code is" in text


def test_smtp_credentials_never_sent_in_clear(db, bob):
    db.config = Config(
        delivery=Delivery(
            channel="smtp",
            smtp_host="127.0.0.1",
            smtp_port=9,
            smtp_username="u",
            smtp_password="p",
            smtp_starttls=False,
        )
    )
    from store.delivery import DeliveryError

    with pytest.raises(DeliveryError, match="without STARTTLS"):
        codes.issue(db, bob.id, "signin", "bob@example.com")
    with pytest.raises(AuthFailed):  # the code that could not be sent is void
        codes.verify(db, bob.id, "signin", "000000")
