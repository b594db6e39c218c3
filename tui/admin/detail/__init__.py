"""The admin console's account-detail screen: one user's record in tabs."""

from .screen import UserDetailScreen, account_screen

__all__ = ["UserDetailScreen", "account_screen"]
