"""The wheel is a real package: built from the source tree, installed into a fresh virtual environment, and
``hubopt demo`` run from an empty folder writes what ``make demo`` writes, and nothing anywhere else.

Nothing is downloaded: the wheel is built with the environment's own setuptools (``--no-build-isolation``), and
the fresh environment gets hubopt's dependencies by seeing this environment's site-packages through a ``.pth``
file, added only after hubopt itself is installed (so pip never sees, let alone touches, this environment's
hubopt).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]

#: The files ``make demo`` writes to maps/west_kent_hubs (README, "What a run writes").
DEMO_OUTPUTS = {
    "appraisal.csv",
    "bed_need.csv",
    "beds.csv",
    "clusters.csv",
    "frontier.csv",
    "frontier_options.csv",
    "how_many.csv",
    "manifest.json",
    "map.html",
    "map_catchments.pdf",
    "map_catchments.png",
    "map_deprivation.pdf",
    "map_deprivation.png",
    "map_travel_time.pdf",
    "map_travel_time.png",
    "next_best.csv",
    "report.html",
    "results.gpkg",
    "results.xlsx",
    "sites.csv",
    "summary.txt",
    "swaps.csv",
    "sweep.csv",
    "zones.csv",
}

#: Files the wheel must not exceed (the built-in studies are about 1.7 MB before compression).
MAX_WHEEL_BYTES = 3_000_000


def _can_build_wheels() -> bool:
    """The build needs setuptools 77 or later: it builds wheels on its own and reads the SPDX licence string."""
    try:
        major = int(metadata.version("setuptools").split(".")[0])
    except metadata.PackageNotFoundError:
        return False
    return major >= 77


def _env_without_source_paths() -> dict[str, str]:
    """This process's environment without PYTHONPATH or PYTHONHOME, so nothing points at the source tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INDEX"] = "1"
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built once from a copy of the package's sources (the build writes nothing into the repository)."""
    tmp = tmp_path_factory.mktemp("wheel")
    if not _can_build_wheels():
        pytest.fail(
            "building the wheel offline needs setuptools 77 or later in this "
            "environment: install the test extra again (pip install -e '.[test]', or make test)"
        )
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "hubopt", source / "hubopt", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp / "dist"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INDEX": "1"}
    build = ["wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), str(source)]
    _run(
        [sys.executable, "-m", "pip", *build],
        cwd=tmp,
        env=env,
    )
    (built,) = dist.glob("hubopt-*.whl")
    return built


def _venv_site_packages(python: Path, env: dict[str, str]) -> Path:
    out = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], python.parent, env)
    return Path(out.stdout.strip())


def _demo_summary_in_readme() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```\n(West Kent local care hubs — .*?)```", readme, flags=re.S)
    assert block, "README.md no longer shows the demo summary"
    return block.group(1).splitlines()


def _without_solver_time(lines: list[str]) -> list[str]:
    """The summary without the solver's seconds, the one figure that differs from run to run."""
    return [re.sub(r"^(  Solver: .*), [\d.]+ s$", r"\1, … s", line) for line in lines]


def test_the_wheel_holds_the_built_in_studies_and_nothing_else_of_the_repository(wheel: Path) -> None:
    assert wheel.stat().st_size < MAX_WHEEL_BYTES
    names = zipfile.ZipFile(wheel).namelist()
    for study in ("west_kent", "mid_south_essex"):
        for name in (
            "study.yaml",
            "zones.csv",
            "zone_ages.csv",
            "zone_boundaries.geojson",
            "sites.csv",
            "projections.csv",
        ):
            assert f"hubopt/studies/{study}/{name}" in names
        assert f"hubopt/studies/{study}/land_mask.bin" in names
    assert "hubopt/studies/west_kent/housing_illustrative.csv" in names
    assert {"hubopt/scenarios/west_kent_hubs.yaml", "hubopt/scenarios/mid_south_essex_hubs.yaml"} <= set(names)
    # The workbench's page (`hubopt app`): every file of hubopt/app/static, served from the installed package.
    static = {f"hubopt/app/static/{p.name}" for p in (REPO / "hubopt" / "app" / "static").iterdir() if p.is_file()}
    assert "hubopt/app/static/index.html" in static and static <= set(names)
    assert not [n for n in names if not n.startswith(("hubopt/", "hubopt-"))], "only the package is shipped"
    assert not [n for n in names if n.startswith(("tests/", "data/", "models/", "maps/", "shared/"))]


def test_hubopt_demo_from_an_installed_wheel_in_an_empty_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, os.environ.copy())
    python = venv / "bin" / "python"
    env = _env_without_source_paths()
    install = ["install", "--no-deps", "--no-index", "--ignore-installed", "--no-compile", str(wheel)]
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), *install],
        tmp_path,
        env,
    )
    site_packages = _venv_site_packages(python, env)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "zz_test_environment.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    installed = site_packages / "hubopt"
    package_files = sorted(p.relative_to(installed) for p in installed.rglob("*") if "__pycache__" not in p.parts)

    empty = tmp_path / "empty"
    empty.mkdir()
    where = _run([str(python), "-c", "import hubopt; print(hubopt.__file__)"], empty, env)
    assert Path(where.stdout.strip()).is_relative_to(site_packages), "the installed copy must be the one imported"

    done = _run([str(venv / "bin" / "hubopt"), "demo"], empty, env)
    folder = empty / "maps" / "west_kent_hubs"
    assert "Error" not in done.stderr
    assert set(os.listdir(empty)) == {"maps"}, "the demo writes only maps/west_kent_hubs in the working folder"
    assert set(os.listdir(empty / "maps")) == {"west_kent_hubs"}
    assert set(os.listdir(folder)) == DEMO_OUTPUTS
    summary = (folder / "summary.txt").read_text(encoding="utf-8").splitlines()
    assert _without_solver_time(summary) == _without_solver_time(_demo_summary_in_readme())
    assert f"Open {folder / 'map.html'} in a browser." in done.stdout
    after = sorted(p.relative_to(installed) for p in installed.rglob("*") if "__pycache__" not in p.parts)
    assert after == package_files, "nothing may be written inside the installed package"
