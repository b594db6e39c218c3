"""Userdesk's faces: the admin console, the self-service console and the command line."""
