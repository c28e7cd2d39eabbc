"""Text in matplotlib figures drawn exactly as given: never as mathtext or LaTeX.

Matplotlib reads text between two ``$`` signs as mathematics (mathtext): a site called ``Cost $5 and $`` came out
mangled, and ``\\frac{a}{`` stopped a whole run with a parse error. Every figure hubopt draws is made inside
:func:`plain_text` (a decorator or ``with`` block that sets ``text.parse_math`` and ``text.usetex`` off for every
Text created in it), and saved through :func:`save_figure`, which also switches math off for any Text already in
the figure. No string needs escaping, and the text in the file is the original text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.text import Text

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = ["PLAIN_TEXT_RC", "plain_text", "save_figure"]

#: Matplotlib settings under which every string is drawn as plain text.
PLAIN_TEXT_RC: dict[RcKeyType, Any] = {"text.parse_math": False, "text.usetex": False}


@contextlib.contextmanager
def plain_text() -> Iterator[None]:
    """A ``with`` block or decorator inside which matplotlib draws every new text as plain text."""
    with mpl.rc_context(PLAIN_TEXT_RC):
        yield


def save_figure(fig: Figure, target: str | Path | IO[Any], **kwargs: Any) -> None:
    """``fig.savefig(target, **kwargs)`` with every text of the figure drawn as plain text."""
    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)
    with plain_text():
        fig.savefig(target, **kwargs)
