"""The API reference builds from the docstrings with warnings as errors."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    importlib.util.find_spec("sphinx") is None or importlib.util.find_spec("numpydoc") is None,
    reason="the docs extra is not installed (pip install -e '.[docs]')",
)
def test_the_api_reference_builds_without_warnings(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E", "-b", "html", "docs/api", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    reference = (tmp_path / "reference.html").read_text(encoding="utf-8")
    for name in ("hubopt.run", "hubopt.Scenario.from_dict", "hubopt.load_study", "hubopt.write_hub_map"):
        assert f'id="{name}"' in reference, name
    assert "west_kent_five_hubs" in (tmp_path / "example.html").read_text(encoding="utf-8")
