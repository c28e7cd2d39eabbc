"""Saving pinned options into a scenario file (hubopt.workbench.save): comments kept, options added or replaced,
never a half-written or invalid file, built-in scenarios never written."""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from hubopt import builtin
from hubopt.errors import InputError
from hubopt.files import atomic
from hubopt.scenario import Scenario
from hubopt.workbench.save import save_options, write_options

WEST_KENT = builtin.SCENARIOS / "west_kent_hubs.yaml"


@dataclass(frozen=True)
class Pinned:
    """Stands in for the workbench's PinnedOption (name, site_ids, question)."""

    name: str
    site_ids: tuple[str, ...]
    question: object = None


QUESTION = SimpleNamespace(hubs=3, model="p-median", mode="drive", year=2030)


def comments(text: str) -> list[str]:
    """Every comment in the file (whole-line and end-of-line), in order."""
    return [m.group(0).strip() for m in re.finditer(r"(?m)(?:^|\s)#.*$", text)]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "my_hubs.yaml"
    path.write_text(WEST_KENT.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_options_are_added_and_every_comment_and_line_is_kept(scenario: Path) -> None:
    before = scenario.read_text(encoding="utf-8")
    saved = write_options(scenario, [Pinned("Pembury instead", ("RYYD9", "RWFTW", "G82041"), QUESTION)])
    after = scenario.read_text(encoding="utf-8")
    assert saved.path == scenario and saved.added == ("Pembury instead",) and saved.replaced == ()
    assert comments(after) == comments(before)
    # nothing removed or changed: the diff only adds the option's lines
    changes = [d for d in difflib.ndiff(before.splitlines(), after.splitlines()) if d[:1] in "+-?"]
    assert all(d.startswith("+ ") for d in changes) and len(changes) == 3
    options = Scenario.from_yaml(scenario).options
    assert [o.name for o in options][-1] == "Pembury instead"
    assert options[-1].site_ids == ["RYYD9", "RWFTW", "G82041"]
    assert options[-1].description == "Pinned in hubopt app: 3 hubs, p-median, drive, 2030"
    # the comment that introduced the criteria still sits right above them
    lines = after.splitlines()
    assert lines[lines.index("  criteria:") - 3].startswith("  # Weighted criteria")


def test_an_option_of_the_same_name_is_replaced_in_its_place(scenario: Path) -> None:
    save_options(scenario, [Pinned("Mine", ("RYYD9",))])
    saved = write_options(scenario, [Pinned("Option B: the four community hospitals", ("RYYD9", "RYYD6"))])
    saved2 = write_options(scenario, [Pinned("Mine", ("RYYD9", "RWF03"))])
    assert saved.replaced == ("Option B: the four community hospitals",) and saved2.replaced == ("Mine",)
    assert saved2.notes == ("Mine replaced the option of the same name",)
    options = Scenario.from_yaml(scenario).options
    names = [o.name for o in options]
    assert names == [
        "Option A: Sevenoaks, Maidstone, Pembury",
        "Option B: the four community hospitals",
        "Option C: hospital estate (five sites)",
        "Mine",
    ]
    assert options[1].site_ids == ["RYYD9", "RYYD6"] and options[3].site_ids == ["RYYD9", "RWF03"]


@pytest.mark.parametrize(
    "text",
    [
        "Option: A",
        'He said "hi"',
        "it's here",
        "# not a comment",
        "a # b",
        "- dash",
        "yes",
        "No",
        "on",
        "null",
        "~",
        "0123",
        "1e3",
        "12:30",
        "0x1F",
        "  spaced  ",
        "[list]",
        "{map}",
        "&anchor",
        "*alias",
        "!tag",
        "%percent",
        "@at",
        "`tick",
        "Pembury & Tonbridge / 2030",
        "Ünïcode café",
    ],
)
def test_text_yaml_could_misread_reads_back_the_same(scenario: Path, text: str) -> None:
    save_options(scenario, [Pinned(text, (text, "RYYD9"))])
    option = Scenario.from_yaml(scenario).options[-1]
    assert option.name == text.strip() and option.site_ids == [text.strip(), "RYYD9"]


def test_a_built_in_scenario_is_never_written(tmp_path: Path) -> None:
    before = digest(WEST_KENT)
    for reference in (WEST_KENT, "builtin:west_kent_hubs"):
        with pytest.raises(InputError, match="built-in scenario") as info:
            save_options(reference, [Pinned("Mine", ("RYYD9",))])
        assert "file name" in str(info.value)
    with pytest.raises(InputError, match="never writes inside its own package"):
        save_options(WEST_KENT, [Pinned("Mine", ("RYYD9",))], target=builtin.SCENARIOS / "mine.yaml")
    target = tmp_path / "plans" / "mine.yaml"
    assert save_options("builtin:west_kent_hubs", [Pinned("Mine", ("RYYD9",))], target=target) == target
    assert digest(WEST_KENT) == before
    assert comments(target.read_text(encoding="utf-8")) == comments(WEST_KENT.read_text(encoding="utf-8"))
    assert Scenario.from_yaml(target).options[-1].name == "Mine"
    # saving again to the same file adds to it (it is now a scenario of the same study)
    save_options(WEST_KENT, [Pinned("Second", ("RWF03",))], target=target)
    assert [o.name for o in Scenario.from_yaml(target).options][-2:] == ["Mine", "Second"]


def test_an_existing_file_that_is_not_a_scenario_of_the_study_is_refused(tmp_path: Path, scenario: Path) -> None:
    notes = tmp_path / "notes.yaml"
    notes.write_text("shopping: [milk]\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a hubopt scenario"):
        save_options(scenario, [Pinned("Mine", ("RYYD9",))], target=notes)
    assert notes.read_text(encoding="utf-8") == "shopping: [milk]\n"
    essex = tmp_path / "essex.yaml"
    essex.write_text((builtin.SCENARIOS / "mid_south_essex_hubs.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    before = digest(essex)
    with pytest.raises(InputError, match="another study"):
        save_options(scenario, [Pinned("Mine", ("RYYD9",))], target=essex)
    assert digest(essex) == before


def test_a_result_that_is_not_a_valid_scenario_leaves_the_file_byte_identical(scenario: Path) -> None:
    # the user broke the file since the app opened it: nothing is written
    text = scenario.read_text(encoding="utf-8").replace("  hubs: 5  ", "  hubs: 0  ")
    scenario.write_text(text, encoding="utf-8")
    before, files = digest(scenario), listing(scenario.parent)
    with pytest.raises(InputError, match="nothing was saved") as info:
        save_options(scenario, [Pinned("Mine", ("RYYD9",))])
    assert info.value.setting == "model.hubs" and info.value.path == str(scenario)
    assert digest(scenario) == before and listing(scenario.parent) == files  # no staging file left


def test_a_copy_whose_relative_paths_would_break_is_not_written(tmp_path: Path) -> None:
    study = tmp_path / "a" / "study"
    study.parent.mkdir()
    (study).symlink_to(builtin.STUDIES / "west_kent", target_is_directory=True)
    source = tmp_path / "a" / "scenario.yaml"
    source.write_text(WEST_KENT.read_text(encoding="utf-8").replace("builtin:west_kent ", "study "), encoding="utf-8")
    Scenario.from_yaml(source)  # valid where it is
    target = tmp_path / "b" / "copy.yaml"
    with pytest.raises(InputError, match="nothing was saved"):
        save_options(source, [Pinned("Mine", ("RYYD9",))], target=target)
    assert not target.exists() and listing(target.parent) == []


def test_a_failed_replace_leaves_the_original_and_no_staging_file(
    scenario: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, files = digest(scenario), listing(scenario.parent)

    def full_disk(_src: object, _dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full_disk)
    with pytest.raises(InputError, match="No space left on device"):
        save_options(scenario, [Pinned("Mine", ("RYYD9",))])
    assert digest(scenario) == before and listing(scenario.parent) == files


def test_tabs_are_refused_and_odd_indentation_is_handled(tmp_path: Path) -> None:
    tabbed = tmp_path / "tabs.yaml"
    tabbed.write_text("name: Tabs\nstudy: builtin:west_kent\nyear: 2030\nmodel:\n\thubs: 5\n", encoding="utf-8")
    before = digest(tabbed)
    with pytest.raises(InputError, match="not valid YAML") as info:
        save_options(tabbed, [Pinned("Mine", ("RYYD9",))])
    assert "tabs" in str(info.value) and info.value.row is not None
    assert digest(tabbed) == before
    odd = tmp_path / "odd.yaml"
    odd.write_text(
        "# my scenario\n"
        "name: Odd   # three-space indents\n"
        "study: builtin:west_kent\n"
        "year: 2030\n"
        "model:\n"
        "   type: p-median  # the model\n"
        "   hubs: 5\n"
        "appraisal:\n"
        "   # options follow\n"
        "   options:\n"
        "   -   name: First\n"
        "       sites: [RYYD9]\n",
        encoding="utf-8",
    )
    save_options(odd, [Pinned("Second", ("RWF03", "RYYD9"))])
    text = odd.read_text(encoding="utf-8")
    assert comments(text) == ["# my scenario", "# three-space indents", "# the model", "# options follow"]
    sc = Scenario.from_yaml(odd)
    assert [o.name for o in sc.options] == ["First", "Second"] and sc.hubs == 5
    assert "\t" not in text


def test_a_file_without_options_gets_the_section(tmp_path: Path) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text("name: Bare  # note\nstudy: builtin:west_kent\nyear: 2030\nmodel: {hubs: 5}\n", encoding="utf-8")
    save_options(bare, [Pinned("Mine", ("RYYD9", "RWF03"))])
    assert Scenario.from_yaml(bare).options[0].site_ids == ["RYYD9", "RWF03"]
    assert "# note" in bare.read_text(encoding="utf-8")


def test_what_cannot_be_saved_is_said_before_anything_is_written(scenario: Path) -> None:
    before = digest(scenario)
    with pytest.raises(InputError, match="no sites"):
        save_options(scenario, [Pinned("Empty", ())])
    with pytest.raises(InputError, match="no name"):
        save_options(scenario, [Pinned("  ", ("RYYD9",))])
    with pytest.raises(InputError, match="not read from a file"):
        save_options(None, [Pinned("Mine", ("RYYD9",))])
    assert digest(scenario) == before


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_windows_line_endings_and_a_byte_order_mark_are_kept(scenario: Path, bom: bytes) -> None:
    raw = bom + scenario.read_bytes().replace(b"\n", b"\r\n")
    scenario.write_bytes(raw)
    save_options(scenario, [Pinned("Mine", ("RYYD9",))])
    after = scenario.read_bytes()
    assert after.startswith(bom) and after.count(b"\n") == after.count(b"\r\n")
    assert after.count(b"\r\n") == raw.count(b"\r\n") + 3  # the option's three lines, nothing else
    assert Scenario.from_yaml(scenario).options[-1].name == "Mine"
