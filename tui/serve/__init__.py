"""`userdesk serve`: the Userdesk consoles hosted over SSH (asyncssh), one console process per session."""
