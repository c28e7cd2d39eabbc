"""The notebook-style example in docs/examples runs, and its answer is the demo summary's in the README."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "docs" / "examples" / "west_kent_five_hubs.py"


def readme_demo_summary() -> tuple[set[str], dict[str, float]]:
    """The hub IDs and access figures of the demo summary printed in the README."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("West Kent local care hubs — West Kent, 2030", 1)[1].split("```", 1)[0]
    hubs = set(re.findall(r"^  .+?\s{2,}([A-Z0-9]{5,6})\s+[\d,]+\s+[\d.]+$", block, flags=re.MULTILINE))
    access = r"mean ([\d.]+) min, 95th percentile ([\d.]+) min, longest ([\d.]+)"
    mean, p95, longest = re.search(access, block).groups()
    within = re.search(r"within 15 min: ([\d.]+)%", block).group(1)
    swap = re.search(r"Cheapest swap: .*?\(\+([\d.]+)% travel", block).group(1)
    figures = {"mean": float(mean), "p95": float(p95), "max": float(longest), "within_15": float(within) / 100}
    return hubs, figures | {"swap": float(swap) / 100}


def test_the_example_runs_and_gives_the_demo_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    names = runpy.run_path(str(EXAMPLE), run_name="__main__")
    hubs, figures = readme_demo_summary()
    assert len(hubs) == 5
    result = names["result"]
    assert len(result.result.hubs) == 5 and len(result.result.external) == 1  # and the border service
    assert set(names["hubs"]["site_id"]) == hubs
    # The README prints minutes to 0.1 and shares to 0.1 percentage points: the example agrees within that rounding.
    assert result.access["mean_minutes"] == pytest.approx(figures["mean"], abs=0.05)
    assert result.access["p95_minutes"] == pytest.approx(figures["p95"], abs=0.05)
    assert result.access["max_minutes"] == pytest.approx(figures["max"], abs=0.05)
    assert result.access["within_15_share"] == pytest.approx(figures["within_15"], abs=0.0005)
    assert names["change"] == pytest.approx(figures["swap"], abs=0.00005)
    assert result.zones.crs.to_epsg() == 27700
    assert result.folder is None
    # Only the map was written, where the example says.
    assert names["map_file"] == Path("west_kent_five_hubs") / "map.html"
    assert [p.relative_to(tmp_path).as_posix() for p in sorted(tmp_path.rglob("*"))] == [
        "west_kent_five_hubs",
        "west_kent_five_hubs/map.html",
    ]
    assert "<html" in (tmp_path / "west_kent_five_hubs" / "map.html").read_text(encoding="utf-8")[:500].lower()
