"""Progress through a run's long steps, as the one-line messages the command line shows.

The library layers report ``(done, total)`` to a :data:`hubopt.locate.options.StepCallback`; :func:`counted` turns a
run's message callback into one, so the pipeline never prints and the command line decides how to show the counts.
"""

from __future__ import annotations

from collections.abc import Callable

from hubopt.locate.options import StepCallback


def counted(progress: Callable[[str], None], template: str) -> StepCallback:
    """A step callback telling ``progress`` the ``template`` with its ``{done}`` and ``{total}`` filled in.

    Parameters
    ----------
    progress : callable
        The run's message callback (one line per message).
    template : str
        The message, e.g. ``"How many hubs: {done} of {total} solved"``.
    """

    def on_step(done: int, total: int) -> None:
        progress(template.format(done=done, total=total))

    return on_step
