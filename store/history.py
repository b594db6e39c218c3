"""Reading login history and the audit log, newest first, with keyset paging."""

from __future__ import annotations

import heapq
import ipaddress
import itertools
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, tuple_
from sqlmodel import col, select

from . import limits, permissions
from .audit import Actor
from .db import Database
from .errors import ValidationError
from .models import App, AuditEntry, LoginEvent, stored_id

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IP_HELP = "an IP address, a prefix or a subnet (e.g. 10.0.0.7, 10.0., 10.0.0.0/8, 2001:db8::/32)"


@dataclass(frozen=True)
class HistoryFilter:
    success: bool | None = None
    app: str | None = None
    ip: str | None = None  # an address (exact), or a prefix or subnet: see parse_ip_filter
    since: int | None = None  # inclusive, Unix seconds
    until: int | None = None  # exclusive


@dataclass(frozen=True)
class HistoryRow:
    id: int
    ts: int
    identifier: str
    app: str | None
    ip: str | None
    user_agent: str | None
    method: str
    success: bool
    reason: str | None

    @property
    def cursor(self) -> tuple[int, int]:
        return (self.ts, self.id)


def login_history(
    db: Database,
    user_id: int,
    flt: HistoryFilter = HistoryFilter(),
    *,
    before: tuple[int, int] | None = None,
    limit: int = 50,
    actor: Actor | None = None,
) -> list[HistoryRow]:
    """One page of a user's attempts; pass the last row's cursor as `before` for the next page."""
    permissions.require_if(actor, "history.read")
    query = (
        select(LoginEvent, App.name)
        .outerjoin(App, col(App.id) == col(LoginEvent.app_id))
        .where(col(LoginEvent.user_id) == user_id)
        .order_by(col(LoginEvent.ts).desc(), col(LoginEvent.id).desc())
        .limit(limit)
    )
    if flt.success is not None:
        query = query.where(col(LoginEvent.success) == flt.success)
    if flt.app:
        query = query.where(col(App.name) == flt.app)
    network = parse_ip_filter(flt.ip) if flt.ip else None
    if isinstance(network, str):
        query = query.where(col(LoginEvent.ip) == network)
    if flt.since is not None:
        query = query.where(col(LoginEvent.ts) >= flt.since)
    if flt.until is not None:
        query = query.where(col(LoginEvent.ts) < flt.until)
    if network is not None and not isinstance(network, str):
        rows = _in_network(db, query, network, before, limit)
    else:
        if before is not None:
            query = query.where(tuple_(col(LoginEvent.ts), col(LoginEvent.id)) < tuple_(*before))
        with db.read() as s:
            rows = list(s.exec(query).all())
    return [
        HistoryRow(
            id=stored_id(e),
            ts=e.ts,
            identifier=e.identifier,
            app=app,
            ip=e.ip,
            user_agent=e.user_agent,
            method=e.method,
            success=e.success,
            reason=e.reason,
        )
        for e, app in rows
    ]


def audit_log(
    db: Database,
    *,
    target_uid: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
    actor: Actor | None = None,
) -> list[AuditEntry]:
    permissions.require_if(actor, "audit.read")
    if limits.unmatchable(target_uid):
        return []  # no uid holds a control character (a NUL is PostgreSQL's DataError)
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if target_uid is not None:
        query = query.where(col(AuditEntry.target_uid) == target_uid)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    with db.read() as s:
        return list(s.exec(query).all())


def changes_of(entry: AuditEntry) -> dict[str, Any]:
    return json.loads(entry.changes) if entry.changes else {}


# ---------------------------------------------------------------- login history by IP prefix or subnet


def parse_ip_filter(text: str) -> str | Network:
    """What an admin typed into an IP filter: one address (returned as its canonical text, matched exactly
    and by index), or a network: CIDR ("10.0.0.0/8", "2001:db8::/32"), or a prefix of whole IPv4 octets
    ("10.0." or "10.0") or IPv6 groups ("2001:db8:"). Anything else is one ValidationError."""
    raw = (text or "").strip()
    try:
        if "/" in raw:
            return ipaddress.ip_network(raw, strict=False)
        return str(ipaddress.ip_address(raw))
    except ValueError:
        pass
    try:
        if ":" not in raw:
            octets = raw.rstrip(".").split(".")
            if 1 <= len(octets) <= 3 and all(o.isdigit() for o in octets):
                return ipaddress.ip_network(".".join(octets + ["0"] * (4 - len(octets))) + f"/{8 * len(octets)}")
        else:
            groups = raw.rstrip(":").split(":")
            if 1 <= len(groups) <= 7 and all(groups) and "::" not in raw.rstrip(":"):
                return ipaddress.ip_network(":".join(groups) + f"::/{16 * len(groups)}")
    except ValueError:
        pass
    raise ValidationError(f"'{raw[:60]}' is not {IP_HELP}.", "ip")


def _in_network(db: Database, query: Any, network: Network, before: tuple[int, int] | None, limit: int) -> list[Any]:
    """Rows of `query` (one user's history, newest first) whose address is in `network`, `limit` at most.

    The user's history is read in keyset chunks through the (user_id, ts, id) index and each address tested
    with `ipaddress` (text prefixes cannot express /12 or compressed IPv6). An IPv4 network on octet
    boundaries is also narrowed in SQL with a LIKE prefix (portable, and it lets most rows stay unread)."""
    if network.version == 4 and network.prefixlen % 8 == 0 and network.prefixlen:
        head = ".".join(str(network.network_address).split(".")[: network.prefixlen // 8]) + ".%"
        query = query.where(col(LoginEvent.ip).like(head))
    chunk = max(limit * 4, 200)
    found: list[Any] = []
    cursor = before
    while len(found) < limit:
        page = query.limit(chunk)
        if cursor is not None:
            page = page.where(tuple_(col(LoginEvent.ts), col(LoginEvent.id)) < tuple_(*cursor))
        with db.read() as s:
            rows = list(s.exec(page).all())
        for event, app in rows:
            if _address_in(event.ip, network):
                found.append((event, app))
                if len(found) == limit:
                    break
        if len(rows) < chunk:
            break
        last = rows[-1][0]
        cursor = (last.ts, stored_id(last))
    return found


def _address_in(address: str | None, network: Network) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address) in network
    except ValueError:
        return False


# ---------------------------------------------------------------- the global audit log, filtered


@dataclass(frozen=True)
class AuditFilter:
    """Filters on the global audit log; every one is served by an index (store/db.py _v7).

    actor: the actor's name exactly (e.g. 'nina', 'self:bob'); action: exact ('user.disable') or, ending in
    '.' or '*', a prefix ('user.' = every user action); target: a user's uid or any target's label exactly
    (a user's login name, a group, app or field name); since/until: Unix seconds, since inclusive, until
    exclusive."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: int | None = None
    until: int | None = None

    @property
    def active(self) -> bool:
        return any(v is not None and v != "" for v in (self.actor, self.action, self.target, self.since, self.until))

    def describe(self) -> str:
        parts = [f"{name} {value}" for name, value in (("actor", self.actor), ("action", self.action)) if value]
        if self.target:
            parts.append(f"target {self.target}")
        return ", ".join(parts)


def parse_when(text: str, what: str = "date") -> int:
    """What an admin typed as a date: YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] (or with a T), UTC unless an offset is
    given, as Unix seconds; anything else is one ValidationError."""
    from datetime import UTC, datetime

    raw = (text or "").strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            f"{what} must be a date (YYYY-MM-DD) or a time (YYYY-MM-DD HH:MM), in UTC: '{raw[:40]}'", what
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def filtered_audit_log(
    db: Database,
    flt: AuditFilter,
    *,
    before_id: int | None = None,
    limit: int = 50,
    actor: Actor | None = None,
) -> list[AuditEntry]:
    """One page of the audit log matching `flt`, newest first; pass the last entry's id as `before_id`.

    Paged by id (entries are written in time order, so id order is time order). A date range becomes an id
    range first: two index probes on ts find the first entry at or after each bound, so a range deep in a
    million entries is not reached by reading everything newer. The ts conditions stay in the query too."""
    permissions.require_if(actor, "audit.read")
    if any(limits.unmatchable(v) for v in (flt.actor, flt.action, flt.target)):
        return []  # no stored actor, action or label holds a control character (a NUL is PostgreSQL's DataError)
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if flt.actor:
        query = query.where(col(AuditEntry.actor) == flt.actor.strip())
    action = (flt.action or "").strip()
    prefix = action.endswith(("*", "."))
    if action and not prefix:
        query = query.where(col(AuditEntry.action) == action)
    if flt.target:
        target = flt.target.strip()
        query = query.where((col(AuditEntry.target_uid) == target) | (col(AuditEntry.target_label) == target))
    with db.read() as s:
        if flt.since is not None:
            query = query.where(col(AuditEntry.ts) >= flt.since)
            first = _first_id_at(s, flt.since)
            if first is None:
                return []
            query = query.where(col(AuditEntry.id) >= first)
        if flt.until is not None:
            query = query.where(col(AuditEntry.ts) < flt.until)
            end = _first_id_at(s, flt.until)
            if end is not None:
                query = query.where(col(AuditEntry.id) < end)
        if before_id is not None:
            query = query.where(col(AuditEntry.id) < before_id)
        if not prefix:
            return list(s.exec(query).all())
        # A prefix ('user.') spans several actions: one (action, id) index range per action, newest first, merged.
        # A single range query would have to sort every matching entry (0.5 s at 1M entries).
        pages = [list(s.exec(query.where(col(AuditEntry.action) == name)).all()) for name in _actions(s, action)]
        merged = heapq.merge(*pages, key=lambda e: -stored_id(e))
        return list(itertools.islice(merged, limit))


def _actions(s: Any, prefix: str) -> list[str]:
    """The distinct actions starting with `prefix` (its '*' dropped), by seeks on the action index (a loose index
    scan: one probe per action, however many entries each has)."""
    head = prefix.rstrip("*")
    found: list[str] = []
    current = head
    while True:
        name = s.exec(
            select(func.min(AuditEntry.action)).where(
                col(AuditEntry.action) >= current if not found else col(AuditEntry.action) > current,
                col(AuditEntry.action) < head + "\U0010ffff",
            )
        ).first()
        if name is None:
            return found
        found.append(name)
        current = name


def _first_id_at(s: Any, ts: int) -> int | None:
    """The id of the first entry written at or after `ts` (an index probe on audit(ts))."""
    return s.exec(
        select(AuditEntry.id).where(col(AuditEntry.ts) >= ts).order_by(col(AuditEntry.ts), col(AuditEntry.id)).limit(1)
    ).first()
