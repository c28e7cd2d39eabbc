"""The explanation's words: a rounding error around zero never reads as a sign pair ("+-0.00%")."""

from __future__ import annotations

import pytest

from hubopt.locate.measure import model_measure


@pytest.mark.parametrize("tiny", [-1e-15, -0.004, 0.0, -0.0])
def test_a_change_that_rounds_to_zero_reads_plus_zero(tiny: float) -> None:
    # Swapping a hub for a site at the same place (two practices at one postcode) changes travel by a rounding
    # error, e.g. -1e-15 %: the summary said "(+-0.00% travel)".
    travel = model_measure("p-median")
    assert travel.phrase(tiny, tiny) == "+0.00% travel"
    assert travel.compare_line([tiny, 1.0], [tiny, 0.1234]) == "cost +0.00%, +0.12% more travel"
    center = model_measure("p-center")
    assert center.phrase(tiny, tiny) == "+0.0 min on the longest journey"
    assert (
        center.compare_line([1.0], [1.0], [tiny])
        == "lengthen the longest journey by 1.0 min (and the mean journey by +0.00 min)"
    )


def test_real_changes_keep_their_sign() -> None:
    assert model_measure("p-median").phrase(5.0, 1.234) == "+1.23% travel"
    assert model_measure("p-median").phrase(-5.0, -1.234) == "-1.23% travel"
    assert model_measure("p-center").phrase(2.0, 10.0) == "+2.0 min on the longest journey"
