"""80x24 pictures of each screen on a deterministic database (fixed clock, uids, TOTP secret).

Regenerate with `pytest tests/selfservice/test_snapshots.py --snapshot-update` and look at the SVGs;
`python -m tests.selfservice.screenshots` writes the same scenes to screenshots/selfservice-*.svg.
"""

from __future__ import annotations

import pytest

from .helpers import make_app
from .screenshots import SIZE, deterministic, run_before, seed

pytestmark = pytest.mark.sqlite_only(
    "snapshots of pure rendering; the data they draw is checked on both backends by the Pilot tests"
)

# Every screen once (the screenshots script also draws the TOTP second step and the two dialogs).
SNAPSHOT_SCENES = (
    "signin-failed",
    "second-step",
    "forgot",
    "forced-password",
    "profile",
    "password",
    "mfa",
    "totp-setup",
    "recovery-codes",
    "contacts",
    "history",
    "sessions",
    "apps",
    "help",
)


@pytest.fixture
def seeded(db):
    """The seeded directory, with the deterministic secrets still in place while the test runs: one sequence for
    the seed and the scene (a second, restarted sequence gave alice bob's TOTP secret and recovery codes, and the
    recovery-codes picture showed the unique-constraint error instead of the codes)."""
    with deterministic():
        seed(db)
        yield db


@pytest.mark.parametrize("scene", SNAPSHOT_SCENES)
def test_screen(scene, seeded, snap_compare) -> None:
    assert snap_compare(make_app(seeded), terminal_size=SIZE, run_before=run_before(scene))
