"""What a new user needs to try a demo directory, for the console's "Demo directory" notice and the CLI's exit.

`userdesk demo` prints the demo password, the outbox folder and demo.totp's TOTP secret, and then the console
takes the screen: this module gives the console (and the CLI, when the console closes) the same facts again.

Decisions about secrets: nothing new is stored. The demo builder's `meta` row 'demo' already marks a demo
database (users, seed, clock). From it and the directory itself:
- the password is `store.demo.DEMO_PASSWORD`, a constant published in the source and printed by `demo`, shared by
  every demo user (a demo directory is open to anyone who reads it: never put real people in one);
- the outbox folder comes from the configuration (not a secret);
- demo.totp's TOTP secret is decrypted from its record (where it is stored encrypted, as every TOTP secret) when
  the notice is shown, and only while demo.totp still has TOTP active; it is never copied anywhere in plain text.
  It is a demo credential that `demo` prints anyway; a real account never appears here.
- the recovery codes are stored only as hashes: the notice says they were printed by `demo`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import select

from .db import Database
from .demo import DEMO_PASSWORD, DEMO_USER, TOTP_USER
from .models import Meta, User

META_KEY = "demo"


@dataclass(frozen=True)
class DemoNotice:
    users: int
    password: str
    demo_user: str
    codes_go_to: str  # "the outbox folder /path" or "the smtp channel"
    totp_user: str
    totp_secret: str | None  # None once demo.totp no longer has TOTP (reset, deleted)

    def lines(self) -> list[str]:
        """The notice as plain lines (the console draws them literally; the CLI prints them)."""
        out = [
            f"{self.users:,} demo users, open to anyone who reads this: never put real people in it.",
            f"Every demo user's password: {self.password}",
            f"Self-service: sign in as '{self.demo_user}'; its one-time codes go to {self.codes_go_to}.",
            f"'{self.totp_user}' TOTP secret: {self.totp_secret} (oathtool --totp -b SECRET)."
            if self.totp_secret
            else f"'{self.totp_user}' no longer has TOTP.",
            "Its recovery codes were printed by `userdesk demo` (stored only as hashes).",
        ]
        return out


def read(db: Database) -> DemoNotice | None:
    """The notice for a demo database, or None for any other."""
    with db.read() as s:
        row = s.get(Meta, META_KEY)
        if row is None:
            return None
        try:
            users = int(json.loads(row.value).get("users", 0))
        except (ValueError, TypeError, AttributeError):
            return None
        totp_user = s.exec(select(User).where(User.username == TOTP_USER)).first()
        secret = None
        if totp_user is not None and totp_user.mfa_state == "active" and totp_user.totp_secret:
            secret = db.keys.decrypt(totp_user.totp_secret)
    delivery = db.config.delivery
    where = (
        f"the outbox folder {delivery.outbox()}" if delivery.channel == "outbox" else f"the {delivery.channel} channel"
    )
    return DemoNotice(
        users=users,
        password=DEMO_PASSWORD,
        demo_user=DEMO_USER,
        codes_go_to=where,
        totp_user=TOTP_USER,
        totp_secret=secret,
    )
