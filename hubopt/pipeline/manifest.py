"""Run manifests: everything needed to reproduce a run (inputs' hashes, versions, parameters, solver outcome)."""

from __future__ import annotations

import json
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from hubopt._version import __version__
from hubopt.files.output_folder import output_marker
from hubopt.io._files import file_sha256

#: Packages whose versions change results or outputs.
TRACKED_PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "geopandas",
    "shapely",
    "pyproj",
    "pyogrio",
    "pulp",
    "highspy",
    "folium",
    "osmnx",
    "networkx",
    "pyyaml",
)


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that matter for a run (None when not installed)."""
    out: dict[str, str | None] = {}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def describe_inputs(paths: dict[str, Path]) -> list[dict[str, Any]]:
    """Path, size and SHA-256 of each input file."""
    return [
        {"role": role, "path": str(path), "bytes": path.stat().st_size, "sha256": file_sha256(path)}
        for role, path in sorted(paths.items())
    ]


def build_manifest(
    *,
    scenario: dict[str, Any],
    inputs: dict[str, Path],
    parameters: dict[str, Any],
    solve: dict[str, Any],
    methods: dict[str, str | dict[str, str]],
    results: dict[str, Any],
    outputs: list[str],
) -> dict[str, Any]:
    """Assemble a manifest dictionary.

    It starts with ``"generator": "hubopt"`` and ``"kind": "run"``: the mark by which hubopt knows a folder as one of
    its runs, the only kind of folder it replaces (see :mod:`hubopt.files.output_folder`).
    """
    return {
        **output_marker("run"),
        "hubopt_version": __version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "scenario": scenario,
        "inputs": describe_inputs(inputs),
        "parameters": parameters,
        "methods": methods,
        "solve": solve,
        "results": results,
        "outputs": outputs,
    }


def write_manifest(manifest: dict[str, Any], path: Path) -> Path:
    """Write the manifest as indented JSON."""
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return path
