"""A user's ways in, and the admin's tools to restore one: mark an address verified, or verify it by a code.

What signing in really needs (store/selfservice.py start_sign_in / finish_sign_in): the password, then always a
second step. The second step is the TOTP code (or a recovery code) when TOTP is active, else a one-time code sent
to the verified email, else to the verified phone. With none of those the sign-in fails with the constant message
(login history: "no second step available"), and a pending forced password change can only be done after a sign-in.

`second_steps` and `way_in_loss` are pure (no database): the console and the CLI ask them, before an email or phone
change, an MFA reset or a cleared verification, whether the change leaves the user without a way to finish signing
in, and say so in the confirmation with the fixes that apply.

The fixes: `mark_verified` (an admin vouches for the address, with a required reason; managers only) and
`send_code` then `confirm_code` (a code goes to the address through the delivery queue, the user reads it back to
the admin, who types it in: the address is proven, so support staff may do it too).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from . import audit, codes, delivery, permissions
from .audit import Actor
from .db import Database
from .delivery_queue import submit as send_later
from .errors import AuthFailed, ValidationError
from .models import User, stored_id
from .users import audit_user, login_name, require_user, to_dict

KINDS = ("email", "phone")
KIND_LABELS = {"email": "email", "phone": "phone"}
CODE_PURPOSE = "admin_verify"
STEP_LABELS = {"totp": "TOTP code", "email": "code to the verified email", "phone": "code to the verified phone"}
SIGN_IN_RULE = (
    "Self-service sign-in needs the password, then a second step: a TOTP code, or a code sent to a verified "
    "email or phone."
)


class Contactable(Protocol):
    """What the sign-in decision reads of a user record (a User, or anything shaped like one)."""

    password_hash: str | None
    mfa_state: str
    email: str | None
    email_verified: bool
    phone: str | None
    phone_verified: bool


@dataclass(frozen=True)
class SignInState:
    """The parts of a record that decide whether its owner can finish signing in."""

    has_password: bool
    totp: bool
    email: str | None
    email_verified: bool
    phone: str | None
    phone_verified: bool

    @classmethod
    def of(cls, user: Contactable) -> SignInState:
        return cls(
            has_password=user.password_hash is not None,
            totp=user.mfa_state == "active",
            email=user.email,
            email_verified=bool(user.email and user.email_verified),
            phone=user.phone,
            phone_verified=bool(user.phone and user.phone_verified),
        )

    def changed(self, changes: Mapping[str, Any]) -> SignInState:
        """The state after `changes` (profile fields, 'email_verified', 'phone_verified', 'mfa_state').

        As in users.update_user: a new email or phone is unverified unless the change says otherwise."""
        values: dict[str, Any] = {}
        for kind in KINDS:
            if kind in changes and changes[kind] != getattr(self, kind):
                new = changes[kind] or None
                values[kind] = new
                values[f"{kind}_verified"] = bool(new and changes.get(f"{kind}_verified", False))
            elif f"{kind}_verified" in changes:
                values[f"{kind}_verified"] = bool(getattr(self, kind) and changes[f"{kind}_verified"])
        state = dataclasses.replace(self, **values)
        if "mfa_state" in changes:
            state = dataclasses.replace(state, totp=changes["mfa_state"] == "active")
        return state


def second_steps(state: SignInState) -> tuple[str, ...]:
    """The second steps the user can finish a sign-in with, in the order sign-in tries them."""
    steps = (
        ("totp", state.totp),
        ("email", state.email_verified),
        ("phone", state.phone_verified),
    )
    return tuple(name for name, ok in steps if ok)


@dataclass(frozen=True)
class WayInLoss:
    """A change that leaves the user without a second step: what it removes and how an admin can fix it."""

    lost: tuple[str, ...]  # the second steps the change removes
    fixes: tuple[str, ...]  # 'mark_email', 'mark_phone', 'code_email', 'code_phone', 'temp_password'
    has_password: bool

    def text(self) -> str:
        """The confirmation's warning: what sign-in needs, what is lost, what fixes it."""
        lost = ", ".join(STEP_LABELS[s] for s in self.lost)
        parts = [
            f"After this they cannot finish signing in. {SIGN_IN_RULE} This removes their last one ({lost}).",
            "A pending forced password change can only be done after signing in.",
        ]
        if self.fixes:
            parts.append(f"Fix: {fix_text(self.fixes)}.")
        else:
            parts.append("Fix: add an email or phone to the profile, then mark it verified or send it a code.")
        return " ".join(parts)


FIX_LABELS = {
    "mark_email": "mark the email verified (with a reason)",
    "mark_phone": "mark the phone verified (with a reason)",
    "code_email": "send a verification code to the email",
    "code_phone": "send a verification code to the phone",
    "temp_password": "set a temporary password (they have none)",
}


def fix_text(fixes: tuple[str, ...]) -> str:
    return "; or ".join(FIX_LABELS[f] for f in fixes)


def fixes_for(state: SignInState) -> tuple[str, ...]:
    """What an admin can do to give a user in `state` a way in again."""
    fixes: list[str] = []
    for kind in KINDS:
        if getattr(state, kind) and not getattr(state, f"{kind}_verified"):
            fixes += [f"mark_{kind}", f"code_{kind}"]
    if not state.has_password:
        fixes.append("temp_password")
    return tuple(fixes)


def way_in_loss(user: Contactable, changes: Mapping[str, Any]) -> WayInLoss | None:
    """Does applying `changes` to `user` remove their last second step? None when a way in remains (or the user
    had none before: the change removes nothing; `no_way_in` says that)."""
    before = SignInState.of(user)
    after = before.changed(changes)
    had, has = second_steps(before), second_steps(after)
    if not had or has:
        return None
    return WayInLoss(lost=had, fixes=fixes_for(after), has_password=after.has_password)


def no_way_in(user: Contactable) -> str | None:
    """Why the user cannot finish signing in now, with the fixes (None: they can)."""
    state = SignInState.of(user)
    if second_steps(state) and state.has_password:
        return None
    missing = "no password" if not state.has_password else "no second step"
    fixes = fixes_for(state)
    if second_steps(state):
        fixes = tuple(f for f in fixes if f == "temp_password")
    tail = f" Fix: {fix_text(fixes)}." if fixes else " Fix: add an email or phone, then verify it."
    return f"Cannot finish signing in ({missing}).{tail}"


# ---------------------------------------------------------------- the fixes


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationError(f"Unknown address kind '{kind}': use email or phone.", "kind")
    return kind


def _address(user: User, kind: str) -> str:
    address = getattr(user, kind)
    if not address:
        raise ValidationError(f"{login_name(user)} has no {kind} to verify: add one to the profile first.", kind)
    return str(address)


def _set_verified(
    db: Database, actor: Actor, ref: str, kind: str, reason: str | None, *, permission: str, action: str, how: str
) -> User:
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        permissions.require_over(s, actor, permission, user)
        _address(user, kind)
        if getattr(user, f"{kind}_verified"):
            raise ValidationError(f"The {kind} of {login_name(user)} is already verified.", kind)
        before = to_dict(user)
        setattr(user, f"{kind}_verified", True)
        user.updated_at = now
        user.version += 1
        s.add(user)
        s.flush()
        changes = audit.diff(before, to_dict(user))
        changes["verified_by"] = [None, how]
        audit_user(s, actor, action, user, now=now, reason=reason, changes=changes)
        return user


def mark_verified(db: Database, actor: Actor, ref: str, kind: str, reason: str) -> User:
    """An admin vouches for the user's email or phone (a reason is required; audited with before/after)."""
    permissions.require(actor, "users.verify")
    _kind(kind)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("A reason is required to mark an address verified.", "reason")
    return _set_verified(
        db, actor, ref, kind, reason, permission="users.verify", action="user.mark_verified", how="admin"
    )


@dataclass(frozen=True)
class CodeSent:
    """A verification code on its way (delivery runs on the delivery queue)."""

    kind: str
    destination: str


def send_code(db: Database, actor: Actor, ref: str, kind: str) -> CodeSent:
    """Send a one-time code to the user's unverified email or phone, through the delivery queue.

    The user reads it back to the admin, who enters it with `confirm_code`. The code is issued (rate limit
    checked) at once; its delivery runs off the request path, and a failed delivery is in the audit log."""
    permissions.require(actor, "users.send_code")
    _kind(kind)
    with db.read() as s:
        user = require_user(s, ref)
        permissions.require_over(s, actor, "users.send_code", user)
        destination = _address(user, kind)
        if getattr(user, f"{kind}_verified"):
            raise ValidationError(f"The {kind} of {login_name(user)} is already verified.", kind)
        user_id = stored_id(user)
        uid, label = user.uid, login_name(user)
    codes.check_resend(db, user_id, CODE_PURPOSE)
    now = db.now()
    with db.write() as s:
        audit.record(
            s,
            actor,
            "user.verification_code_sent",
            now=now,
            target_uid=uid,
            target_label=label,
            changes={"sent_to": [None, destination]},
        )

    def deliver() -> None:
        try:
            codes.issue(db, user_id, CODE_PURPOSE, destination)
        except (delivery.DeliveryError, ValidationError) as exc:
            with db.write() as s:
                audit.record(
                    s,
                    actor,
                    "user.verification_code_failed",
                    now=db.now(),
                    target_uid=uid,
                    target_label=label,
                    reason=str(exc),
                )

    send_later(deliver)
    return CodeSent(kind, destination)


def confirm_code(db: Database, actor: Actor, ref: str, kind: str, code: str) -> User:
    """The code the user read back: right, the address becomes verified (audited, 'verified_by': 'code')."""
    permissions.require(actor, "users.send_code")
    _kind(kind)
    with db.read() as s:
        user = require_user(s, ref)
        permissions.require_over(s, actor, "users.send_code", user)
        destination = _address(user, kind)
        user_id = stored_id(user)
    try:
        sent_to = codes.verify(db, user_id, CODE_PURPOSE, code)
    except AuthFailed as exc:
        raise ValidationError(f"The code was not accepted ({exc.reason}). Send a new one if needed.", "code") from None
    if sent_to != destination:
        raise ValidationError(f"That code was sent to another {kind}, not the current one.", "code")
    return _set_verified(
        db, actor, ref, kind, None, permission="users.send_code", action="user.verified_by_code", how="code"
    )
