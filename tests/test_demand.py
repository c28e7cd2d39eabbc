"""Demand: projection to a year matches the district projections; weights; years outside the projections."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hubopt.demand.projection import zone_population
from hubopt.demand.zones import zone_demand
from hubopt.errors import InputError
from hubopt.io.age_bands import AGE_BANDS, band_column, parse_band
from hubopt.study import load_study

WEST_KENT = Path(__file__).resolve().parents[1] / "hubopt" / "studies" / "west_kent"


@pytest.fixture(scope="module")
def study():
    return load_study(WEST_KENT)


@pytest.mark.parametrize("year", [2022, 2030, 2047])
def test_zones_sum_to_district_projection_for_every_band(study, year: int) -> None:
    pop, method = zone_population(study, year)
    assert "projections for" in method
    proj = study.projections[study.projections["year"] == year]
    assert not study.projection_bands.is_standard  # the finest groups of the file, added up into each band here
    youngest = proj["band"].map(lambda label: parse_band(label)[0])
    for band, (lo, hi) in AGE_BANDS.items():
        by_district = pop.groupby("district_code")[band_column(band)].sum()
        inside = (youngest >= lo) & (youngest <= (hi if hi is not None else 200))
        expected = proj[inside].groupby("district_code")["population"].sum()
        np.testing.assert_allclose(by_district.sort_index(), expected.sort_index(), rtol=1e-9)


def test_base_year_is_unscaled(study) -> None:
    pop, method = zone_population(study, 2017)
    assert pop["population"].sum() == study.zones["population"].sum() == 534_111
    assert "base year" in method


def test_interpolated_years_lie_between_base_and_first_projection(study) -> None:
    pop, method = zone_population(study, 2019)
    assert "interpolated" in method
    base = study.zones["population"].sum()
    first = study.projections.query("year == 2022")["population"].sum()
    assert pop["population"].sum() == pytest.approx(base + (first - base) * 2 / 5)


def test_years_beyond_projection(study) -> None:
    with pytest.raises(InputError, match="beyond the projections, which end in 2047"):
        zone_population(study, 2050)
    held, method = zone_population(study, 2050, beyond="hold")
    assert "held flat" in method
    assert held["population"].sum() == pytest.approx(zone_population(study, 2047)[0]["population"].sum())
    with pytest.raises(InputError, match="before the study's base year"):
        zone_population(study, 2010)


def test_weighted_demand_hand_checked(study) -> None:
    d = zone_demand(study, 2017, {"0-64": 1, "65-74": 2, "75-84": 3, "85+": 4})
    z = study.zones.iloc[0]
    assert d.demand[0] == pytest.approx(z.pop_0_64 + 2 * z.pop_65_74 + 3 * z.pop_75_84 + 4 * z.pop_85_plus)
    older = zone_demand(study, 2017, {"0-64": 0, "65-74": 1, "75-84": 1, "85+": 1})
    assert older.demand.sum() == pytest.approx(103_860)
