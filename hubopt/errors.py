"""Errors that hubopt raises for its users.

Every error that reaches an analyst is a :class:`HuboptError`: its message says what is wrong, where (file, row,
column) and what to do. The command line prints the message without a traceback.
"""

from __future__ import annotations

import reprlib
from pathlib import Path

#: Longest quoted value (characters) an error message shows; a longer one is cut with "…" and its length said.
MAX_QUOTED_CHARS = 200
#: Longest problem or hint (characters) an error message holds, whatever built it.
MAX_MESSAGE_CHARS = 2_000

_REPR = reprlib.Repr()
_REPR.maxstring = MAX_QUOTED_CHARS
_REPR.maxother = MAX_QUOTED_CHARS
_REPR.maxlong = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 8
_REPR.maxlevel = 3


def quote(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """``repr(value)`` for an error message, bounded in time, memory and length.

    A long text or a large (or deeply nested, or alias-expanded) list or mapping is shown in part, so that a bad
    value can never make an error message (or the memory to build it) grow with the value.

    Parameters
    ----------
    value : object
        The value to show.
    limit : int
        The most characters returned.

    Returns
    -------
    str
        The value's ``repr``, cut to ``limit`` characters with "…" when longer.
    """
    text = _REPR.repr(value)
    return _cut(text, limit)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


class HuboptError(Exception):
    """Base class of every error hubopt reports to a user."""


class InputError(HuboptError, ValueError):
    """Bad input: a file, a row, a column, a scenario setting or a function's argument that hubopt cannot use.

    It is also a :class:`ValueError`, so code that calls hubopt as a library may catch either.

    Parameters
    ----------
    problem : str
        What is wrong, in plain words.
    path : str or Path, optional
        The file that holds the problem.
    row : int, optional
        The line number in the file (1 = first line of the file, the header when there is one).
    column : str, optional
        The column (or scenario key) that holds the problem.
    hint : str, optional
        What the user should do about it.
    setting : str, optional
        The scenario-file setting (dotted key, e.g. ``model.hubs``) that holds the problem.
    parameter : str, optional
        The argument of a library function that holds the problem (e.g. ``n_hubs`` of
        :func:`hubopt.solve_p_median`). The pipeline names the scenario setting instead (see
        :data:`hubopt.pipeline.scenario_errors.SETTING_OF_PARAMETER`).
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
        setting: str | None = None,
        parameter: str | None = None,
    ) -> None:
        self.problem = _cap(problem)
        self.path = None if path is None else _cut(str(path), MAX_QUOTED_CHARS * 2)
        self.row = row
        self.column = None if column is None else _cut(str(column), MAX_QUOTED_CHARS)
        self.hint = None if hint is None else _cap(hint)
        self.setting = None if setting is None else _cut(str(setting), MAX_QUOTED_CHARS)
        self.parameter = None if parameter is None else _cut(str(parameter), MAX_QUOTED_CHARS)
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.path is not None:
            where.append(f"file {self.path}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.setting is not None:
            where.append(f"setting '{self.setting}'")
        if self.parameter is not None:
            where.append(f"parameter '{self.parameter}'")
        text = f"{', '.join(where)}: {self.problem}" if where else self.problem
        if self.hint:
            text += f"\n  What to do: {self.hint}"
        return text


def _cap(text: str) -> str:
    """A problem or hint cut to :data:`MAX_MESSAGE_CHARS`, saying how much was left out."""
    text = str(text)
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return f"{text[:MAX_MESSAGE_CHARS]}… ({len(text) - MAX_MESSAGE_CHARS:,} more characters left out)"


class ModelError(HuboptError):
    """A location model that cannot be solved as asked (infeasible, badly posed, no solution in time)."""
