"""Errors that hubopt raises for its users.

Every error that reaches an analyst is a :class:`HuboptError`: its message says what is wrong, where (file, row,
column) and what to do. The command line prints the message without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class HuboptError(Exception):
    """Base class of every error hubopt reports to a user."""


class InputError(HuboptError):
    """Bad input: a file, a row, a column or a scenario setting that hubopt cannot use.

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
    ) -> None:
        self.problem = problem
        self.path = None if path is None else str(path)
        self.row = row
        self.column = column
        self.hint = hint
        self.setting = setting
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
        text = f"{', '.join(where)}: {self.problem}" if where else self.problem
        if self.hint:
            text += f"\n  What to do: {self.hint}"
        return text


class ModelError(HuboptError):
    """A location model that cannot be solved as asked (infeasible, badly posed, no solution in time)."""
