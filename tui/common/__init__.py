"""The UI layer both consoles share: store calls off the UI thread, the typed app protocol, formatters.

Rules: tui.common imports store, textual and tui.text / tui.widgets, never tui.admin or tui.selfservice
(an import-linter contract in pyproject.toml). The consoles reach it by explicit module imports; this
package re-exports nothing, so each name has one home.
"""
