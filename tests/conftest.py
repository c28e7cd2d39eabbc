"""Shared fixtures: the real open data in ../shared/data (tests that need it skip with a reason when absent)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from hubopt.locate import _clock

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("HUBOPT_SHARED_DATA", REPO.parent / "shared" / "data"))
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"

# The OR-Library readers live with the benchmarks (bench/orlib.py), not in the package; tests import them from there.
sys.path.insert(0, str(REPO / "bench"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real open data (../shared/data); skips the test when it is not there."""
    if not (SHARED_DATA / "SOURCES.md").exists():
        pytest.skip(f"real open data not found at {SHARED_DATA} (set HUBOPT_SHARED_DATA to its folder)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


class FakeClock:
    """Stands in for :func:`hubopt.locate._clock.now`, so a time limit runs out exactly when a test says.

    Time stands still (no deadline ever passes, whatever the machine's speed) until :meth:`run_out`; from then on
    every reading is an hour after the last, so every deadline already set, or set later, has passed.
    """

    def __init__(self) -> None:
        self.t = 0.0
        self.out_of_time = False

    def now(self) -> float:
        if self.out_of_time:
            self.t += 3600.0
        return self.t

    def run_out(self) -> None:
        self.out_of_time = True


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A :class:`FakeClock` read by every deadline hubopt checks itself (see ``hubopt.locate._clock``)."""
    fake = FakeClock()
    monkeypatch.setattr(_clock, "now", fake.now)
    return fake
