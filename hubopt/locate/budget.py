"""A time budget for a step made of many solves (the explanation of an answer): one deadline for all of them.

The deadline is a :func:`hubopt.locate._clock.now` value (so a test can run it out at a chosen moment). Work is
done in whole items (a hub's swaps, one next-best solution): an item the deadline cut off is left out, never shown
half done, and the table says how many items were done (:func:`cut_short_note`).
"""

from __future__ import annotations

from dataclasses import replace

from hubopt.locate import _clock
from hubopt.locate.options import SolverOptions


def deadline_after(seconds: float | None) -> float | None:
    """The deadline ``seconds`` from now (None: no deadline)."""
    return None if seconds is None else _clock.now() + float(seconds)


def out_of_time(deadline: float | None) -> bool:
    """Whether the deadline has passed."""
    return deadline is not None and _clock.now() > deadline


def within_budget(options: SolverOptions, deadline: float | None) -> SolverOptions:
    """``options`` with the time limit no later than the deadline (at least a millisecond)."""
    if deadline is None:
        return options
    left = max(deadline - _clock.now(), 1e-3)
    limit = left if options.time_limit is None else min(options.time_limit, left)
    return replace(options, time_limit=limit)


def cut_short_note(what: str, done: int, total: int, verb: str) -> str:
    """E.g. "next-best solutions: 2 of 4 found before the time budget ran out"."""
    return f"{what}: {done} of {total} {verb} before the time budget ran out"
