"""The admin console's account-detail screen: one user's record in tabs."""

from .screen import UserDetailScreen

__all__ = ["UserDetailScreen"]
