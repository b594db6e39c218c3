"""Self-service: what a signed-in end user may do to their own account, and nothing else.

Only a completed sign-in (`finish_sign_in`) makes a `Me`; every other operation here takes that
`Me` and acts on `me.user_id` / `me.uid` alone, never on an identifier typed by the user. Each
operation first checks that the console's session is still live (an admin revoke or a disabled
account stops it at once). Sensitive changes (TOTP, recovery codes, removing an address) need a
fresh verification: `step_up` with the current TOTP code or a code sent to a verified address,
valid for FRESH_SECONDS.

Decision: a user with neither TOTP nor a verified email or phone cannot complete the second step,
so their sign-in fails with the constant message and login history records why; an admin must
verify an address for them (or they had TOTP reset).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from . import (
    access,
    auth,
    codes,
    custom,
    delivery,
    history,
    identities,
    limits,
    lockout,
    mfa,
    notify,
    passwords,
    sessions,
    users,
)
from .audit import Actor
from .db import Database
from .delivery_queue import submit as send_later
from .errors import AuthFailed, StoreError, ValidationError
from .models import App, Session, User
from .validation import LABELS, USER_EDITABLE, normalise_field

SELF_SERVICE_APP = "self-service"
USER_AGENT = "userdesk-self-service"
FRESH_SECONDS = 300  # how long a step-up verification lets sensitive changes through
RESET_GRANT_SECONDS = 600  # time to choose a new password after a correct reset code
SYSTEM_ACTOR = Actor("userdesk:self-service")
NO_SECOND_STEP = "no second step available: no TOTP and no verified email or phone"
RESET_SENT = (
    "If an account matches, a code has been sent to its verified email or phone. "
    "Enter it below. (It expires in {minutes} minutes.)"
)
CONTACTS = ("email", "phone")
NOT_SENT = "We could not send your code just now. Try again in a minute, or contact your administrator."


class SessionEnded(StoreError):
    """The console's session is no longer live (signed out elsewhere, revoked, expired or disabled)."""

    def __init__(self) -> None:
        super().__init__("Your session has ended. Sign in again.")


class StepUpRequired(StoreError):
    """A sensitive change needs a fresh verification first."""

    def __init__(self) -> None:
        super().__init__("Confirm it's you first: enter a current authenticator code or a code we send you.")


@dataclass
class Me:
    """The signed-in user of this console. Made only by finish_sign_in."""

    user_id: int
    uid: str
    username: str | None
    sid: str
    must_change_password: bool
    attempt: auth.Attempt
    fresh_until: int = 0
    reauth_until: int = 0  # the current password was re-entered (password change)
    pending_change: tuple[str, str] | None = None  # (kind, new address) started while fresh: resends allowed

    @property
    def actor(self) -> Actor:
        return Actor.self_service(self.username, self.uid)

    def is_fresh(self, now: int) -> bool:
        return self.fresh_until > now

    def is_reauthenticated(self, now: int) -> bool:
        """Fresh verification, or the password re-entered lately: enough to end sessions (ASVS 7.5.2)."""
        return self.is_fresh(now) or self.reauth_until > now


# ---------------------------------------------------------------- helpers


def attempt_from_environment() -> auth.Attempt:
    """The app, SSH client address and user agent recorded with every attempt.

    The address goes through the same validator as the CLI's --ip (limits.ip_address); one that does
    not parse as an IP address is recorded as None rather than refusing the console."""
    return auth.Attempt(app=SELF_SERVICE_APP, ip=limits.address_from_environment(), user_agent=USER_AGENT)


def ensure_app(db: Database) -> None:
    """Create the 'self-service' app row on first use (default: allow)."""
    with db.read() as s:
        if s.exec(select(App.id).where(col(App.name) == SELF_SERVICE_APP)).first() is not None:
            return
    with contextlib.suppress(ValidationError):  # created meanwhile by another console process
        access.create_app(db, SYSTEM_ACTOR, SELF_SERVICE_APP, "allow")


def mask(destination: str | None) -> str:
    """'alice@example.com' -> 'a****@example.com'; '+14155550123' -> '+*******0123'."""
    if not destination:
        return ""
    if "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}{'*' * max(3, len(local) - 1)}@{domain}"
    return destination[:1] + "*" * max(3, len(destination) - 5) + destination[-4:]


def _user(db: Database, me: Me) -> User:
    with db.read() as s:
        user = s.get(User, me.user_id)
    if user is None:
        raise SessionEnded()
    return user


def _guard(db: Database, me: Me, *, allow_forced: bool = False) -> User:
    """The signed-in user's record, after checking the session is live and no forced change is pending."""
    if not sessions.is_live(db, me.sid):
        raise SessionEnded()
    if me.must_change_password and not allow_forced:
        raise ValidationError("Choose a new password first: your administrator asked for a change.", "password")
    user = _user(db, me)
    if users.is_locked(user, db.now()):  # no password or code checks while locked (no guessing through here)
        minutes = max(1, -(-((user.locked_until or 0) - db.now()) // 60))
        raise ValidationError(f"Your account is locked after too many failed attempts. Try again in {minutes} min.")
    return user


def _require_fresh(db: Database, me: Me) -> None:
    if not me.is_fresh(db.now()):
        raise StepUpRequired()


def _require_reauth(db: Database, me: Me) -> None:
    if not me.is_reauthenticated(db.now()):
        raise StepUpRequired()


def _verified_contact(user: User) -> tuple[str, str] | None:
    """(method, destination) for the verified address codes go to: email first, then phone."""
    to = notify.contact_of(user)
    return None if to is None else ("email_code" if codes.channel_of(to) == "email" else "phone_code", to)


def _code_check(
    db: Database, user_id: int, purpose: str, code: str, *, prefix: str = "", sent_to: str | None = None
) -> Callable[[], str | None]:
    """A check for auth.guarded: consume the code for `purpose`; None if right, else the history reason."""

    def check() -> str | None:
        try:
            destination = codes.verify(db, user_id, purpose, code)
        except AuthFailed as exc:
            return prefix + exc.reason
        return None if sent_to is None or destination == sent_to else prefix + "code sent to another address"

    return check


def _send_code(db: Database, user_id: int, purpose: str, destination: str) -> int:
    """codes.issue, with a delivery failure told to the user without server details."""
    try:
        return codes.issue(db, user_id, purpose, destination)
    except delivery.DeliveryError:
        raise delivery.DeliveryError(NOT_SENT) from None


# ---------------------------------------------------------------- sign-in


@dataclass(frozen=True)
class Challenge:
    """The second step after a correct password: a TOTP code, or a code sent to `destination`."""

    checked: auth.PasswordChecked
    method: str  # 'totp', 'email_code' or 'phone_code'
    destination: str | None = None
    notice: str = ""  # e.g. why no new code was sent just now

    @property
    def masked(self) -> str:
        return mask(self.destination)


def start_sign_in(db: Database, identifier: str, password: str, attempt: auth.Attempt) -> Challenge:
    """Check the password, then pick the second step (sending a code when TOTP is not set up).

    Raises AuthFailed (constant message) when the password fails or no second step is possible.
    """
    ensure_app(db)
    checked = auth.check_password(db, identifier, password, attempt)
    if checked.has_totp:
        return Challenge(checked, "totp")
    if checked.email and checked.email_verified:
        method, destination = "email_code", checked.email
    elif checked.phone and checked.phone_verified:
        method, destination = "phone_code", checked.phone
    else:
        raise auth.fail_second_factor(db, checked, "password", NO_SECOND_STEP, attempt, count=False)
    notice = ""
    try:
        codes.issue(db, checked.user_id, "signin", destination)
    except ValidationError as exc:  # asked again too soon: the last code, if unused, still works
        notice = f"No new code was sent: {exc}"
    except delivery.DeliveryError as exc:
        auth.fail_second_factor(db, checked, method, f"code not delivered: {exc}", attempt, count=False)
        raise delivery.DeliveryError(NOT_SENT) from None
    return Challenge(checked, method, destination, notice)


def resend_code(db: Database, challenge: Challenge) -> int:
    """Send a new sign-in code (rate-limited: ValidationError says how long to wait). Returns its expiry."""
    if challenge.method == "totp" or not challenge.destination:
        raise ValidationError("Codes are not sent for authenticator sign-in; use your app or a recovery code.", "code")
    return _send_code(db, challenge.checked.user_id, "signin", challenge.destination)


def finish_sign_in(
    db: Database, challenge: Challenge, code: str, attempt: auth.Attempt, *, recovery: bool = False
) -> Me:
    """Verify the second step and open the console's session. Raises AuthFailed (constant message)."""
    checked = challenge.checked
    if challenge.method == "totp":
        signed = auth.complete(db, checked, "recovery_code" if recovery else "totp", attempt, code)
    else:
        check = _code_check(db, checked.user_id, "signin", code, sent_to=challenge.destination)
        auth.guarded(db, checked.user_id, checked.identifier, attempt, challenge.method, check, app_id=checked.app_id)
        signed = auth.complete(db, checked, challenge.method, attempt)
    return Me(
        user_id=signed.user_id,
        uid=signed.uid,
        username=signed.username,
        sid=signed.session.sid,
        must_change_password=signed.must_change_password,
        attempt=attempt,
    )


def still_signed_in(db: Database, me: Me) -> bool:
    return sessions.is_live(db, me.sid)


def keep_alive(db: Database, me: Me) -> None:
    sessions.touch(db, me.sid)


def sign_out(db: Database, me: Me, reason: str = "signed out") -> None:
    """End this console's session (idempotent; not an account change, so not audited)."""
    with db.write() as s:
        s.execute(
            update(Session)
            .where(col(Session.sid) == me.sid, col(Session.user_id) == me.user_id, col(Session.revoked_at).is_(None))
            .values(revoked_at=db.now(), revoked_reason=reason)
        )


# ---------------------------------------------------------------- forgot password


@dataclass(frozen=True)
class ResetRequest:
    """Opaque to the UI: whether an account matched is not shown."""

    identifier: str
    user_id: int | None
    method: str


@dataclass
class ResetGrant:
    """A correct reset code: lets one new password be set before `expires_at`."""

    user_id: int
    expires_at: int
    used: bool = False


def request_reset(db: Database, identifier: str, attempt: auth.Attempt) -> ResetRequest:
    """Send a reset code to the account's verified address, if there is such an account.

    Always returns normally, and as fast for an unknown account as for a known one: the code is
    issued and sent on the delivery queue (store.delivery_queue.submit), off the request path, so neither
    the answer nor its time reveals whether the account exists. A locked account gets no code (it could
    not be redeemed: verify_reset refuses it under the lockout rules).
    """
    ensure_app(db)
    identifier = auth.clean_identifier(identifier)  # as sign-in does: a NUL is no database error on any backend
    with db.read() as s:
        user = users.find_user(s, identifier) if identifier else None
    contact = _verified_contact(user) if user is not None and user.status == "active" else None
    if user is None or contact is None:
        return ResetRequest(identifier, None, "email_code")
    method, destination = contact
    if users.is_locked(user, db.now()) or user.id is None:
        return ResetRequest(identifier, user.id, method)
    user_id = user.id

    def send() -> None:
        try:
            codes.issue(db, user_id, "reset", destination)
        except ValidationError:
            pass  # one was sent moments ago and is still valid; saying so would reveal the account
        except delivery.DeliveryError as exc:
            auth.record_failure(
                db, user_id, identifier, attempt, method, f"password reset code not delivered: {exc}", count=False
            )

    send_later(send)
    return ResetRequest(identifier, user_id, method)


def verify_reset(db: Database, request: ResetRequest, code: str, attempt: auth.Attempt) -> ResetGrant:
    """Check the reset code. Raises AuthFailed (constant message) on any failure."""
    if request.user_id is None:
        raise auth.record_failure(
            db,
            None,
            request.identifier,
            attempt,
            request.method,
            "password reset: no account with a verified address",
            count=False,
        )
    check = _code_check(db, request.user_id, "reset", code, prefix="password reset: ")
    auth.guarded(db, request.user_id, request.identifier, attempt, request.method, check)
    auth.record_success(db, request.user_id, request.identifier, attempt, request.method, "password reset code")
    return ResetGrant(user_id=request.user_id, expires_at=db.now() + RESET_GRANT_SECONDS)


def reset_password(db: Database, grant: ResetGrant, new_password: str) -> None:
    """Set the new password (policy enforced) and end every session of the account."""
    if grant.used or grant.expires_at <= db.now():
        raise ValidationError("This reset has expired; ask for a new code.", "code")
    with db.read() as s:
        user = s.get(User, grant.user_id)
    if user is None or user.status != "active" or users.is_locked(user, db.now()):
        raise ValidationError("This reset has expired; ask for a new code.", "code")
    actor = Actor.self_service(user.username, user.uid)
    user = users.set_password(
        db, actor, user.uid, new_password, must_change=False, action="self.reset_password", end_sessions=True
    )
    grant.used = True
    notify.notify(db, user, "your password was reset", "Your password was reset with a code sent to you.")


# ---------------------------------------------------------------- profile


@dataclass(frozen=True)
class Profile:
    """The signed-in user's record as the console shows it."""

    fields: dict[str, Any]  # users.to_dict: no secrets
    version: int
    custom: list[custom.FieldValue]
    groups: list[str]
    recovery_codes_left: int


def load_profile(db: Database, me: Me) -> Profile:
    user = _guard(db, me, allow_forced=True)
    left = mfa.recovery_codes_left(db, me.user_id) if user.mfa_state == "active" else 0
    return Profile(
        fields=users.to_dict(user, db.now()),
        version=user.version,
        custom=custom.user_values(db, me.user_id),
        groups=access.user_groups(db, me.user_id),
        recovery_codes_left=left,
    )


def save_profile(
    db: Database, me: Me, changes: dict[str, Any], custom_changes: dict[str, Any], expected_version: int
) -> Profile:
    """Save the user-editable fields ("U") and user-editable custom fields. Conflict if changed meanwhile."""
    _guard(db, me)
    for field in changes:
        if field not in USER_EDITABLE:
            raise ValidationError(f"{LABELS.get(field, field)} cannot be changed here.", field)
    editable = {f.key: f for f in custom.list_fields(db) if f.user_editable}
    for key, raw in custom_changes.items():
        if key not in editable:
            raise ValidationError(f"'{key}' can only be changed by an administrator.", key)
        value = custom.parse_value(editable[key], raw)  # all checked before anything is saved
        _refuse_if_held(db, me, key, editable[key].label, _custom_value_holder(db, me, editable[key], value))
    for field in changes:
        if field in users.UNIQUE_FIELDS:
            value = normalise_field(field, changes[field])
            _refuse_if_held(db, me, field, LABELS[field], _user_field_holder(db, me, field, value))
    if changes:
        user = users.update_user(
            db,
            me.actor,
            me.uid,
            changes,
            expected_version=expected_version,
            allowed=USER_EDITABLE,
            action="self.update",
        )
        me.username = user.username
    for key, raw in custom_changes.items():
        custom.set_value(db, me.actor, me.uid, key, raw, self_service=True)
    return load_profile(db, me)


CANNOT_USE = "{label}: this value cannot be used; choose a different one."


def _refuse_if_held(db: Database, me: Me, field: str, label: str, holder: str | None) -> None:
    """A value another account holds: the neutral CANNOT_USE message (no other account named or implied) and
    an audit entry for admins naming the holder. The lookup before it is the same query whoever holds it."""
    if holder is not None:
        _record_conflict(db, me, field, f"held by {holder}")
        raise ValidationError(CANNOT_USE.format(label=label), field)


def _user_field_holder(db: Database, me: Me, field: str, value: Any) -> str | None:
    if value is None:
        return None
    with db.read() as s:
        other = s.exec(select(User).where(getattr(User, field) == value, col(User.id) != me.user_id)).first()
        return None if other is None else users.login_name(other)


def _custom_value_holder(db: Database, me: Me, field: Any, value: str | None) -> str | None:
    if value is None or not field.unique:
        return None
    from .models import CustomValue

    with db.read() as s:
        other = s.exec(
            select(User)
            .join(CustomValue, col(CustomValue.user_id) == col(User.id))
            .where(CustomValue.field_id == field.id, CustomValue.value == value, col(User.id) != me.user_id)
        ).first()
        return None if other is None else users.login_name(other)


# ---------------------------------------------------------------- password


def _differs_from_current(user: User, new_password: str) -> None:
    if passwords.verify_password(user.password_hash, new_password):
        raise ValidationError("The new password must differ from the current one.", "new")


def change_password(db: Database, me: Me, current: str, new_password: str) -> int:
    """Change the password (current one required); returns how many other sessions are still live."""
    user = _guard(db, me)
    if not passwords.verify_password(user.password_hash, current or ""):
        auth.record_failure(
            db,
            user.id,
            users.login_name(user),
            me.attempt,
            "password",
            "self-service password change: wrong current password",
        )
        raise ValidationError("Your current password is not correct.", "current")
    passwords.check_policy(new_password, db.policy, users.password_context(user))
    _differs_from_current(user, new_password)
    user = users.set_password(
        db, me.actor, me.uid, new_password, must_change=False, action="self.change_password", end_sessions=False
    )
    me.reauth_until = db.now() + FRESH_SECONDS
    notify.notify(db, user, "your password was changed", "Your password was changed in the self-service console.")
    return len([v for v in sessions.list_sessions(db, me.user_id) if v.sid != me.sid])


def change_forced_password(db: Database, me: Me, new_password: str) -> None:
    """The change an admin asked for: a new password, then every other session ends."""
    user = _guard(db, me, allow_forced=True)
    passwords.check_policy(new_password, db.policy, users.password_context(user))
    _differs_from_current(user, new_password)
    users.set_password(
        db, me.actor, me.uid, new_password, must_change=False, action="self.change_password", end_sessions=False
    )
    sessions.revoke_all(db, me.actor, me.user_id, "password changed", keep_sid=me.sid, action="self.end_other_sessions")
    me.must_change_password = False


# ---------------------------------------------------------------- step-up verification


@dataclass(frozen=True)
class StepUpOptions:
    totp: bool
    destination: str | None  # a verified address a code can go to

    @property
    def masked(self) -> str:
        return mask(self.destination)


def step_up_options(db: Database, me: Me) -> StepUpOptions:
    user = _guard(db, me)
    contact = _verified_contact(user)
    return StepUpOptions(totp=user.mfa_state == "active", destination=contact[1] if contact else None)


def send_step_up_code(db: Database, me: Me) -> str:
    """Send a verification code to the verified address; returns it masked."""
    user = _guard(db, me)
    contact = _verified_contact(user)
    if contact is None:
        raise ValidationError("You have no verified email or phone to send a code to.", "code")
    _send_code(db, me.user_id, "verify", contact[1])
    return mask(contact[1])


def step_up(db: Database, me: Me, code: str, *, totp: bool) -> None:
    """Verify the user again (current TOTP code, or the code just sent); opens the fresh window."""
    user = _guard(db, me)
    label = users.login_name(user)
    if totp:
        method = "totp"
        check = mfa.fresh_check(db, me.uid, code, "step-up: wrong or replayed TOTP code")
    else:
        contact = _verified_contact(user)
        method = contact[0] if contact else "email_code"
        check = _code_check(db, me.user_id, "verify", code, prefix="step-up: ")
    try:  # admitted, throttled and counted like sign-in (store/lockout.py)
        auth.guarded(db, me.user_id, label, me.attempt, method, check)
    except AuthFailed as exc:
        raise ValidationError(_step_up_message(exc.reason, totp=totp), "code") from None
    auth.record_success(db, me.user_id, label, me.attempt, method, "step-up verification")
    me.fresh_until = db.now() + FRESH_SECONDS


def _step_up_message(reason: str, *, totp: bool) -> str:
    """What the signed-in user is told about a refused step-up (they are known: no need for a constant message)."""
    if reason == lockout.THROTTLED:
        return "Too many wrong codes in a row: wait a few seconds, then try again."
    if reason.startswith(lockout.LOCKED):
        return "Your account is locked after too many failed attempts. Try again later."
    if totp:
        return "That code is not valid. Enter the current code from your authenticator app (each code works once)."
    return _code_message(reason.removeprefix("step-up: "))


def _code_message(reason: str) -> str:
    if reason == "code expired":
        return "That code has expired. Ask for a new one."
    if reason == "no code pending":
        return "There is no code waiting: ask for a new one."
    return "That code is not valid. Check it and try again, or ask for a new one."


# ---------------------------------------------------------------- TOTP and recovery codes


@dataclass(frozen=True)
class MfaStatus:
    state: str  # none, pending, active
    recovery_codes_left: int


def mfa_status(db: Database, me: Me) -> MfaStatus:
    user = _guard(db, me)
    left = mfa.recovery_codes_left(db, me.user_id) if user.mfa_state == "active" else 0
    return MfaStatus(state=user.mfa_state, recovery_codes_left=left)


def begin_totp(db: Database, me: Me) -> mfa.Enrolment:
    """A new secret to scan (needs a fresh verification)."""
    _guard(db, me)
    _require_fresh(db, me)
    return mfa.enroll(db, me.actor, me.uid)


def confirm_totp(db: Database, me: Me, code: str) -> list[str]:
    """Activate TOTP with a current code; returns the recovery codes, shown once."""
    _guard(db, me)
    return mfa.confirm(db, me.actor, me.uid, code)  # mfa.confirm notifies the user


def remove_totp(db: Database, me: Me) -> None:
    """Unbind TOTP (needs a fresh verification; refused if no verified address would remain for sign-in)."""
    user = _guard(db, me)
    _require_fresh(db, me)
    if user.mfa_state == "active" and _verified_contact(user) is None:
        raise ValidationError(
            "The authenticator is your only second step for signing in. Add and verify an email "
            "address or phone number first.",
            "mfa",
        )
    mfa.reset(  # notifies the user; the user's own sessions stay (an admin reset ends them)
        db, me.actor, me.uid, reason="removed by the user", action="self.mfa_remove", end_sessions=False
    )


def new_recovery_codes(db: Database, me: Me) -> list[str]:
    """Replace the recovery codes (needs a fresh verification); the old ones stop working."""
    _guard(db, me)
    _require_fresh(db, me)
    recovery = mfa.regenerate_recovery_codes(db, me.actor, me.uid)
    notify.notify(
        db,
        _user(db, me),
        "new recovery codes",
        "New recovery codes were made for your account; the old ones no longer work.",
    )
    return recovery


# ---------------------------------------------------------------- email and phone


def start_contact_change(db: Database, me: Me, kind: str, value: str) -> str:
    """Send a code to the NEW address (or to the current one, to verify it). Returns it masked.

    Changing to a new address needs a fresh verification first; verifying the current one does not.
    """
    if kind not in CONTACTS:
        raise ValueError(kind)
    user = _guard(db, me)
    new = normalise_field(kind, value)
    label = LABELS[kind]
    if new is None:
        raise ValidationError(f"Enter the new {label.lower()}. To remove it, use Remove instead.", kind)
    if new == getattr(user, kind) and getattr(user, f"{kind}_verified"):
        raise ValidationError(f"That is already your verified {label.lower()}.", kind)
    if new != getattr(user, kind) and me.pending_change != (kind, new):
        _require_fresh(db, me)  # a new address needs the account holder verified first (ASVS 7.5.1/7.5.3)
        me.pending_change = (kind, new)
    holder = _holder(db, kind, new, me.user_id)
    # The same work on both paths (issue 13 item 11): one code row written (the resend limit applies alike),
    # one job on the delivery queue; the answer is the same. Only the job differs: the code to the new address,
    # or a notice to the account that holds it plus an audit entry for admins; the dead code matches nothing.
    prepared = codes.prepare(db, me.user_id, f"change_{kind}", new, dead=holder is not None)
    if holder is None:
        send_later(lambda: _deliver_change_code(db, me, kind, prepared))
    else:
        send_later(lambda: _contact_conflict(db, me, kind, new, holder))
    return mask(new)


def _holder(db: Database, kind: str, value: str, my_id: int) -> User | None:
    """The other account that holds `value` as its email or phone, if any."""
    with db.read() as s:
        query = select(User).where(getattr(User, kind) == value, col(User.id) != my_id)
        return s.exec(query).first()


def _deliver_change_code(db: Database, me: Me, kind: str, prepared: codes.Prepared) -> None:
    try:
        codes.deliver(db, prepared)
    except delivery.DeliveryError as exc:
        method = "email_code" if kind == "email" else "phone_code"
        auth.record_failure(
            db,
            me.user_id,
            me.username or me.uid,
            me.attempt,
            method,
            f"change {kind}: code not delivered: {exc}",
            count=False,
        )


def _contact_conflict(db: Database, me: Me, kind: str, value: str, holder: User) -> None:
    """Someone asked for an address another account holds: that account's owner is told (through their own
    verified address), and admins see the attempt in the audit log; the asking user learns nothing."""
    label = LABELS[kind].lower()
    notify.notify(
        db,
        holder,
        f"someone tried to use your {label}",
        f"Someone signed in to another Userdesk account asked to use your {label} {mask(value)} for it.\n"
        "Nothing was changed on your account and no code was sent.",
    )
    _record_conflict(db, me, kind, f"{label} {value} is held by {users.login_name(holder)}")


def _record_conflict(db: Database, me: Me, field: str, why: str) -> None:
    """An audit entry for admins: a self-service value refused because another account holds it."""
    with db.write() as s:
        user = s.get(User, me.user_id)
        if user is not None:
            users.audit_user(s, me.actor, "self.value_conflict", user, now=db.now(), reason=f"{field}: {why}")


def confirm_contact_change(db: Database, me: Me, kind: str, code: str) -> None:
    """Enter the code sent to the new address: it becomes the account's verified address."""
    if kind not in CONTACTS:
        raise ValueError(kind)
    user = _guard(db, me)
    old = getattr(user, kind)
    try:
        new = codes.verify(db, me.user_id, f"change_{kind}", code)
    except AuthFailed as exc:
        method = "email_code" if kind == "email" else "phone_code"
        auth.record_failure(db, me.user_id, users.login_name(user), me.attempt, method, f"change {kind}: {exc.reason}")
        raise ValidationError(_code_message(exc.reason), "code") from None
    _refuse_if_held(db, me, kind, LABELS[kind], _user_field_holder(db, me, kind, new))  # taken meanwhile
    users.update_user(
        db,
        me.actor,
        me.uid,
        {kind: new, f"{kind}_verified": True},
        allowed=(kind, f"{kind}_verified"),
        action=f"self.change_{kind}",
    )
    if old != new:  # `user` is the record before the change: the notice goes to the address verified until now
        notify.notify(
            db,
            user,
            f"your {LABELS[kind].lower()} was changed",
            f"The {LABELS[kind].lower()} of your account was changed to {mask(new)}.",
        )


def remove_contact(db: Database, me: Me, kind: str) -> None:
    """Remove the email or phone (needs a fresh verification); refused if it is the last way to sign in."""
    if kind not in CONTACTS:
        raise ValueError(kind)
    user = _guard(db, me)
    label = LABELS[kind].lower()
    if getattr(user, kind) is None:
        raise ValidationError(f"There is no {label} to remove.", kind)
    _require_fresh(db, me)
    other = "phone" if kind == "email" else "email"
    other_ok = getattr(user, other) is not None and getattr(user, f"{other}_verified")
    if user.mfa_state != "active" and not other_ok:
        raise ValidationError(
            f"Your {label} is your last way to confirm a sign-in. Set up an authenticator app or "
            f"verify your {LABELS[other].lower()} first.",
            kind,
        )
    users.update_user(
        db,
        me.actor,
        me.uid,
        {kind: None, f"{kind}_verified": False},
        allowed=(kind, f"{kind}_verified"),
        action=f"self.remove_{kind}",
    )
    notify.notify(
        db, user, f"your {label} was removed", f"The {label} {mask(getattr(user, kind))} was removed from your account."
    )


# ---------------------------------------------------------------- history, sessions, identities, apps


def my_history(
    db: Database, me: Me, before: tuple[int, int] | None = None, limit: int = 50
) -> list[history.HistoryRow]:
    """One page of the user's own sign-in attempts; failure reasons are for admins and left out
    (success notes such as "step-up verification" stay)."""
    _guard(db, me)
    rows = history.login_history(db, me.user_id, before=before, limit=limit)
    return [r if r.success else dataclasses.replace(r, reason=None) for r in rows]


def my_sessions(db: Database, me: Me) -> list[sessions.SessionView]:
    _guard(db, me)
    return sessions.list_sessions(db, me.user_id)


def end_session(db: Database, me: Me, sid: str) -> None:
    """Sign out one of the user's other sessions (another user's session id is simply not found)."""
    _guard(db, me)
    _require_reauth(db, me)
    if sid == me.sid:
        raise ValidationError("That is this console's session; use Sign out instead.", "sid")
    sessions.revoke(db, me.actor, sid, "ended by the user", only_user_id=me.user_id)


def end_other_sessions(db: Database, me: Me) -> int:
    _guard(db, me)
    _require_reauth(db, me)
    return sessions.revoke_all(
        db, me.actor, me.user_id, "ended by the user", keep_sid=me.sid, action="self.end_other_sessions"
    )


def my_identities(db: Database, me: Me) -> list[Any]:
    _guard(db, me)
    return identities.list_identities(db, me.user_id)


def unlink_identity(db: Database, me: Me, provider: str) -> int:
    """Unlink one provider (refused when it is the last way in)."""
    _guard(db, me)
    _require_reauth(db, me)
    return identities.unlink(db, me.actor, me.uid, provider, keep_a_way_in=True)


@dataclass(frozen=True)
class AppAvailability:
    """An app as the user sees it: available or not. The policy behind it ("default: deny", a group rule)
    is the admins' business (issue 13 item 11): it would tell the user how access is organised."""

    app: str
    available: bool


def my_apps(db: Database, me: Me) -> list[AppAvailability]:
    _guard(db, me)
    return [AppAvailability(d.app, d.allowed) for d in access.user_access(db, me.uid)]
