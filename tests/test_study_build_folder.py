"""``study build`` stages its folder and renames it into place: never a half-written study, never a user's files lost.

Needs the real open data (../shared/data); skips with a reason when it is absent.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import yaml

import hubopt.build.study as study_build
import hubopt.build.study_write as study_write
from hubopt.build.areas import area_for
from hubopt.build.study import STUDY_FILES, build_study
from hubopt.errors import InputError
from hubopt.study import load_study

BRENTWOOD = area_for(None, ["E07000068"])


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def earlier_study(folder: Path) -> Path:
    """A study that hubopt built before, with two files of the user's beside it."""
    folder.mkdir()
    for name in STUDY_FILES:
        (folder / name).write_text(f"old {name}\n")
    (folder / "study.yaml").write_text(yaml.safe_dump({"name": "Old", "built_by": "hubopt study build"}))
    (folder / "housing_trajectory.csv").write_text("site,2025\nA,10\n")
    (folder / "network_drive.graphml").write_text("<graphml/>\n")
    return folder


def test_full_disk_mid_write_leaves_the_earlier_study_whole(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = earlier_study(tmp_path / "study")
    before = {p.name: p.read_bytes() for p in dest.iterdir()}
    real_writer = study_write.write_site_register

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(study_write, "write_site_register", disk_full)
    with pytest.raises(InputError, match="the disk is full: the study could not be written") as err:
        build_study(shared_data, dest, BRENTWOOD)
    assert "free space on the disk" in str(err.value)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before
    assert leftovers(tmp_path) == []
    with pytest.raises(InputError, match="the disk is full"):
        build_study(shared_data, tmp_path / "new", BRENTWOOD)
    assert not (tmp_path / "new").exists() and leftovers(tmp_path) == []

    # once there is room, the study is replaced and the user's own files in its folder are kept
    monkeypatch.setattr(study_write, "write_site_register", real_writer)
    build_study(shared_data, dest, BRENTWOOD)
    assert sorted(os.listdir(dest)) == sorted([*STUDY_FILES, "housing_trajectory.csv", "network_drive.graphml"])
    assert (dest / "housing_trajectory.csv").read_bytes() == before["housing_trajectory.csv"]
    assert load_study(dest).metadata["districts"] == {"E07000068": "Brentwood"}
    assert leftovers(tmp_path) == []


def test_a_folder_that_holds_no_built_study_is_refused_before_building(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"three years of work")
    (folder / "study.yaml").write_text(yaml.safe_dump({"name": "My own study"}))  # not built by hubopt

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the study was built before the folder was checked")

    monkeypatch.setattr(study_build, "build_zones", refuse)
    with pytest.raises(InputError, match="hubopt did not write") as err:
        build_study(shared_data, folder, BRENTWOOD)
    assert "only replaces a folder that holds its own study" in str(err.value)
    assert sorted(os.listdir(folder)) == ["study.yaml", "thesis.docx"]
    assert (folder / "thesis.docx").read_bytes() == b"three years of work"
    assert leftovers(tmp_path) == []
