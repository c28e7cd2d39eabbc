"""The phased bed plan respects each site's availability by year: no beds at a site in a year it cannot be used."""

from __future__ import annotations

import numpy as np
import pytest

from hubopt.errors import InputError, ModelError
from hubopt.locate.beds import place_beds_phased

YEARS = (2025, 2030, 2035)
# Two zones, both nearer site A (1 minute) than site B (5 minutes); A has 10 beds today.
COST = np.array([[1.0, 5.0], [1.0, 5.0]])
NEED = [10, 12, 14]
DEMAND = np.array([[n / 2, n / 2] for n in NEED])


def plan(available: np.ndarray | None) -> np.ndarray:
    return place_beds_phased(
        COST, DEMAND, NEED, years=YEARS, min_unit=10, max_beds=[20, 20], existing_beds=[10, 0], must_keep=[0],
        available=available, site_ids=["A", "B"], priority="fewest_beds",
    ).beds  # fmt: skip


def test_without_an_end_the_beds_grow_at_the_nearest_site() -> None:
    assert plan(None).tolist() == [[10, 0], [12, 0], [14, 0]]


def test_a_lease_end_moves_the_beds_elsewhere_in_the_later_years() -> None:
    lease_ends_2030 = np.array([[True, True], [True, True], [False, True]])
    beds = plan(lease_ends_2030)
    assert beds.tolist() == [[10, 0], [12, 0], [0, 14]]  # A closes in 2035 (its must-keep floor lifted); B opens


def test_a_committed_build_hosts_beds_only_from_its_first_year() -> None:
    # B is available only from 2035 and A only until 2030: B cannot hold beds before 2035.
    beds = plan(np.array([[True, False], [True, False], [False, True]]))
    assert beds[:2, 1].tolist() == [0, 0] and beds[2].tolist() == [0, 14]


def test_a_year_with_no_available_site_is_refused_before_solving() -> None:
    with pytest.raises(ModelError, match="in 2035"):
        plan(np.array([[True, True], [True, True], [False, False]]))


def test_availability_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(InputError, match="available must be"):
        plan(np.ones((2, 2), dtype=bool))
