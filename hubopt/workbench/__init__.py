"""The forum workbench's computing: a study prepared once, then questions answered, compared and explained fast.

No web code here: :mod:`hubopt.app` serves it in the browser. :class:`~hubopt.workbench.session.Workbench` opens a
scenario; a :class:`~hubopt.workbench.question.Question` asks it something; an
:class:`~hubopt.workbench.answer.Answer` comes back, the one ``hubopt run`` gives for the same settings
(:meth:`~hubopt.workbench.session.Workbench.scenario_for`).
"""

from hubopt.workbench.answer import Answer, Figures, Proof
from hubopt.workbench.compare import Comparison, PinnedOption, Shift
from hubopt.workbench.explanation import Explanation
from hubopt.workbench.question import SITE_STATES, WORKBENCH_MODELS, Question
from hubopt.workbench.session import Workbench

__all__ = [
    "SITE_STATES",
    "WORKBENCH_MODELS",
    "Answer",
    "Comparison",
    "Explanation",
    "Figures",
    "PinnedOption",
    "Proof",
    "Question",
    "Shift",
    "Workbench",
]
