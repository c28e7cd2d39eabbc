"""Shared fixtures of the workbench tests: West Kent's built-in scenario, opened once for the session."""

from __future__ import annotations

import pytest

from hubopt.scenario import Scenario
from hubopt.workbench.session import Workbench


@pytest.fixture(scope="session")
def west_kent() -> Workbench:
    """The built-in West Kent scenario in a workbench (read-only: every test may share it)."""
    return Workbench.open(Scenario.from_yaml("builtin:west_kent_hubs"))
