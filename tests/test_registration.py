"""Registration share: zones of a listed district are scaled, others kept; bad shares are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubopt.demand.projection import zone_population
from hubopt.demand.registration import apply_registration_share
from hubopt.errors import InputError
from hubopt.io.age_bands import AGE_BANDS, band_column
from hubopt.study import load_study

WEST_KENT = Path(__file__).resolve().parents[1] / "hubopt" / "studies" / "west_kent"
BANDS = [band_column(b) for b in AGE_BANDS]
SEVENOAKS = "E07000111"


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "zone_id": ["a", "b", "c"],
            "district_code": [SEVENOAKS, SEVENOAKS, "E07000110"],
            "pop_0_64": [1000.0, 500.0, 800.0],
            "pop_65_74": [100.0, 50.0, 80.0],
            "pop_75_84": [60.0, 30.0, 40.0],
            "pop_85_plus": [20.0, 10.0, 15.0],
            "population": [1180.0, 590.0, 935.0],
        }
    )


def test_sevenoaks_scaled_others_unchanged(table: pd.DataFrame) -> None:
    out = apply_registration_share(table, {SEVENOAKS: 0.594})
    np.testing.assert_allclose(out.loc[0, BANDS].to_numpy(dtype=float), [594.0, 59.4, 35.64, 11.88])
    np.testing.assert_allclose(out.loc[2, BANDS].to_numpy(dtype=float), table.loc[2, BANDS].to_numpy(dtype=float))
    np.testing.assert_allclose(out["population"], out[BANDS].sum(axis=1))
    assert out["registration_share"].tolist() == [0.594, 0.594, 1.0]
    note = out.attrs["registration_note"]
    assert "E07000111 × 0.594" in note and "E07000110 not listed, so kept at 1.0" in note
    assert table.loc[0, "pop_0_64"] == 1000.0  # input unchanged
    with pytest.raises(InputError, match="already been applied"):
        apply_registration_share(out, {SEVENOAKS: 0.594})


@pytest.mark.parametrize(
    ("shares", "match"),
    [
        ({SEVENOAKS: 0}, "above 0 and at most 1"),
        ({SEVENOAKS: 1.2}, "above 0 and at most 1"),
        ({SEVENOAKS: 59.4}, "59.4 % is 0.594"),
        ({SEVENOAKS: "most"}, "not a number"),
        ({"E07000999": 0.5, "E07000998": 0.5}, "not in the study: E07000998, E07000999"),
    ],
)
def test_bad_shares(table: pd.DataFrame, shares: dict, match: str) -> None:
    with pytest.raises(InputError, match=match) as err:
        apply_registration_share(table, shares)
    assert "registration_share" in str(err.value)


def test_west_kent_study_share() -> None:
    study = load_study(WEST_KENT)
    pop, _ = zone_population(study, study.base_year)
    out = apply_registration_share(pop, study.metadata["registration_share"])
    seven = (pop["district_code"] == SEVENOAKS).to_numpy()
    np.testing.assert_allclose(out.loc[seven, BANDS].to_numpy(), pop.loc[seven, BANDS].to_numpy() * 0.594)
    np.testing.assert_array_equal(out.loc[~seven, BANDS].to_numpy(), pop.loc[~seven, BANDS].to_numpy())
