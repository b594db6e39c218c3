"""Security tab: status, lockout, password, MFA; disable / enable / unlock / archive / delete, password, MFA reset."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from store import bulk, mfa, users, verification
from store.models import User
from store.verification import WayInLoss, second_steps

from ...text import fmt_ago, fmt_time, literal
from .base import DetailTab, UserSnapshot
from .temp_password import TempPasswordDialog
from .way_in import VerifyCodeDialog

STEP_NAMES = {"totp": "TOTP", "email": "code to verified email", "phone": "code to verified phone"}

ACTIONS = (
    ("d", "Disable", "sign-in refused and live sessions ended; data kept; reversible"),
    ("e", "Enable", "make a disabled or archived account active again"),
    ("u", "Unlock", "clear a brute-force lock and the failed-attempt count"),
    ("a", "Archive", "retire the account: sign-in refused, sessions ended, record kept"),
    ("del", "Delete", "remove the account for good (login history is kept, detached)"),
    ("p", "Password", "set a temporary password; ends the user's sessions"),
    ("m", "Reset MFA", "remove the TOTP authenticator and recovery codes"),
    ("c", "Send code", "verify an email or phone by a code the user reads back"),
    ("v", "Email ok", "mark the email verified (a reason is required)"),
    ("V", "Phone ok", "mark the phone verified (a reason is required)"),
)


def _when(ts: int | None, now: int) -> str:
    return f"{fmt_time(ts)} ({fmt_ago(ts, now)})" if ts else "never"


def security_table(snapshot: UserSnapshot, lockout_threshold: int) -> Table:
    user, now = snapshot.user, snapshot.now
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    status = users.display_status(user, now)
    grid.add_row(
        "Status", Text.assemble((user.status.upper(), "bold"), f"  since {_when(user.status_changed_at, now)}")
    )
    if users.is_locked(user, now):
        lock = Text.assemble(
            ("LOCKED", "bold reverse"),
            f" until {fmt_time(user.locked_until)} "
            f"({fmt_ago(user.locked_until, now)}) · {user.failed_attempts} failed attempt(s)",
        )
    else:
        lock = Text(f"not locked · {user.failed_attempts} failed attempt(s) (locks after {lockout_threshold})")
    grid.add_row("Sign-in lock", lock)
    if user.password_hash is None:
        password = Text("not set (no password sign-in)")
    else:
        password = Text(f"set {_when(user.password_last_set_at, now)}")
        if user.must_change_password:
            password.append(" · must change at next sign-in", style="bold")
    grid.add_row("Password", password)
    if user.mfa_state == "active":
        factor = Text(f"TOTP active · {snapshot.recovery_codes_left} of {mfa.RECOVERY_CODES} recovery codes left")
    elif user.mfa_state == "pending":
        factor = Text("TOTP enrolment started, not confirmed")
    else:
        factor = Text("no TOTP")  # the second step they do have is on the next line
    grid.add_row("MFA", factor)
    steps = second_steps(verification.SignInState.of(user))
    blocked = verification.no_way_in(user)
    if blocked:
        grid.add_row("Sign-in", Text(blocked, style="bold"))
    else:
        grid.add_row("Second step", " or ".join(STEP_NAMES[s] for s in steps))
    grid.add_row("Sessions", f"{snapshot.live_sessions} live (tab 5)")
    grid.add_row("Groups", literal(", ".join(snapshot.groups) or "none"))
    if status == "locked" and user.status == "active":
        grid.add_row("", Text("Locked accounts unlock by themselves when the time runs out.", style="dim"))
    return grid


def actions_table() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True, justify="right")
    grid.add_column(no_wrap=True)
    grid.add_column(style="dim")
    for key, name, what in ACTIONS:
        grid.add_row(key, name, what)
    return grid


class SecurityTab(DetailTab):
    """Account state and the security actions, each confirmed with a reason."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="security-body", can_focus=False):
            yield Static(id="security-state")
            yield Static(
                Text("Actions (each asks for confirmation; changes ask for a reason)", style="bold"), classes="section"
            )
            yield Static(actions_table(), id="security-actions")

    @property
    def user(self) -> User | None:
        return self.detail.snapshot.user if self.detail.snapshot else None

    @property
    def label(self) -> str:
        return users.login_name(self.user) if self.user else self.uid

    def show_snapshot(self, snapshot: UserSnapshot) -> None:
        self.query_one("#security-state", Static).update(security_table(snapshot, self.db.policy.lockout_threshold))

    def can(self, action: str) -> bool | None:
        snapshot = self.detail.snapshot
        if snapshot is None:
            return None
        user = snapshot.user
        rules = {
            "disable": user.status != "disabled",
            "enable": user.status != "active",
            # only for an active account (enable first): keeps the footer within 80 columns in every state
            "unlock": user.status == "active" and (users.is_locked(user, snapshot.now) or user.failed_attempts > 0),
            "archive": user.status != "archived",
            "reset_mfa": user.mfa_state != "none",
            "send_code": bool(self._unverified()),
            "mark_email_verified": "email" in self._unverified(),
            "mark_phone_verified": "phone" in self._unverified(),
        }
        return bool(rules.get(action, True))  # hidden: the footer has room for what applies

    def _unverified(self) -> list[str]:
        """The user's addresses that are set but not verified: 'email', 'phone'."""
        user = self.user
        if user is None:
            return []
        return [kind for kind in verification.KINDS if getattr(user, kind) and not getattr(user, f"{kind}_verified")]

    def _sessions_note(self) -> str:
        live = self.detail.snapshot.live_sessions if self.detail.snapshot else 0
        return f"Their {live} live session(s) end now." if live else "They have no live sessions."

    # ----- actions ------------------------------------------------------------------------------
    def disable(self) -> None:
        label = self.label
        self.confirm(
            f"Disable {label}?",
            f"Sign-in is refused until the account is enabled again. {self._sessions_note()} Their data is kept.",
            lambda reason: users.disable_user(self.db, self.actor, self.uid, reason),
            lambda _u: self.changed(f"Disabled {label}."),
            confirm_label="Disable",
        )

    def enable(self) -> None:
        label = self.label
        self.confirm(
            f"Enable {label}?",
            "The account becomes active; the user can sign in again.",
            lambda reason: users.enable_user(self.db, self.actor, self.uid, reason),
            lambda _u: self.changed(f"Enabled {label}."),
            confirm_label="Enable",
            destructive=False,
        )

    def unlock(self) -> None:
        label = self.label
        attempts = self.user.failed_attempts if self.user else 0
        self.confirm(
            f"Unlock {label}?",
            f"Clears the sign-in lock and the {attempts} failed attempt(s).",
            lambda reason: users.unlock_user(self.db, self.actor, self.uid, reason),
            lambda _u: self.changed(f"Unlocked {label}."),
            confirm_label="Unlock",
            destructive=False,
        )

    def archive(self) -> None:
        """First what archiving also removes (group memberships, app rules: store.bulk.archive_preview)."""
        self.run_store(lambda: bulk.archive_preview(self.db, self.uid, actor=self.actor), self._confirm_archive)

    def _confirm_archive(self, removes: str) -> None:
        label = self.label
        also = f"It also {removes} (enable does not bring those back). " if removes else ""
        self.confirm(
            f"Archive {label}?",
            f"Sign-in is refused and the record is kept for reference. "
            f"{self._sessions_note()} {also}Enable brings the account back.",
            lambda reason: users.archive_user(self.db, self.actor, self.uid, reason),
            lambda _u: self.changed(f"Archived {label}."),
            confirm_label="Archive",
        )

    def delete(self) -> None:
        label = self.label
        self.confirm(
            f"Delete {label} permanently?",
            "Removes the account with its sessions, custom data, identities, group memberships and app "
            "rules. Login history is kept, detached. This cannot be undone.",
            lambda reason: users.delete_user(self.db, self.actor, self.uid, reason),
            self.detail.user_deleted,
            confirm_label="Delete",
        )

    def reset_mfa(self) -> None:
        user = self.user
        if user is None:
            return
        label = self.label
        left = self.detail.snapshot.recovery_codes_left if self.detail.snapshot else 0
        loss = verification.way_in_loss(user, {"mfa_state": "none"})
        if loss is not None:
            then = loss.text()
        else:
            then = "They finish signing in with a code sent to their verified email or phone until they enrol again."
        removes = (
            "Cancels their unfinished TOTP set-up."
            if user.mfa_state == "pending"
            else f"Removes their TOTP authenticator and {left} unused recovery code(s)."
        )
        self.confirm(
            f"Reset MFA for {label}?",
            f"{removes} {self._sessions_note()} {then}",
            lambda reason: mfa.reset(self.db, self.actor, self.uid, reason),
            lambda _u: self.after_change(f"MFA reset for {label}.", loss),
            confirm_label="Reset MFA",
        )

    def after_change(self, message: str, loss: WayInLoss | None) -> None:
        """A change is done: reload, and when it left the user no way in, offer the fixes at once."""
        self.changed(message)
        if loss is not None:
            self.detail.offer_fix(loss)

    # ----- giving a way in back ----------------------------------------------------------------------
    def mark_email_verified(self) -> None:
        self._mark_verified("email")

    def mark_phone_verified(self) -> None:
        self._mark_verified("phone")

    def _mark_verified(self, kind: str) -> None:
        user = self.user
        if user is None or kind not in self._unverified():
            self.notify(f"There is no unverified {kind} to mark.", markup=False)
            return
        label, address = self.label, str(getattr(user, kind))
        self.confirm(
            f"Mark the {kind} of {label} verified?",
            f"{address} becomes a verified {kind}: sign-in codes and notices go there. Only do this when you "
            "know the address is theirs (the reason goes to the audit log).",
            lambda reason: verification.mark_verified(self.db, self.actor, self.uid, kind, reason),
            lambda _u: self.changed(f"Marked the {kind} of {label} verified."),
            confirm_label="Mark verified",
            destructive=False,
        )

    def send_code(self, kind: str | None = None) -> None:
        user = self.user
        unverified = self._unverified()
        if user is None or not unverified:
            self.notify("Both the email and the phone are verified or not set: nothing to verify.", markup=False)
            return
        kind = kind if kind in unverified else unverified[0]
        label = self.label

        def done(verified: bool | None) -> None:
            if verified:
                self.changed(f"The {kind} of {label} is verified.")

        self.app.push_screen(VerifyCodeDialog(self.uid, label, kind, str(getattr(user, kind))), done)

    def set_password(self) -> None:
        user = self.user
        if user is None:
            return
        label = self.label

        def chosen(result: tuple[str, bool] | None) -> None:
            if result is None:
                self.notify("Cancelled: the password was not changed.", markup=False)
                return
            password, must_change = result
            then = "They must change it at their next sign-in. " if must_change else ""
            self.confirm(
                f"Set a temporary password for {label}?",
                f"{then}{self._sessions_note()}",
                lambda reason: users.set_password(
                    self.db, self.actor, self.uid, password, must_change=must_change, reason=reason
                ),
                lambda _u: self.changed(f"Temporary password set for {label}."),
                confirm_label="Set password",
            )

        self.app.push_screen(TempPasswordDialog(label, users.password_context(user), self.db.policy), chosen)
