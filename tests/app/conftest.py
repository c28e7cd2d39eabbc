"""Fixtures of the workbench app's tests: the built-in West Kent scenario opened once, and an HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from hubopt import builtin
from hubopt.app.server import create_app
from hubopt.scenario import load_scenario
from hubopt.workbench import Workbench


@pytest.fixture(scope="session")
def workbench() -> Workbench:
    """The built-in West Kent scenario, opened once for every test of the app (read-only)."""
    return Workbench.open(load_scenario(builtin.DEMO_SCENARIO))


@pytest.fixture
def client(workbench: Workbench, tmp_path: Path) -> Iterator[TestClient]:
    """A browser session on a fresh app over West Kent, writing (packs, scenario copies) under ``tmp_path``."""
    with TestClient(create_app(workbench, work_folder=tmp_path)) as test_client:
        yield test_client
