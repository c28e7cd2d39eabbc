"""The proof status in words, from the solver's own report: "proven" only for a proven optimum."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hubopt.locate.solve import SolveReport
from hubopt.workbench.answer import proof_of

OPTIMAL = SolveReport("HiGHS", "optimal", None, 100.0, 100.0, 0.0, 0.1, 10, 10, 10, 120.0, 0.0)


@pytest.mark.parametrize(
    ("report", "status", "proven", "text"),
    [
        (OPTIMAL, "optimal", True, "best possible: proven"),
        (
            replace(OPTIMAL, bound=99.2, gap=0.008, gap_tolerance=0.01),
            "gap",
            False,
            "not proven: within 0.8 % of the best possible (the gap the scenario allows)",
        ),
        (
            replace(OPTIMAL, status="feasible", stopped_by="time limit", bound=97.9, gap=0.021),
            "time_limit",
            False,
            "time limit reached: not proven, within 2.1 % of the best possible",
        ),
        (
            replace(OPTIMAL, status="feasible", stopped_by="time limit", bound=None, gap=None),
            "time_limit",
            False,
            "time limit reached: not proven, the gap to the best is unknown",
        ),
        (
            replace(OPTIMAL, status="feasible", stopped_by="gap not closed", bound=99.2, gap=0.008),
            "gap",
            False,
            "not proven: within 0.8 % (gap not closed)",
        ),
    ],
)
def test_proof_in_words(report: SolveReport, status: str, proven: bool, text: str) -> None:
    proof = proof_of(report)
    assert (proof.status, proof.proven, proof.text) == (status, proven, text)
    assert proof.to_json()["proven"] is proven
