"""The hubopt command: help on every subcommand, and errors as plain messages with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hubopt.cli import main


@pytest.mark.parametrize(
    "args",
    [[], ["run"], ["demo"], ["data"], ["data", "build-west-kent"], ["data", "fit-travel-model"]],
)
def test_help_on_every_command(args: list[str]) -> None:
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_errors_are_plain_messages(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert "Error: file" in result.output and "the scenario file does not exist" in result.output
    assert "Traceback" not in result.output


def test_run_prints_summary(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    result = CliRunner().invoke(
        main, ["run", str(repo / "models" / "west_kent_hubs.yaml"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "proven optimal" in result.output
    assert (tmp_path / "out" / "map.html").exists()
