"""Distance along land on the real areas: Burnham-on-Crouch is not sent across the Crouch at a crow-fly time, the
committed land-distance model, its refit on the SAMueL modelled road times, and the built-in studies' land masks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubopt.study import load_study
from hubopt.travel.calibration import fit_straight_line_model
from hubopt.travel.estimate import LAND_MODEL_PATH, describe, load_default_model, load_land_model
from hubopt.travel.land_distance import land_distances
from hubopt.travel.land_mask import LAND_MASK_FILE, LandMask
from hubopt.travel.model_forms import is_monotone

REPO = Path(__file__).resolve().parents[2]
MSE = REPO / "hubopt" / "studies" / "mid_south_essex"
WK = REPO / "hubopt" / "studies" / "west_kent"
BURNHAM = ["Maldon 008C", "Maldon 008D", "Maldon 008E", "Maldon 008F", "Maldon 008G"]

# Measured on the real data when the land model was fitted (1,014 SAMueL pairs).
LAND_MAE, STRAIGHT_MAE = 2.334, 2.342


@pytest.fixture(scope="module")
def burnham() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Straight-line and along-land km from the five Burnham-on-Crouch zones to Southend and Basildon hospitals."""
    study = load_study(MSE)
    zones = study.zones[study.zones["zone_name"].isin(BURNHAM)]
    sites = study.sites[study.sites["name"].isin(["Southend Hospital", "Basildon University Hospital"])]
    assert len(zones) == 5 and len(sites) == 2
    zone_xy = study.zone_points()[zones.index.to_numpy()]
    site_xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    dist = land_distances(zone_xy, site_xy, LandMask.read(MSE / LAND_MASK_FILE))
    return sites, dist.straight_km, dist.km


def test_burnham_is_not_sent_across_the_crouch_at_a_crow_fly_time(burnham) -> None:
    sites, straight_km, land_km = burnham
    southend = int(np.flatnonzero(sites["name"].to_numpy() == "Southend Hospital")[0])
    crow = load_default_model().predict_minutes(straight_km[:, southend])
    along = load_land_model().predict_minutes(land_km[:, southend])
    # As the crow flies Southend is 12-13 km (about 20 minutes) across the Crouch; along land the path goes round the
    # estuary (upstream of North Fambridge, where the boundaries stop cutting it out): 21.6-22.6 km, 29-31 minutes.
    assert np.all(straight_km[:, southend] < 13.0) and np.all(crow < 21.0)
    assert np.all(land_km[:, southend] > 1.65 * straight_km[:, southend])
    assert np.all(along > 29.0)


def test_burnham_to_basildon_matches_the_modelled_road_times_better(burnham) -> None:
    # SAMueL's modelled road times from these zones to Basildon (their nearest stroke unit) are 34.9-37.7 minutes.
    sites, straight_km, land_km = burnham
    basildon = int(np.flatnonzero(sites["name"].to_numpy() == "Basildon University Hospital")[0])
    crow = load_default_model().predict_minutes(straight_km[:, basildon])
    along = load_land_model().predict_minutes(land_km[:, basildon])
    assert np.all(along > crow + 0.8)
    assert np.all((along > 34.5) & (along < 38.0))


def test_committed_land_model() -> None:
    model = load_land_model()
    assert LAND_MODEL_PATH.name == "land_distance_model.json"
    assert model.distance_measure == "land" and model.form == "piecewise_linear_5km"
    assert is_monotone(model.form, model.coefficients)
    assert model.n_pairs == 1014
    assert model.mae_minutes == pytest.approx(LAND_MAE, abs=0.001)
    assert "Dartford Crossing" in model.distance_note and "100 m land grid" in model.distance_note
    assert describe(model).startswith("distance along land converted to drive time")


@pytest.mark.parametrize("folder", [WK, MSE], ids=["west_kent", "mid_south_essex"])
def test_built_in_studies_ship_their_land_mask(folder: Path) -> None:
    mask = LandMask.read(folder / LAND_MASK_FILE)
    assert mask.cell_m == 100.0 and mask.bridge_cells == 1
    assert "Office for National Statistics" in mask.source
    study = load_study(folder)
    rows, cols, inside = mask.cells_of(study.zone_points())
    assert inside.all()
    assert mask.land[rows, cols].mean() > 0.99  # zone centroids lie on land
    assert (folder / LAND_MASK_FILE).stat().st_size < 10_000  # compact: packed bits, compressed


def test_the_crouch_and_the_thames_are_water_on_the_mse_mask() -> None:
    mask = LandMask.read(MSE / LAND_MASK_FILE)

    def is_land(x: float, y: float) -> bool:
        rows, cols, inside = mask.cells_of(np.array([[x, y]]))
        return bool(inside[0] and mask.land[rows[0], cols[0]])

    assert not is_land(597_000.0, 195_000.0)  # the Crouch off Burnham-on-Crouch
    assert not is_land(588_000.0, 196_400.0)  # the Crouch off Canewdon
    assert not is_land(565_000.0, 175_000.0)  # the Thames between Tilbury and Gravesend
    assert is_land(595_300.0, 196_700.0) and is_land(588_000.0, 187_000.0)  # Burnham, Southend


@pytest.fixture(scope="module")
def refits(shared_data: Path):
    return fit_straight_line_model(shared_data), fit_straight_line_model(shared_data, distance="land")


def test_land_refit_reproduces_the_committed_model_and_improves_where_land_bends(refits) -> None:
    (straight, straight_pairs), (land, land_pairs) = refits
    committed = load_land_model()
    for name, value in committed.coefficients.items():
        assert land.coefficients[name] == pytest.approx(value, abs=1e-6), name
    assert land.mae_minutes == pytest.approx(committed.mae_minutes, abs=1e-9)
    assert list(land_pairs.columns) == [
        "lsoa", "lsoa_name", "unit", "distance_km", "land_km", "observed", "predicted", "residual",
    ]  # fmt: skip
    assert (land_pairs["land_km"] >= land_pairs["distance_km"] - 1e-9).all()
    # Over all pairs: no worse (most nearest-unit pairs have nothing but land between them).
    assert land.mae_minutes < straight.mae_minutes
    assert land.rmse_minutes < straight.rmse_minutes
    # Where the land path bends round water (18 pairs: Burnham to Basildon, Grays to Darent Valley by the
    # Dartford Crossing), the error falls: MAE 2.57 -> 2.14 min, worst 5.2 -> 4.6 min, none beyond 5 minutes.
    bends = (land_pairs["land_km"] > 1.02 * land_pairs["distance_km"]).to_numpy()
    assert bends.sum() == 18
    before = straight_pairs["residual"].abs().to_numpy()[bends]
    after = land_pairs["residual"].abs().to_numpy()[bends]
    assert after.mean() < before.mean() - 0.4
    assert after.max() < 5.0 < before.max()
