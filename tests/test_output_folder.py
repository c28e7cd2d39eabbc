"""Output folders never harm a user's files (hubopt.files.output_folder, and the commands that write folders).

Each case states what must stay: a user's files intact, no staging folder or lock left behind, the refusal before
any computation (the study loader is replaced by one that fails the test if it is called).
"""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_pipeline import scenario_file

import hubopt.files.output_folder as output_folder
import hubopt.pipeline as pipeline
import hubopt.pipeline.outputs as pipeline_outputs
import hubopt.pipeline.steps as pipeline_steps
from hubopt.cli import main
from hubopt.errors import InputError
from hubopt.files.atomic import atomic_path, write_text_atomic
from hubopt.files.output_folder import add_outputs, manifest_files, prepare, write_folder_manifest
from hubopt.scenario import load_scenario


def quick_scenario(tmp_path: Path) -> Path:
    """The West Kent scenario with the model and its tables only (no beds, appraisal, map or report)."""
    return scenario_file(tmp_path, light=True, beds__enabled=False, appraisal__options=[], outputs__map=False)


THESIS = b"PK\x03\x04 my thesis, three years of work"


def leftovers(parent: Path) -> list[str]:
    """Staging folders, lock files and temporary files hubopt may have left beside its outputs."""
    return sorted(
        p.name
        for p in parent.iterdir()
        if p.name.startswith(".")
        and (".partial" in p.name or p.name.endswith(".lock") or ".old-" in p.name or p.name.endswith(".tmp"))
    )


def thesis_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "writing"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(THESIS)
    return folder


def fake_run(folder: Path, outputs: dict[str, str], *, generator: bool = True) -> Path:
    """A finished run folder as hubopt writes it: its files and a manifest that lists them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in outputs.items():
        (folder / name).write_text(text)
    record = {"hubopt_version": "0.1.0", "outputs": [*outputs, "manifest.json"]}
    if generator:
        record = {"generator": "hubopt", "kind": "run", **record}
    (folder / "manifest.json").write_text(json.dumps(record))
    return folder


@pytest.fixture
def study_never_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a run starts computing (the output folder must be checked first)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the study was loaded before the output folder was checked")

    monkeypatch.setattr(pipeline_steps, "load_study", refuse)


# -- refusals before computing ---------------------------------------------------------------------------------------


def test_overwrite_refuses_a_folder_that_is_not_a_run(tmp_path: Path, study_never_loaded: None) -> None:
    folder = thesis_folder(tmp_path)
    sc = load_scenario(quick_scenario(tmp_path))
    with pytest.raises(InputError, match=r"holds files that hubopt did not write \(thesis\.docx\)") as err:
        pipeline.run_scenario(sc, out=folder, overwrite=True)
    assert "never deletes files it did not write" in str(err.value)
    assert (folder / "thesis.docx").read_bytes() == THESIS
    assert sorted(os.listdir(folder)) == ["thesis.docx"]
    assert leftovers(tmp_path) == []


def test_demo_out_refuses_a_folder_with_a_users_files(tmp_path: Path, study_never_loaded: None) -> None:
    folder = thesis_folder(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--out", str(folder)])
    assert result.exit_code == 2, result.output
    assert "hubopt did not write (thesis.docx)" in result.output
    assert "Traceback" not in result.output
    assert (folder / "thesis.docx").read_bytes() == THESIS
    assert leftovers(tmp_path) == []


def test_out_path_that_is_a_file_is_refused_before_computing(tmp_path: Path, study_never_loaded: None) -> None:
    path = tmp_path / "results"
    path.write_bytes(THESIS)
    sc = load_scenario(quick_scenario(tmp_path))
    for overwrite in (False, True):
        with pytest.raises(InputError, match="the output path is a file, not a folder"):
            pipeline.run_scenario(sc, out=path, overwrite=overwrite)
    assert path.read_bytes() == THESIS
    assert leftovers(tmp_path) == []


def test_a_folder_inside_a_file_is_refused(tmp_path: Path, study_never_loaded: None) -> None:
    path = tmp_path / "results"
    path.write_bytes(THESIS)
    sc = load_scenario(quick_scenario(tmp_path))
    with pytest.raises(InputError, match="a part of the folder's path is a file, not a folder"):
        pipeline.run_scenario(sc, out=path / "run")
    assert path.read_bytes() == THESIS


@pytest.mark.parametrize(
    ("code", "words"), [(errno.EACCES, "permission denied"), (errno.EROFS, "the disk is read-only")]
)
def test_unwritable_place_is_refused_before_computing(
    tmp_path: Path, study_never_loaded: None, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    # Tests run as root, for whom chmod does not stop a write: the failure is made where the folder is written.
    def cannot_write(target: Path, tag: str, *, directory: bool) -> Path:
        raise OSError(code, os.strerror(code), str(target.parent))

    monkeypatch.setattr(output_folder, "unique_sibling", cannot_write)
    sc = load_scenario(quick_scenario(tmp_path))
    with pytest.raises(InputError, match=words) as err:
        pipeline.run_scenario(sc, out=tmp_path / "out")
    assert "choose a folder you can write to with --out" in str(err.value)
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []


def test_read_only_earlier_run_is_refused_before_computing(
    tmp_path: Path, study_never_loaded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = fake_run(tmp_path / "out", {"zones.csv": "old\n"})
    real_access = os.access
    monkeypatch.setattr(output_folder.os, "access", lambda p, mode: Path(p) != earlier and real_access(p, mode))
    sc = load_scenario(quick_scenario(tmp_path))
    with pytest.raises(InputError, match="permission denied"):
        pipeline.run_scenario(sc, out=earlier, overwrite=True)
    assert (earlier / "zones.csv").read_text() == "old\n"
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into a read-only folder anyway")
def test_read_only_parent_folder_for_real(tmp_path: Path, study_never_loaded: None) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        sc = load_scenario(quick_scenario(tmp_path))
        with pytest.raises(InputError, match="permission denied"):
            pipeline.run_scenario(sc, out=parent / "out")
        assert os.listdir(parent) == []
    finally:
        parent.chmod(0o755)


def test_lock_of_a_running_process_refuses_a_second_run(tmp_path: Path, study_never_loaded: None) -> None:
    earlier = fake_run(tmp_path / "out", {"zones.csv": "zone_id\nE01\n", "summary.txt": "earlier\n"})
    lock = tmp_path / ".out.lock"
    lock.write_text(f"{os.getpid()} {socket.gethostname()}\n")  # a live process holds the folder
    sc = load_scenario(quick_scenario(tmp_path))
    with pytest.raises(InputError, match=rf"another hubopt run is writing to this folder \(process {os.getpid()}"):
        pipeline.run_scenario(sc, out=earlier, overwrite=True)
    assert (earlier / "summary.txt").read_text() == "earlier\n"
    assert lock.exists()  # the other run's lock is not ours to remove


def test_two_writers_of_one_folder_the_second_is_refused(tmp_path: Path) -> None:
    with prepare(tmp_path / "out", overwrite=False) as first:
        with pytest.raises(InputError, match="another hubopt run is writing"):
            prepare(tmp_path / "out", overwrite=False)
        (first.staging / "a.csv").write_text("x\n")
        write_folder_manifest(first.staging, "run")
        first.commit()
    assert sorted(os.listdir(tmp_path / "out")) == ["a.csv", "manifest.json"]
    assert leftovers(tmp_path) == []
    # each writer stages in its own folder
    a, b = prepare(tmp_path / "x", overwrite=False), prepare(tmp_path / "y", overwrite=False)
    assert a.staging != b.staging and a.staging.parent == b.staging.parent == tmp_path
    a.discard(), b.discard()
    assert leftovers(tmp_path) == []


def test_lock_of_a_process_that_ended_is_taken_over(tmp_path: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / ".out.lock").write_text(f"{int(ended.stdout)} {socket.gethostname()}\n")
    with prepare(tmp_path / "out", overwrite=False):
        assert (tmp_path / ".out.lock").read_text().split()[0] == str(os.getpid())
    assert leftovers(tmp_path) == []


def test_staging_of_a_killed_run_is_cleared_and_nothing_else(tmp_path: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = tmp_path / f".out.partial-{int(ended.stdout)}-abcd1234"
    abandoned.mkdir()
    (abandoned / "zones.csv").write_text("half\n")
    mine = tmp_path / ".out.partial-notes"  # not a name hubopt makes
    mine.mkdir()
    with prepare(tmp_path / "out", overwrite=False):
        assert not abandoned.exists()
        assert mine.is_dir()


def test_existing_run_needs_overwrite(tmp_path: Path) -> None:
    fake_run(tmp_path / "out", {"zones.csv": "a\n"})
    with pytest.raises(InputError, match="already holds a run") as err:
        prepare(tmp_path / "out", overwrite=False)
    assert "--overwrite" in str(err.value)
    assert leftovers(tmp_path) == []


# -- failures while writing ------------------------------------------------------------------------------------------


def test_full_disk_mid_write_leaves_nothing_and_says_what_to_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = fake_run(tmp_path / "out", {"zones.csv": "zone_id\nE01\n", "summary.txt": "earlier\n"})
    before = {p.name: p.read_bytes() for p in earlier.iterdir()}

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline_outputs, "write_manifest", disk_full)
    sc = load_scenario(quick_scenario(tmp_path))
    with pytest.raises(InputError, match="the disk is full") as err:
        pipeline.run_scenario(sc, out=earlier, overwrite=True)
    assert "free space on the disk that holds" in str(err.value) and "MB free" in str(err.value)
    assert {p.name: p.read_bytes() for p in earlier.iterdir()} == before  # the earlier run is untouched
    assert leftovers(tmp_path) == []
    with pytest.raises(InputError, match="the disk is full"):
        pipeline.run_scenario(sc, out=tmp_path / "new" / "runs" / "first")
    assert not (tmp_path / "new").exists()  # nor the folders made to hold it
    assert leftovers(tmp_path) == []


def test_too_little_free_space_is_refused_before_computing(
    tmp_path: Path, study_never_loaded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output_folder, "MIN_FREE_BYTES", 1 << 62)
    sc = load_scenario(quick_scenario(tmp_path))
    with pytest.raises(InputError, match="the disk is full"):
        pipeline.run_scenario(sc, out=tmp_path / "out")
    assert leftovers(tmp_path) == []


def test_a_disk_error_inside_a_library_error_is_explained(tmp_path: Path) -> None:
    target = prepare(tmp_path / "out", overwrite=False)
    with pytest.raises(InputError, match="the disk is full"), target.writing() as staging:
        (staging / "map.png").write_bytes(b"half")
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise RuntimeError("the PNG writer failed") from exc  # as a rendering library reports it
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []
    target = prepare(tmp_path / "out", overwrite=False)
    with pytest.raises(ValueError, match="a bug"), target.writing():
        raise ValueError("a bug is not a disk problem")
    assert leftovers(tmp_path) == []


def test_a_failed_commit_puts_everything_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    earlier = fake_run(tmp_path / "out", {"zones.csv": "old\n"})
    (earlier / "notes.txt").write_text("mine\n")
    target = prepare(earlier, overwrite=True)
    (target.staging / "zones.csv").write_text("new\n")
    write_folder_manifest(target.staging, "run")
    real_rename = os.rename

    def fail_last_move(src: object, dst: object) -> None:
        if Path(src) == target.staging:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_rename(src, dst)

    monkeypatch.setattr(output_folder.os, "rename", fail_last_move)
    with pytest.raises(InputError, match="the disk is full"):
        target.commit()
    monkeypatch.undo()
    assert (earlier / "zones.csv").read_text() == "old\n" and (earlier / "notes.txt").read_text() == "mine\n"
    assert leftovers(tmp_path) == []


# -- replacing an earlier run ----------------------------------------------------------------------------------------


def test_overwrite_replaces_only_the_files_the_manifest_lists(tmp_path: Path) -> None:
    earlier = fake_run(tmp_path / "out", {"zones.csv": "old\n", "old_only.csv": "old\n"}, generator=False)
    (earlier / "summary.txt").write_text("old summary\n")  # older runs did not list it: still hubopt's
    (earlier / "comparison_hubs.csv").write_text("old\n")  # nor the comparison of run --housing
    (earlier / "my notes.docx").write_bytes(THESIS)
    (earlier / "compare_with_a").mkdir()
    (earlier / "compare_with_a" / "comparison.txt").write_text("kept\n")
    with prepare(earlier, overwrite=True) as target:
        (target.staging / "zones.csv").write_text("new\n")
        write_folder_manifest(target.staging, "run")
        target.commit()
    assert sorted(os.listdir(earlier)) == ["compare_with_a", "manifest.json", "my notes.docx", "zones.csv"]
    assert (earlier / "zones.csv").read_text() == "new\n"
    assert (earlier / "my notes.docx").read_bytes() == THESIS
    assert target.kept == ["compare_with_a", "my notes.docx"]
    assert leftovers(tmp_path) == []


def test_a_users_file_with_the_name_of_a_new_output_is_never_replaced(tmp_path: Path) -> None:
    earlier = fake_run(tmp_path / "out", {"zones.csv": "old\n"})
    (earlier / "report.html").write_text("my own report\n")  # not in the earlier run's manifest
    target = prepare(earlier, overwrite=True)
    (target.staging / "report.html").write_text("hubopt's report\n")
    with pytest.raises(InputError, match=r"holds report\.html, which hubopt did not write"):
        target.commit()
    assert (earlier / "report.html").read_text() == "my own report\n"
    assert (earlier / "zones.csv").read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_a_manifest_of_someone_else_is_not_a_run(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"name": "my web app", "outputs": ["index.html"]}))
    (folder / "index.html").write_text("<p>mine</p>")
    with pytest.raises(InputError, match="hubopt did not write"):
        prepare(folder, overwrite=True)
    assert manifest_files(folder) is None


def test_a_real_run_replaces_a_real_run_and_keeps_the_users_file(tmp_path: Path) -> None:
    sc = load_scenario(quick_scenario(tmp_path))
    first = pipeline.run_scenario(sc, out=tmp_path / "out")
    listed = json.loads((first.folder / "manifest.json").read_text())
    assert listed["generator"] == "hubopt" and listed["kind"] == "run"
    assert set(listed["outputs"]) == set(os.listdir(first.folder))  # every file, summary.txt included
    (first.folder / "thesis.docx").write_bytes(THESIS)
    second = pipeline.run_scenario(sc, out=tmp_path / "out", overwrite=True)
    assert (second.folder / "thesis.docx").read_bytes() == THESIS
    assert set(os.listdir(second.folder)) == {*second.outputs, "thesis.docx"}
    assert leftovers(tmp_path) == []


def test_added_outputs_go_into_the_manifest(tmp_path: Path) -> None:
    run = fake_run(tmp_path / "out", {"zones.csv": "a\n"})

    def write(staging: Path) -> list[str]:
        (staging / "comparison.txt").write_text("same hubs\n")
        return ["comparison.txt"]

    assert add_outputs(run, write, what="comparison") == ["comparison.txt"]
    assert "comparison.txt" in manifest_files(run)
    assert leftovers(tmp_path) == []
    with pytest.raises(InputError, match="no output of hubopt's"):
        add_outputs(thesis_folder(tmp_path), write, what="comparison")


def test_demand_tables_refuse_a_folder_of_a_users_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hubopt.study

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the study was loaded before the output folder was checked")

    monkeypatch.setattr(hubopt.study, "load_study", refuse)
    folder = thesis_folder(tmp_path)
    args = ["demand", str(quick_scenario(tmp_path)), "--years", "2025", "--out", str(folder), "--overwrite"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "hubopt did not write (thesis.docx)" in result.output
    assert sorted(os.listdir(folder)) == ["thesis.docx"]


# -- single files ----------------------------------------------------------------------------------------------------


def test_a_file_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "straight_line_model.json"
    target.write_text("the model\n")
    with pytest.raises(OSError, match="No space"), atomic_path(target) as tmp:
        tmp.write_text("half a mod")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == "the model\n"
    assert os.listdir(tmp_path) == ["straight_line_model.json"]
    write_text_atomic(target, "a new model\n")
    assert target.read_text() == "a new model\n" and os.listdir(tmp_path) == ["straight_line_model.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # like any file the user writes
