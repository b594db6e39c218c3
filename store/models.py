"""Tables of the directory. Times are integer Unix seconds (UTC), 64-bit on every backend (PostgreSQL's INTEGER would
end in 2038); secrets are stored hashed or encrypted."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class _Stored(Protocol):
    id: int | None


def stored_id(row: _Stored) -> int:
    """The primary key of a row read from (or flushed to) the database, where it is never None.

    SQLModel types `id` as optional because a new, unsaved row has none; this says where we know better."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has not been stored yet")
    return row.id


STATUSES = ("active", "disabled", "archived")


def _fk(target: str, nullable: bool = False, ondelete: str = "CASCADE") -> Column:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=False)


class User(SQLModel, table=True):
    __tablename__ = "user"
    __table_args__ = (
        Index("ix_user_username", "username", unique=True),
        Index("ix_user_email", "email", unique=True),
        Index("ix_user_phone", "phone", unique=True),
        Index("ix_user_external_id", "external_id", unique=True),
        Index("ix_user_uid", "uid", unique=True),
        # the directory's sort keys (store/directory.py), one expression per backend: same names
        Index("ix_user_sort_username", text("ifnull(username, '') COLLATE NOCASE"), "id").ddl_if(dialect="sqlite"),
        Index("ix_user_sort_login", text("ifnull(last_login_at, 0)"), "id").ddl_if(dialect="sqlite"),
        Index("ix_user_name_nocase", text("name COLLATE NOCASE")).ddl_if(dialect="sqlite"),
        Index("ix_user_sort_username", text("lower(coalesce(username, ''))"), "id").ddl_if(dialect="postgresql"),
        Index("ix_user_sort_login", text("coalesce(last_login_at, 0)"), "id").ddl_if(dialect="postgresql"),
        Index("ix_user_name_nocase", text("lower(name)")).ddl_if(dialect="postgresql"),
        Index("ix_user_status", "status", "id"),
        Index(
            "ix_user_locked",
            "locked_until",
            sqlite_where=text("locked_until IS NOT NULL"),
            postgresql_where=text("locked_until IS NOT NULL"),
        ),  # 'locked' filter
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=24)
    username: str | None = None
    email: str | None = None
    email_verified: bool = False
    phone: str | None = None
    phone_verified: bool = False
    name: str | None = None
    nickname: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    photo: str | None = None
    gender: str = "U"
    birthdate: str | None = None
    company: str | None = None
    street_address: str | None = None
    city: str | None = None
    province: str | None = None
    postal_code: str | None = None
    country: str | None = None
    locale: str | None = None
    zoneinfo: str | None = None
    external_id: str | None = None
    status: str = "active"
    status_changed_at: int = Field(default=0, sa_type=BigInteger)
    created_at: int = Field(default=0, sa_type=BigInteger)
    updated_at: int = Field(default=0, sa_type=BigInteger)
    password_hash: str | None = None
    password_last_set_at: int | None = Field(default=None, sa_type=BigInteger)
    must_change_password: bool = False
    last_login_at: int | None = Field(default=None, sa_type=BigInteger)
    login_count: int = 0
    last_ip: str | None = None
    failed_attempts: int = 0
    # last counted sign-in failure: the throttle (store/lockout.py)
    last_failed_at: int | None = Field(default=None, sa_type=BigInteger)
    locked_until: int | None = Field(default=None, sa_type=BigInteger)
    mfa_state: str = "none"
    totp_secret: bytes | None = None  # AES-GCM ciphertext; key lives in the key file
    totp_last_step: int = 0
    version: int = 1


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "recovery_code"
    __table_args__ = (Index("ix_recovery_code_user", "user_id"),)  # codes left / replace: no scan at 1M users
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_fk("user.id"))
    code_hash: str = Field(unique=True)  # HMAC-SHA256 of a 120-bit code
    used_at: int | None = Field(default=None, sa_type=BigInteger)


class Session(SQLModel, table=True):
    __tablename__ = "session"
    __table_args__ = (
        Index("ix_session_user", "user_id", "revoked_at"),
        Index("ix_session_expires", "absolute_expires_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    sid: str = Field(unique=True)  # public handle, safe to show
    token_hash: str = Field(unique=True)  # SHA-256 of the token; the token itself is never stored
    user_id: int = Field(sa_column=_fk("user.id"))
    app_id: int | None = Field(default=None, sa_column=_fk("app.id", nullable=True, ondelete="SET NULL"))
    ip: str | None = None
    user_agent: str | None = None
    method: str = "password"
    created_at: int = Field(default=0, sa_type=BigInteger)
    last_seen_at: int = Field(default=0, sa_type=BigInteger)
    absolute_expires_at: int = Field(default=0, sa_type=BigInteger)
    revoked_at: int | None = Field(default=None, sa_type=BigInteger)
    revoked_reason: str | None = None


class LoginEvent(SQLModel, table=True):
    __tablename__ = "login_event"
    __table_args__ = (Index("ix_login_user_ts", "user_id", "ts", "id"), Index("ix_login_ts", "ts"))
    id: int | None = Field(default=None, primary_key=True)
    ts: int = Field(default=0, sa_type=BigInteger)
    user_id: int | None = Field(default=None, sa_column=_fk("user.id", nullable=True, ondelete="SET NULL"))
    identifier: str = ""
    app_id: int | None = Field(default=None, sa_column=_fk("app.id", nullable=True, ondelete="SET NULL"))
    ip: str | None = None
    user_agent: str | None = None
    method: str = "password"  # password, totp, recovery_code, email_code, phone_code
    success: bool = False
    reason: str | None = None  # failure reason, for admins only


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_target", "target_uid", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    ts: int = Field(default=0, sa_type=BigInteger)
    actor: str = ""
    actor_address: str | None = None
    actor_kind: str | None = None  # admin, local, self-service, system (None: written before schema v4)
    actor_role: str | None = None
    actor_key: str | None = None  # SSH key fingerprint, or "local"
    action: str = ""
    target_type: str = "user"
    target_uid: str | None = None
    target_label: str | None = None
    reason: str | None = None
    changes: str | None = None  # JSON {"field": [before, after]}; never secrets


class CustomField(SQLModel, table=True):
    __tablename__ = "custom_field"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    label: str = ""
    type: str = "string"  # string, number, date, boolean, enum
    options: str | None = None  # JSON list for enum
    unique: bool = False
    user_editable: bool = False
    created_at: int = Field(default=0, sa_type=BigInteger)


class CustomValue(SQLModel, table=True):
    __tablename__ = "custom_value"
    __table_args__ = (Index("ix_custom_value_field", "field_id", "value"),)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True))
    field_id: int = Field(
        sa_column=Column(Integer, ForeignKey("custom_field.id", ondelete="CASCADE"), primary_key=True)
    )
    value: str = ""


class App(SQLModel, table=True):
    __tablename__ = "app"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    default_policy: str = "allow"
    created_at: int = Field(default=0, sa_type=BigInteger)


class Group(SQLModel, table=True):
    __tablename__ = "grp"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    description: str = ""
    created_at: int = Field(default=0, sa_type=BigInteger)


class GroupMember(SQLModel, table=True):
    __tablename__ = "group_member"
    __table_args__ = (Index("ix_group_member_user", "user_id"),)
    group_id: int = Field(sa_column=Column(Integer, ForeignKey("grp.id", ondelete="CASCADE"), primary_key=True))
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True))


class AppRule(SQLModel, table=True):
    __tablename__ = "app_rule"
    __table_args__ = (UniqueConstraint("app_id", "subject_type", "subject_id"),)
    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(sa_column=_fk("app.id"))
    subject_type: str = "user"  # user or group
    subject_id: int = 0
    effect: str = "allow"  # allow or deny


class Identity(SQLModel, table=True):
    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("provider", "subject"), Index("ix_identity_user", "user_id"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_fk("user.id"))
    provider: str = ""
    subject: str = ""
    linked_at: int = Field(default=0, sa_type=BigInteger)


class OneTimeCode(SQLModel, table=True):
    """A short numeric code sent to an email or phone (self-service sign-in, reset, address change)."""

    __tablename__ = "one_time_code"
    __table_args__ = (Index("ix_otc_user_purpose", "user_id", "purpose", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_fk("user.id"))
    purpose: str = ""
    destination: str = ""
    code_hash: str = ""
    created_at: int = Field(default=0, sa_type=BigInteger)
    expires_at: int = Field(default=0, sa_type=BigInteger)
    attempts: int = 0
    used_at: int | None = Field(default=None, sa_type=BigInteger)


class Meta(SQLModel, table=True):
    __tablename__ = "meta"
    key: str = Field(primary_key=True)
    value: str = ""


class AdminRole(SQLModel, table=True):
    """A Userdesk user who is an admin, and with which role (store/permissions.py lists what each may do)."""

    __tablename__ = "admin_role"
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True))
    role: str = ""
    granted_at: int = Field(default=0, sa_type=BigInteger)
    granted_by: str = ""
    reason: str | None = None


class AdminKey(SQLModel, table=True):
    """An SSH public key an admin signs in with; the fingerprint is OpenSSH's SHA256 form."""

    __tablename__ = "admin_key"
    __table_args__ = (Index("ix_admin_key_user", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_fk("user.id"))
    fingerprint: str = Field(unique=True)
    key_type: str = ""
    public_key: str = ""  # "<type> <base64>" without the comment
    comment: str = ""
    added_at: int = Field(default=0, sa_type=BigInteger)
    last_used_at: int | None = Field(default=None, sa_type=BigInteger)
