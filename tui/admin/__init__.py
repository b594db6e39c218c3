"""The admin console (`userdesk admin`): directory, account detail, fields, apps and groups, audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import AdminApp

__all__ = ["AdminApp"]


def __getattr__(name: str):
    if name == "AdminApp":
        from .app import AdminApp

        return AdminApp
    raise AttributeError(name)
