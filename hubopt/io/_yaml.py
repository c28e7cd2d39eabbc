"""Reading the YAML files hubopt takes (scenarios, study.yaml): safe, bounded and strict.

:func:`read_yaml` uses PyYAML's safe loader (plain data only) with three extra rules, each failing with an
:class:`~hubopt.errors.InputError` that names the file and the line:

- a file larger than :data:`MAX_YAML_BYTES` is refused before it is parsed;
- anchors and aliases (``&name`` / ``*name``) may be used, but the document they expand to may hold at most
  :data:`MAX_YAML_NODES` values: a "billion laughs" file of a few hundred bytes that would expand to millions of
  values is refused after counting, without building the expansion, so memory stays bounded; an alias that
  refers to itself is refused too;
- a key given twice in one section (e.g. ``year:`` twice) is refused, naming both lines, rather than silently
  taking the last value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hubopt.errors import InputError, quote
from hubopt.io._files import require_file

__all__ = ["MAX_YAML_BYTES", "MAX_YAML_NODES", "read_yaml"]

#: Largest YAML file read (bytes). A scenario is a few kilobytes and a study.yaml a few tens; 1 MB leaves room for
#: long appraisal lists while refusing a file that is plainly not a hand-written settings file.
MAX_YAML_BYTES = 1_000_000
#: Most values (mappings, lists and scalars, each alias counted as often as it is used) that a YAML document may
#: expand to. The largest file hubopt ships (a study.yaml) holds under 300; 10,000 leaves ample room and refuses an
#: alias bomb long before its expansion costs memory.
MAX_YAML_NODES = 10_000


class _RefusedError(Exception):
    """Raised inside the loader; turned into an :class:`InputError` by :func:`read_yaml`."""

    def __init__(self, problem: str, line: int | None, hint: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.hint = hint


class _StrictSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader that bounds alias expansion and refuses repeated keys."""

    def compose_document(self) -> yaml.Node | None:
        node = super().compose_document()
        if node is not None:
            _check_expanded_size(node)
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # an unhashable key: the base class reports it
            line = key_node.start_mark.line + 1
            if first is not None:
                raise _RefusedError(
                    f"the key {quote(key)} is given twice in the same section (lines {first} and {line}); "
                    "hubopt does not guess which one you meant",
                    line,
                    "keep one of the two lines and delete the other",
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _check_expanded_size(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand to more than :data:`MAX_YAML_NODES` values, or refer to themselves.

    Each distinct node's expanded size is computed once (memoised by identity), so the check costs time and memory
    in proportion to the file, not to its expansion.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _RefusedError(
                "an alias refers to the value that contains it, so the value would never end",
                node.start_mark.line + 1,
                "replace the alias (*name) by the values themselves",
            )
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > MAX_YAML_NODES:
                raise _RefusedError(
                    f"the file expands to more than {MAX_YAML_NODES:,} values (its anchors and aliases, &name and "
                    "*name, repeat values many times over); hubopt refuses it rather than build the expansion",
                    node.start_mark.line + 1,
                    "write the values out without nested aliases; a hubopt settings file never needs this many",
                )
        open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root)


def read_yaml(
    path: str | Path, *, what: str, hint: str = "check the indentation and that each line is 'key: value'"
) -> Any:
    """Read a YAML file with the rules above.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file holds, for messages (e.g. "scenario").
    hint : str
        What to do when the file is not valid YAML.

    Returns
    -------
    object
        The document's data (a dict for a settings file; None for an empty file).
    """
    p = require_file(path, what)
    try:
        size = p.stat().st_size
        if size > MAX_YAML_BYTES:
            raise InputError(
                f"the {what} is {size:,} bytes, more than the {MAX_YAML_BYTES:,} a settings file may be",
                path=p,
                hint="check that this is the right file (a hand-written YAML settings file of a few kilobytes)",
            )
        text = p.read_bytes()[: MAX_YAML_BYTES + 1].decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"the {what} is not UTF-8 text", path=p, hint="save it as UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc}", path=p) from None
    loader = _StrictSafeLoader(text)
    try:
        return loader.get_single_data()
    except _RefusedError as exc:
        raise InputError(exc.problem, path=p, row=exc.line, hint=exc.hint) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            f"the {what} is not valid YAML: {problem}",
            path=p,
            row=None if mark is None else mark.line + 1,
            hint=hint,
        ) from None
    except RecursionError:
        raise InputError(
            f"the {what} is nested too deeply to read", path=p, hint="check the indentation and the brackets"
        ) from None
    finally:
        loader.dispose()
