"""Errors the store raises. Their messages are meant for people: clear, specific, safe to show."""


class StoreError(Exception):
    """Base class: an operation was refused and nothing was changed."""


class ValidationError(StoreError):
    """Input broke a rule of the domain (bad value, duplicate, policy)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(StoreError):
    """The record named does not exist."""


class Conflict(StoreError):
    """The record was changed by someone else since it was read (optimistic locking)."""


class AuthFailed(StoreError):
    """Sign-in or verification failed. The message is constant on purpose."""

    MESSAGE = "Sign-in failed: the identifier, password or code is not valid."

    def __init__(self, reason: str = "failed") -> None:
        super().__init__(self.MESSAGE)
        self.reason = reason  # for login history (admins only), never shown to the user


class SecondFactorRequired(StoreError):
    """The password was right; a second factor must follow."""


class DatabaseError(StoreError):
    """The database cannot be used (newer schema, wrong key file, not SQLite...)."""


class PermissionDenied(StoreError):
    """The actor's role does not allow the operation ("helpdesk may not delete users")."""
