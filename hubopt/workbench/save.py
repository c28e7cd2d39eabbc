"""Save pinned options into a scenario file's ``appraisal.options``, keeping the user's comments, order and layout.

The file is edited in round-trip mode (ruamel.yaml: comments, key order and quoting kept; the indentation of the
file is detected and kept), and written whole or not at all:

1. the new text is written to a staging file beside the target (:func:`hubopt.files.atomic.atomic_path`);
2. the staged text is checked twice before it replaces anything: read back by hubopt's own YAML reader, it must hold
   exactly the old settings plus the options (so a value the two YAML readers could read differently, such as
   ``yes`` or ``0123``, can never change meaning unnoticed), and :meth:`hubopt.scenario.Scenario.from_yaml` must
   accept it;
3. only then is it renamed over the target. On any error the original file is left byte for byte as it was, and no
   staging file is left behind.

A built-in scenario (``builtin:NAME``, or any file inside the installed package) is never written: the options go
to ``target``, a new file that starts as a copy of the built-in scenario with its comments (or an existing scenario
file of the same study, which then gets the options).

Text that YAML could misread (a colon, quotes, ``#``, a leading ``-``, ``yes``/``no``, codes that look like numbers)
is written in double quotes, so it reads back as the same text.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from hubopt import builtin
from hubopt.errors import InputError
from hubopt.files.atomic import atomic_path
from hubopt.io._yaml import read_yaml
from hubopt.scenario import Scenario

__all__ = ["OptionToSave", "SavedOptions", "save_options", "write_options"]

#: A value written without quotes: a letter, then letters, digits and underscores (e.g. the ODS code ``G82041``),
#: unless YAML 1.1 reads it as something else.
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


class OptionToSave(Protocol):
    """What :func:`save_options` needs of an option (e.g. the workbench's ``PinnedOption``); ``description`` and
    ``question`` (hubs, model, mode, year) are read when the option has them."""

    @property
    def name(self) -> str: ...

    @property
    def site_ids(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class SavedOptions:
    """What :func:`write_options` did.

    Attributes
    ----------
    path : Path
        The file written.
    added, replaced : tuple of str
        Names of the options added, and of those that replaced an option of the same name.
    notes : tuple of str
        The same in words, e.g. "Option B replaced the option of the same name".
    """

    path: Path
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    notes: tuple[str, ...]


def save_options(
    scenario_path: Path | str | None, options: Sequence[OptionToSave], *, target: Path | None = None
) -> Path:
    """Write ``options`` into ``appraisal.options`` of the scenario file; return the path written.

    See :func:`write_options` (which also says which options replaced one of the same name).
    """
    return write_options(scenario_path, options, target=target).path


def write_options(
    scenario_path: Path | str | None, options: Sequence[OptionToSave], *, target: Path | None = None
) -> SavedOptions:
    """Write ``options`` into ``appraisal.options`` of a scenario file, keeping its comments.

    Parameters
    ----------
    scenario_path : Path or str or None
        The scenario file the options were made with (a path, or ``builtin:NAME``).
    options : sequence
        The options: each with ``name`` and ``site_ids`` (and optionally ``description``, or a ``question`` to
        describe it by). An option with the name of one already in the file replaces it (in its place).
    target : Path, optional
        The file to write: required for a built-in scenario (never written); otherwise the scenario file itself
        (the default) or a new file (a copy of the scenario, with its comments, plus the options). An existing
        file other than the scenario is only written when it is a hubopt scenario of the same study.

    Returns
    -------
    SavedOptions

    Raises
    ------
    InputError
        When nothing can be written as asked (no scenario file, a built-in one without ``target``, a ``target``
        that is not a scenario, an option without a name or sites, a file that is not valid YAML, a result that
        would not be a valid scenario, a folder that cannot be written). The original file is then unchanged.
    """
    source, destination = _source_and_destination(scenario_path, target)
    entries = [_entry(option) for option in options]
    text, layout = _read_text(source)
    new_text, added, replaced = _with_options(text, entries, source)
    same_files = None if destination.parent.resolve() == source.parent.resolve() else _files_named(source)
    expected = _expected(source, entries)
    _write_checked(destination, new_text, layout, expected=expected, same_files=same_files)
    notes = tuple(f"{name} replaced the option of the same name" for name in replaced) + tuple(
        f"{name} added" for name in added
    )
    return SavedOptions(destination, tuple(added), tuple(replaced), notes)


# --- where to read from and write to ------------------------------------------------------------------------------


def _is_builtin(path: Path) -> bool:
    return path.resolve().is_relative_to(builtin.SCENARIOS.parent.resolve())


def _source_and_destination(scenario_path: Path | str | None, target: Path | None) -> tuple[Path, Path]:
    """The file the options are added to, and the file written."""
    if scenario_path is None:
        raise InputError(
            "this scenario was not read from a file, so there is no file to save the options into",
            hint="save the scenario as a .yaml file first (hubopt init), and open it",
        )
    source = builtin.scenario_path(scenario_path)
    if not source.is_file():
        raise InputError("the scenario file does not exist", path=source, hint="give the path of a .yaml scenario")
    if target is None:
        if _is_builtin(source):
            raise InputError(
                "this is a built-in scenario, which hubopt never changes",
                path=source,
                hint="give a file name to save the options in (a copy of the scenario, with its comments, is made)",
            )
        return source, source
    target = Path(target).expanduser()
    if _is_builtin(target):
        raise InputError(
            "hubopt never writes inside its own package", path=target, hint="give a file in one of your folders"
        )
    if target.exists() and target.resolve() == source.resolve():
        return source, source
    if not target.exists():
        return source, target
    if not target.is_file():
        raise InputError("this is a folder, not a file", path=target, hint="give the name of a .yaml file")
    _existing_scenario_of_same_study(source, target)
    return target, target


def _existing_scenario_of_same_study(source: Path, target: Path) -> None:
    """Refuse an existing ``target`` unless it is a hubopt scenario of the study ``source`` uses."""
    try:
        other = Scenario.from_yaml(target)
    except InputError:
        raise InputError(
            "the file already exists and is not a hubopt scenario; hubopt does not overwrite it",
            path=target,
            hint="give the name of a new file, or of a scenario file to add the options to",
        ) from None
    if other.study.resolve() != Scenario.from_yaml(source).study.resolve():
        raise InputError(
            f"the file is a scenario of another study ({other.study}), so these sites may not be in it",
            path=target,
            hint="give the name of a new file, or of a scenario of the same study",
        )


@dataclass(frozen=True)
class _Layout:
    """How the file's bytes are laid out, kept when it is written: its line ending and a byte-order mark."""

    newline: str
    encoding: str


def _read_text(path: Path) -> tuple[str, _Layout]:
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the scenario file is not UTF-8 text", path=path, hint="save it as UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"cannot read the scenario file: {exc.strerror or exc}", path=path) from None
    layout = _Layout("\r\n" if b"\r\n" in raw else "\n", "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8")
    return text.replace("\r\n", "\n"), layout


# --- the options as YAML ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    name: str
    sites: tuple[str, ...]
    description: str


def _entry(option: OptionToSave) -> _Entry:
    name = str(option.name).strip()
    sites = tuple(str(s).strip() for s in option.site_ids)
    if not name:
        raise InputError("an option has no name", hint="give each option a name before saving it")
    if not sites or not all(sites):
        raise InputError(f"the option {name!r} has no sites", hint="pin an answer with at least one hub")
    description = getattr(option, "description", None) or _describe(option, len(sites))
    return _Entry(name, sites, str(description))


def _describe(option: OptionToSave, n_sites: int) -> str:
    """E.g. "Pinned in hubopt app: 5 hubs, p-median, drive, 2030"."""
    question = getattr(option, "question", None)
    parts = [f"{n_sites} hub{'s' if n_sites != 1 else ''}"]
    for key in ("model", "mode", "year"):
        value = getattr(question, key, None)
        if value:
            parts.append(str(value))
    return "Pinned in hubopt app: " + ", ".join(parts)


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar that every YAML reader reads back as the same text."""
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return DoubleQuotedScalarString(text)


def _yaml_entry(entry: _Entry) -> CommentedMap:
    sites = CommentedSeq([_scalar(s) for s in entry.sites])
    sites.fa.set_flow_style()
    out = CommentedMap()
    out["name"] = _scalar(entry.name)
    out["sites"] = sites
    out["description"] = _scalar(entry.description)
    return out


# --- editing the document -----------------------------------------------------------------------------------------


def _round_trip(text: str) -> YAML:
    """A round-trip YAML reader-writer set to the file's own indentation."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line
    keys = re.finditer(r"(?m)^( +)[A-Za-z0-9_\"'][^:#\n]*:(?:[ \t]|$)", text)
    mapping = min((len(m.group(1)) for m in keys), default=2)
    try:
        _data, sequence, offset = load_yaml_guess_indent(text)
    except (YAMLError, ValueError, TypeError):
        sequence, offset = None, None
    if sequence is None or offset is None or sequence < offset + 2:
        sequence, offset = mapping + 2, mapping
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _with_options(text: str, entries: list[_Entry], path: Path) -> tuple[str, list[str], list[str]]:
    """The file's text with the options set; the names added and the names replaced."""
    yaml = _round_trip(text)
    try:
        doc = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        tabs = "\t" in text
        raise InputError(
            f"the scenario file is not valid YAML, so hubopt cannot add the options to it: "
            f"{getattr(exc, 'problem', None) or exc}",
            path=path,
            row=None if mark is None else mark.line + 1,
            hint="indent with spaces, not tabs"
            if tabs
            else "check the indentation and that each line is 'key: value'",
        ) from None
    if not isinstance(doc, CommentedMap):
        raise InputError("the scenario file does not hold settings (key: value lines)", path=path)
    options = _options_list(doc, path)
    added: list[str] = []
    replaced: list[str] = []
    for entry in entries:
        at = next((k for k, item in enumerate(options) if _name_of(item) == entry.name), None)
        if at is None:
            _append(options, _yaml_entry(entry))
            added.append(entry.name)
        else:
            _replace(options[at], entry)
            if entry.name not in added and entry.name not in replaced:
                replaced.append(entry.name)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue(), added, replaced


def _name_of(item: Any) -> str | None:
    return str(item.get("name")).strip() if isinstance(item, dict) and item.get("name") is not None else None


def _options_list(doc: CommentedMap, path: Path) -> CommentedSeq:
    """``appraisal.options`` of the document, made when missing."""
    appraisal = doc.get("appraisal")
    if appraisal is None:
        appraisal = CommentedMap()
        doc["appraisal"] = appraisal
    if not isinstance(appraisal, CommentedMap):
        raise InputError("'appraisal' is not a section of settings", path=path, hint="see the README for its keys")
    options = appraisal.get("options")
    if options is None:
        options = CommentedSeq()
        if "options" in appraisal:  # "options:" with nothing after it
            appraisal["options"] = options
        else:
            appraisal.insert(0, "options", options)
    if not isinstance(options, CommentedSeq):
        raise InputError(
            "'appraisal.options' is not a list", path=path, hint="make it a list of options (- name: ...)"
        )
    return options


def _append(options: CommentedSeq, item: CommentedMap) -> None:
    """Add ``item`` at the end, moving the comment lines that follow the last option (they introduce what comes
    next in the file) below it."""
    if options and isinstance(options[-1], CommentedMap) and len(options[-1]):
        last = options[-1]
        key = list(last.keys())[-1]
        slot = last.ca.items.get(key)
        if slot is not None and len(slot) > 2 and slot[2] is not None:
            item.ca.items["description"] = [None, None, slot[2], None]
            slot[2] = None
    options.append(item)


def _replace(item: Any, entry: _Entry) -> None:
    """Set an existing option's sites and description, keeping its place and comments."""
    new = _yaml_entry(entry)
    if isinstance(item, CommentedMap):
        for key in ("sites", "description"):
            item[key] = new[key]


# --- checking and writing -----------------------------------------------------------------------------------------


def _expected(source: Path, entries: list[_Entry]) -> Any:
    """The settings the written file must hold, as hubopt's reader reads them: the old ones plus the options."""
    data = copy.deepcopy(read_yaml(source, what="scenario file"))
    if not isinstance(data, dict):
        raise InputError("the scenario file does not hold settings (key: value lines)", path=source)
    appraisal = data.get("appraisal") or {}
    data["appraisal"] = appraisal
    options = list(appraisal.get("options") or [])
    for entry in entries:
        values = {"name": entry.name, "sites": list(entry.sites), "description": entry.description}
        at = next((k for k, item in enumerate(options) if _name_of(item) == entry.name), None)
        if at is None:
            options.append(values)
        else:
            options[at] = {**options[at], "sites": values["sites"], "description": values["description"]}
    appraisal["options"] = options
    return data


def _files_named(path: Path) -> dict[str, Any]:
    """The files and folders a scenario file names (as resolved from its folder)."""
    sc = Scenario.from_yaml(path)
    named = ("study", "extra_register", "housing_file", "housing_postcodes", "site_postcodes")
    found: dict[str, Any] = {key: getattr(sc, key) for key in named}
    found.update({f"travel.modes.{n}": (m.network, m.file) for n, m in sc.travel_modes.items()})
    return found


def _write_checked(
    destination: Path, text: str, layout: _Layout, *, expected: Any, same_files: dict[str, Any] | None
) -> None:
    """Stage ``text`` beside ``destination``, check it, then put it in place (see the module notes).

    ``same_files``: for a copy in another folder, the files the scenario names, which the copy must name too."""
    try:
        with atomic_path(destination) as staged:
            staged.write_text(text, encoding=layout.encoding, newline=layout.newline)
            _check_staged(staged, destination, expected)
            if same_files is not None and _files_named(staged) != same_files:
                moved = [k for k, v in _files_named(staged).items() if same_files.get(k) != v]
                raise InputError(
                    f"the scenario names files by paths relative to its folder ({', '.join(moved)}), which would "
                    "point elsewhere from the new file's folder, so nothing was saved",
                    path=destination,
                    hint="save the new file in the same folder as the scenario, or write those paths in full",
                )
    except InputError:
        raise
    except OSError as exc:
        raise InputError(
            f"the options could not be saved ({exc.strerror or exc}); the file was left as it was",
            path=destination,
            hint="choose a folder you may write to, and check the disk is not full",
        ) from None


def _check_staged(staged: Path, destination: Path, expected: Any) -> None:
    try:
        if read_yaml(staged, what="scenario file") != expected:
            raise InputError(
                "saving the options would have changed how other settings of the file read, so nothing was saved",
                path=destination,
                hint="add the options to appraisal.options by hand, or save them to a new file",
            )
        Scenario.from_yaml(staged)
    except InputError as exc:
        if exc.path == str(destination):
            raise
        raise InputError(
            f"with the options the file would not be a valid scenario, so nothing was saved: {exc.problem}",
            path=destination,
            row=exc.row,
            column=exc.column,
            setting=exc.setting,
            hint=exc.hint,
        ) from None
