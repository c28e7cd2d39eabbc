"""The built-in West Kent study: ``hubopt data build-west-kent`` (the same as ``hubopt study build --area
west_kent``)."""

from __future__ import annotations

from pathlib import Path

from hubopt.build.areas import WEST_KENT
from hubopt.build.study import BuildReport, build_study

#: West Kent's districts (WK plan; ONS LAD codes).
WEST_KENT_DISTRICTS = WEST_KENT.districts


def build_west_kent(source: str | Path, out: str | Path) -> BuildReport:
    """Build the West Kent study folder (the built-in one is ``hubopt/studies/west_kent``) from the real files."""
    return build_study(source, out, WEST_KENT)
