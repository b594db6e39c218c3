"""The self-service console: end users manage their own account (never anyone else's)."""
