"""Limits and clean-up for every string the store keeps from people, the environment or the network.

One place for the numbers and the rules, so the audit log, login history and sessions agree:

- Lengths are counted in code points. Text an admin or a caller chose on purpose (an audit reason,
  a target label, a user agent given to the CLI) is REFUSED when too long: ValidationError
  "<what> is too long (max N)", and nothing is written. Text the store writes about an attempt it
  must log whatever it looks like (the identifier typed at sign-in, a failure reason) is CUT to the
  limit with a trailing "…", because refusing would leave the attempt unrecorded.
- Control characters: C0 (incl. ESC and CR), DEL and C1 are removed from every stored string before it
  is kept; they are never useful in these fields and are how escape sequences reach a terminal.
  Reasons may keep newlines ("\n"), nothing else. Lone surrogates (from non-UTF-8 input) become
  U+FFFD so the text can always be written to SQLite.
- Addresses (the SSH client address, --ip) must parse as an IP address (ipaddress module) and are
  stored in canonical form. From the environment an unparseable value is stored as None (the user
  cannot fix their environment); given explicitly (CLI --ip, auth.Attempt) it is refused.
"""

from __future__ import annotations

import ipaddress
import re

from .errors import ValidationError

IDENTIFIER = 255  # what was typed as the user name / email / phone at sign-in
REASON = 1_000  # audit reasons (admin-written) and login-history reasons (store-written)
USER_AGENT = 512
LABEL = 255  # audit target labels, actor names
ADDRESS = 45  # longest textual IPv6 address (with an embedded IPv4 tail)
ELLIPSIS = "…"

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def strip_controls(text: str, *, keep_newlines: bool = False) -> str:
    """Remove C0/C1 control characters (ESC included) and DEL; lone surrogates become U+FFFD."""
    text = _SURROGATES.sub("\ufffd", text)
    return (_CONTROLS_BUT_NEWLINE if keep_newlines else _CONTROLS).sub("", text)


_UNSTORABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def unmatchable(text: str | None) -> bool:
    """True when `text` holds a character no stored name, address, label or value can hold: a control character
    (every stored string is refused with one: store/validation.clean_text, or cleaned: `checked`, `cut`) or a lone
    surrogate (not UTF-8). Such a search or filter matches nothing, and is answered so without asking the database:
    PostgreSQL refuses a NUL in any text parameter (DataError) and SQLite's FTS5 reads one as the end of the string,
    so asking would be an error on one backend and an answer on the other."""
    return text is not None and _UNSTORABLE.search(text) is not None


def refuse_long(text: str | None, limit: int, what: str) -> None:
    if text is not None and len(text) > limit:
        raise ValidationError(f"{what} is too long (max {limit})", what)


def checked(text: str | None, limit: int, what: str, *, keep_newlines: bool = False) -> str | None:
    """Text chosen on purpose: refused when longer than `limit`, then control characters removed; '' -> None."""
    if text is None:
        return None
    refuse_long(text, limit, what)
    return strip_controls(text, keep_newlines=keep_newlines) or None


def cut(text: str | None, limit: int, *, keep_newlines: bool = False) -> str | None:
    """Text the store must record whatever it is: control characters removed, cut to `limit` with '…'."""
    if text is None:
        return None
    text = strip_controls(text[: limit * 2], keep_newlines=keep_newlines)  # bound the work on huge input
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def ip_address(value: str | None, *, strict: bool = True) -> str | None:
    """The canonical form of an IP address, None for none; invalid: ValidationError, or None if not strict."""
    if value is None or not value.strip():
        return None
    try:
        if len(value) > ADDRESS * 2:
            raise ValueError(value)
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        if strict:
            raise ValidationError(f"not an IP address: {cut(value, 60)!r}", "ip") from None
        return None


def address_from_environment(environ: dict[str, str] | None = None) -> str | None:
    """The SSH client address ($SSH_CLIENT, else $SSH_CONNECTION, first word), or None if absent or invalid."""
    import os

    env = os.environ if environ is None else environ
    ssh = env.get("SSH_CLIENT") or env.get("SSH_CONNECTION") or ""
    words = ssh.split()
    return ip_address(words[0], strict=False) if words else None


def audit_fields(
    actor_name: str, actor_address: str | None, target_label: str | None, reason: str | None
) -> tuple[str, str | None, str | None, str | None]:
    """(actor, address, target label, reason) as the audit log stores them; a too-long reason is refused."""
    return (
        cut(actor_name, LABEL) or "",
        ip_address(actor_address, strict=False),
        cut(target_label, LABEL),
        checked(reason, REASON, "reason", keep_newlines=True),
    )
