"""Where the built-in studies and scenarios are, and where outputs and caches go by default.

The built-in studies (``hubopt/studies/<name>/``) and scenarios (``hubopt/scenarios/<name>.yaml``) ship inside
the package, so ``pip install hubopt`` then ``hubopt demo`` works in any folder. A scenario names them with a
``builtin:`` reference, which reads the same from a clone, an installed wheel or a copy of the scenario anywhere:

- ``study: builtin:west_kent`` is the built-in West Kent study folder;
- ``file: builtin:west_kent/housing_illustrative.csv`` is a file inside it;
- ``hubopt run builtin:west_kent_hubs`` runs the built-in scenario ``west_kent_hubs.yaml``.

Nothing is ever written inside the package: outputs and caches that a scenario does not place itself go to the
working folder (``maps/<scenario file name>``, ``.hubopt-cache``).
"""

from __future__ import annotations

from pathlib import Path

from hubopt.errors import InputError

#: The prefix of a reference to a built-in study, a file in one, or a built-in scenario.
PREFIX = "builtin:"

#: The built-in study folders (package data).
STUDIES = Path(__file__).resolve().parent / "studies"

#: The built-in scenario files (package data).
SCENARIOS = Path(__file__).resolve().parent / "scenarios"

#: The scenario ``hubopt demo`` runs.
DEMO_SCENARIO = SCENARIOS / "west_kent_hubs.yaml"

#: Name of the folder, in the working folder, for caches no scenario or option places elsewhere.
CACHE_FOLDER_NAME = ".hubopt-cache"


def is_reference(value: str | Path) -> bool:
    """True if ``value`` is a ``builtin:`` reference rather than a path."""
    return str(value).startswith(PREFIX)


def study_names() -> list[str]:
    """The names of the built-in studies."""
    return sorted(p.name for p in STUDIES.iterdir() if (p / "study.yaml").is_file())


def scenario_names() -> list[str]:
    """The names of the built-in scenarios (their file names without ``.yaml``)."""
    return sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


def study_path(reference: str) -> Path:
    """The built-in study folder, or a file in it, named by ``builtin:STUDY`` or ``builtin:STUDY/FILE``.

    Raises
    ------
    InputError
        When no built-in study has that name (the message lists the names), or the file lies outside it.
    """
    name, _, rest = reference.removeprefix(PREFIX).strip().partition("/")
    if name not in study_names():
        raise InputError(
            f"there is no built-in study '{name}' (the built-in studies: {', '.join(study_names())})",
            hint="write builtin:NAME with one of those names, or give the path of a study folder",
        )
    folder = STUDIES / name
    if not rest:
        return folder
    path = (folder / rest).resolve()
    if not path.is_relative_to(folder):
        raise InputError(
            f"'{reference}' points outside the built-in study '{name}'",
            hint=f"name a file inside it, e.g. {PREFIX}{name}/zones.csv, or give the file's own path",
        )
    return path


def scenario_path(reference: str | Path) -> Path:
    """The built-in scenario file named by ``builtin:NAME``; any other value is returned as a path.

    Raises
    ------
    InputError
        When no built-in scenario has that name (the message lists the names).
    """
    if not is_reference(reference):
        return Path(reference)
    name = str(reference).removeprefix(PREFIX).strip().removesuffix(".yaml")
    if name not in scenario_names():
        raise InputError(
            f"there is no built-in scenario '{name}' (the built-in scenarios: {', '.join(scenario_names())})",
            hint="write builtin:NAME with one of those names, or give the path of a .yaml scenario",
        )
    return SCENARIOS / f"{name}.yaml"


def default_output_folder(scenario_file: Path) -> Path:
    """Where a scenario's outputs go when it names no ``outputs.folder``: ``maps/<file name>`` here."""
    return Path.cwd() / "maps" / scenario_file.stem


def default_cache_folder() -> Path:
    """The cache (network travel times, downloaded sources) when none is named: ``.hubopt-cache`` here."""
    return Path.cwd() / CACHE_FOLDER_NAME


def is_builtin_study(folder: Path) -> bool:
    """True if ``folder`` is (inside) one of the built-in studies, which are never written to."""
    return folder.resolve().is_relative_to(STUDIES)


def default_network_file(study_folder: Path, mode: str) -> Path:
    """Where ``hubopt fetch network`` saves a network no scenario names: in a user's study folder, or, for a
    built-in study, ``<study>_network_<mode>.graphml`` in the working folder (never inside the package)."""
    if is_builtin_study(study_folder):
        return Path.cwd() / f"{study_folder.name}_network_{mode}.graphml"
    return study_folder / f"network_{mode}.graphml"


def copy_scenario(reference: str, destination: Path) -> Path:
    """Copy a built-in scenario to ``destination`` to edit it; its ``builtin:`` study still reads from there.

    Parameters
    ----------
    reference : str
        ``west_kent_hubs`` or ``builtin:west_kent_hubs``.
    destination : Path
        The new file; an existing file is never replaced.

    Returns
    -------
    Path
        The built-in scenario that was copied.

    Raises
    ------
    InputError
        When no built-in scenario has that name, or ``destination`` already exists.
    """
    source = scenario_path(reference if is_reference(reference) else PREFIX + reference)
    if destination.exists():
        raise InputError(
            "the file already exists; hubopt never replaces it",
            path=destination,
            hint="give the name of a new file, or move the existing one away first",
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        with destination.open("x", encoding="utf-8") as out:
            out.write(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"the scenario could not be written ({exc.strerror or exc})",
            path=destination,
            hint="choose a folder you may write to",
        ) from None
    return source
