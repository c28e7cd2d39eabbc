"""Shared fixtures: the real open data in ../shared/data (tests that need it skip with a reason when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("HUBOPT_SHARED_DATA", REPO.parent / "shared" / "data"))
WEST_KENT = REPO / "data" / "west_kent"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real open data (../shared/data); skips the test when it is not there."""
    if not (SHARED_DATA / "SOURCES.md").exists():
        pytest.skip(f"real open data not found at {SHARED_DATA} (set HUBOPT_SHARED_DATA to its folder)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO
