"""Options side by side and who is better or worse off: counts checked by hand on a tiny case, sentences naming
the sites by name, and the comparison's figures equal to the answers'."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from hubopt.errors import InputError
from hubopt.workbench.compare import OPTIMISER_COLUMN, PinnedOption, people_text, shift_between
from hubopt.workbench.session import Workbench

# Five zones: journeys before (a) and after (b), people and IMD deciles (by hand below).
A = np.array([10.0, 10.0, 20.0, 5.0, np.inf])
B = np.array([16.0, 9.0, 20.0, 5.5, 12.0])
PEOPLE = np.array([1000.0, 2000.0, 500.0, 300.0, 50.0])
DECILE = np.array([1.0, 1.0, 2.0, 7.0, np.nan])


def test_shift_counts_by_hand() -> None:
    shift = shift_between(
        A, B, PEOPLE, DECILE, ["z1", "z2", "z3", "z4", "z5"], ["One", "Two", "Three", "Four", "Five"]
    )
    d = shift.by_decile.set_index("imd_decile")
    # decile 1: zone 1 +6 min (1,000 people, more than 5), zone 2 -1 min (2,000 people)
    assert d.loc[1, "people_worse"] == 1000 and d.loc[1, "people_better"] == 2000
    assert d.loc[1, "people_much_worse"] == 1000 and d.loc[1, "people_much_better"] == 0
    assert d.loc[1, "mean_change_minutes"] == pytest.approx((1000 * 6 - 2000 * 1) / 3000, rel=1e-12)
    # decile 2: no change; decile 7: +0.5 min for 300 people (not more than 5)
    assert d.loc[2, "people_worse"] == 0 and d.loc[2, "people_better"] == 0 and d.loc[2, "mean_change_minutes"] == 0
    assert d.loc[7, "people_worse"] == 300 and d.loc[7, "people_much_worse"] == 0
    # the zone with no IMD decile gains a reachable hub: better off, by an unbounded amount
    assert d.loc["No IMD data", "people_better"] == 50 and d.loc["No IMD data", "people_much_better"] == 50
    assert math.isnan(d.loc["No IMD data", "mean_change_minutes"])
    assert list(d.index) == [1, 2, 7, "No IMD data"]
    # zones that change, the largest rise first; zone 3 (no change) is not listed
    assert shift.zones["zone_id"].tolist() == ["z1", "z4", "z2", "z5"]
    assert shift.zones["change"].tolist()[:3] == pytest.approx([6.0, 0.5, -1.0], rel=1e-12)
    assert shift.sentences[0] == "1,300 people in 2 zones travel longer; 1,000 of them by more than 5 minutes."
    assert shift.sentences[1] == "2,100 people in 2 zones travel less; 50 of them by more than 5 minutes."
    # most deprived fifth (deciles 1-2, finite changes): (6000 - 2000 + 0) / 3500; the rest (decile 7): +0.5
    assert shift.sentences[2] == (
        "On average the most deprived fifth's journey changes by +1.14 minutes, the rest's by +0.50 minutes."
    )
    assert shift.sentences[3] == "50 people gain or lose any reachable hub."
    json.dumps(shift.to_json(), allow_nan=False)


def test_no_change_says_so() -> None:
    shift = shift_between(A, A.copy(), PEOPLE, DECILE, list("abcde"), list("abcde"))
    assert shift.sentences == ["Nobody's journey changes."]
    assert shift.zones.empty
    assert shift.by_decile["people_worse"].sum() == 0


def test_people_text() -> None:
    assert people_text(3_149.0) == "3,100"
    assert people_text(3_150.1) == "3,200"
    assert people_text(154.0) == "150"
    assert people_text(7.4) == "7"
    assert people_text(2_050.0) == "2,100"


def test_better_or_worse_between_two_answers(west_kent: Workbench) -> None:
    q = west_kent.default_question()
    a = west_kent.answer(q)
    b = west_kent.evaluate(q, ["RYYD9", "RWF03", "RWFTW"])
    shift = west_kent.better_or_worse(a, b)
    people = west_kent.demand(q.year).population["population"].to_numpy()
    change = b.zone_minutes - a.zone_minutes
    assert shift.by_decile["people_worse"].sum() == pytest.approx(people[change > 1e-9].sum(), rel=1e-9)
    assert shift.by_decile["people_much_worse"].sum() == pytest.approx(people[change > 5].sum(), rel=1e-9)
    assert len(shift.zones) == int((np.abs(change) > 1e-9).sum())


def test_compare_options_with_the_optimisers_answer_first(west_kent: Workbench) -> None:
    basis = replace(west_kent.default_question(), must_open=(), unavailable=("G82041",))  # the user's own states
    optimiser = west_kent.answer(west_kent.default_question())  # compare uses the scenario's default states
    pembury = tuple(sorted(set(optimiser.open_site_ids) - {"G82099"} | {"RWFTW"}))
    options = [
        PinnedOption("Option A", basis, ("RYYD9", "RWF03", "RWFTW")),
        PinnedOption("With Pembury", basis, pembury),
        PinnedOption("Same", basis, optimiser.open_site_ids),
    ]
    comparison = west_kent.compare(options, basis)
    assert comparison.answers[0].open_site_ids == optimiser.open_site_ids
    assert list(comparison.table.columns) == ["measure", OPTIMISER_COLUMN, "Option A", "With Pembury", "Same"]
    row = comparison.table.set_index("measure").loc["Mean journey (minutes)"]
    assert row[OPTIMISER_COLUMN] == pytest.approx(optimiser.figures.mean_minutes, rel=1e-12)
    assert row["With Pembury"] == pytest.approx(comparison.answers[2].figures.mean_minutes, rel=1e-12)
    extra = comparison.answers[2].figures.mean_minutes - optimiser.figures.mean_minutes
    lose = west_kent.better_or_worse(optimiser, comparison.answers[2]).by_decile["people_much_worse"].sum()
    assert comparison.sentences[1].startswith(
        "With Pembury: forcing Tunbridge Wells Hospital at Pembury (RWFTW) instead of The College Practice (G82099) "
        f"costs +{extra:.2f} minutes on average; {people_text(lose)} people lose more than 5 minutes"
    )
    assert comparison.sentences[2] == "Same is the optimiser's answer."
    json.dumps(comparison.to_json(), allow_nan=False)


def test_compare_refuses_more_than_four_options(west_kent: Workbench) -> None:
    q = west_kent.default_question()
    options = [PinnedOption(f"Option {i}", q, ("RYYD9",)) for i in range(5)]
    with pytest.raises(InputError, match="5 options cannot be compared at once"):
        west_kent.compare(options, q)
