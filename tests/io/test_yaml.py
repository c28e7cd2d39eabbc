"""YAML settings files (scenarios, study.yaml): alias bombs, repeated keys and huge values are refused clearly."""

from __future__ import annotations

import shutil
import tracemalloc
from pathlib import Path

import pytest

from hubopt.errors import MAX_MESSAGE_CHARS, InputError, quote
from hubopt.io._yaml import MAX_YAML_BYTES, read_yaml
from hubopt.scenario import load_scenario
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"

#: A "billion laughs" in the one setting where it does harm: 7 levels of 9 aliases, a few hundred bytes that expand
#: to 9^7 (4.8 million) strings. Before the fix, hubopt built the error message "'model.hubs' must be a whole number,
#: not [[...]]" from the whole expansion (tens of MB here; 2 GB for a 9-level file).
BILLION_LAUGHS = """\
name: bomb
study: builtin:west_kent
year: 2030
model:
  hubs:
    - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    - &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    - &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    - &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    - &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    - &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    - &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""


def test_alias_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS)
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            load_scenario(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "expands to more than 10,000 values" in str(info.value)
    assert "bomb.yaml" in str(info.value)
    assert peak < 20 * 1024 * 1024, f"peak {peak:,} bytes"
    assert len(str(info.value)) < 1000


def test_alias_within_bounds_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("base: &w {a: 1, b: 2}\nother: *w\nlist: &l [1, 2]\nagain: *l\n")
    assert read_yaml(path, what="file") == {
        "base": {"a": 1, "b": 2},
        "other": {"a": 1, "b": 2},
        "list": [1, 2],
        "again": [1, 2],
    }


def test_alias_that_refers_to_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("a: &x [1, *x]\n")
    with pytest.raises(InputError, match=r"row 1: an alias refers to the value that contains it"):
        read_yaml(path, what="file")


def test_duplicate_key_is_refused_naming_both_lines(tmp_path: Path) -> None:
    text = DEMO.read_text(encoding="utf-8")
    first_line = next(i for i, line in enumerate(text.splitlines(), start=1) if line.startswith("year:"))
    path = tmp_path / "twice.yaml"
    path.write_text(text + "\nyear: 2035\n", encoding="utf-8")
    last_line = len(path.read_text().splitlines())
    with pytest.raises(InputError) as info:
        load_scenario(path)
    message = str(info.value)
    assert f"file {path}, row {last_line}" in message
    assert f"the key 'year' is given twice in the same section (lines {first_line} and {last_line})" in message


def test_duplicate_nested_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nested.yaml"
    path.write_text("model:\n  hubs: 5\n  type: p-median\n  hubs: 6\n")
    with pytest.raises(InputError, match=r"row 4: the key 'hubs' is given twice .*lines 2 and 4"):
        read_yaml(path, what="scenario")


def test_merge_key_overridden_by_an_explicit_key_is_not_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text("base: &b {hubs: 5}\nmodel:\n  <<: *b\n  hubs: 6\n")
    assert read_yaml(path, what="file")["model"] == {"hubs": 6}


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n# " + "x" * MAX_YAML_BYTES + "\n")
    with pytest.raises(InputError, match=r"more than the 1,000,000 a settings file may be"):
        load_scenario(path)


def test_long_value_is_quoted_in_part(tmp_path: Path) -> None:
    text = DEMO.read_text(encoding="utf-8").replace("hubs: 5", "hubs: '" + "9" * 100_000 + "'", 1)
    path = tmp_path / "long.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"'model.hubs' must be a whole number, not '9+\.\.\.9+'") as info:
        load_scenario(path)
    assert len(str(info.value)) < 600


def test_quote_and_message_caps() -> None:
    assert quote("abc") == "'abc'"
    assert len(quote("x" * 10_000)) <= 200
    nested = [[list(range(1000))] * 1000] * 1000
    assert len(quote(nested)) <= 200
    err = InputError("p" * 100_000, hint="h" * 100_000)
    assert len(err.problem) < MAX_MESSAGE_CHARS + 100 and "more characters left out" in err.problem
    assert len(str(err)) < 2 * MAX_MESSAGE_CHARS + 300


def test_study_yaml_uses_the_same_strict_reader(tmp_path: Path) -> None:
    study = tmp_path / "study"
    shutil.copytree(REPO / "hubopt" / "studies" / "west_kent", study)
    meta = study / "study.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "base_year: 2020\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"study.yaml, row \d+: the key 'base_year' is given twice"):
        load_study(study)
