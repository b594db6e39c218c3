"""`python -m tui.cli`: the same as `userdesk` (and `python -m tui`)."""

from . import main

main()
