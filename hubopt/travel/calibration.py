"""Fitting the straight-line travel-time model on calibration data, with cross-validated choice of its form.

The calibration data are the SAMueL stroke project's modelled road drive times from each LSOA 2011
population-weighted centroid to its nearest thrombolysis unit (see the shared data folder's SOURCES.md). Run it with
``python -m hubopt.travel.fit_straight_line``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from hubopt.errors import InputError
from hubopt.io._columns import check_unique, require_columns
from hubopt.io._coords import CRS_BNG, CRS_LONLAT, check_coordinates_in_gb
from hubopt.io._csv import read_csv_table
from hubopt.io._files import file_sha256
from hubopt.io._numbers import numeric_column
from hubopt.travel.estimate import DISTANCE_MEASURES, CandidateFit, StraightLineModel
from hubopt.travel.land_distance import land_distances
from hubopt.travel.land_source import land_mask_from_boundaries
from hubopt.travel.model_forms import (
    CV_FOLDS,
    CV_SEED,
    FORMS,
    SIMPLICITY_TOLERANCE_MINUTES,
    Form,
    fitted_formula,
    get_form,
    is_monotone,
)

__all__ = [
    "CENTROIDS_FILE",
    "LAD_BOUNDARIES_FILE",
    "LSOA_BOUNDARIES_FOLDER",
    "STROKE_UNITS_FILE",
    "TRAVEL_TIMES_FILE",
    "fit_straight_line_model",
]


#: Calibration files, relative to the shared data folder (see its SOURCES.md, sections 2, 5 and 8).
TRAVEL_TIMES_FILE = Path("travel_times/lsoa_107_ivt_westkent_mse.csv")
CENTROIDS_FILE = Path(
    "population/Lower_Layer_Super_Output_Areas_December_2011_Population_Weighted_Centroids_westkent_mse.csv"
)
STROKE_UNITS_FILE = Path("hospitals/hosp_107_stroke_units_england.csv")
#: The clipped boundaries the land mask of a land-distance fit is made from (SOURCES.md, section 6).
LSOA_BOUNDARIES_FOLDER = Path("boundaries/lsoa2011_bgc_by_lad")
LAD_BOUNDARIES_FILE = Path(
    "boundaries/Local_Authority_Districts_December_2017_SGC_UK_WGS84_westkent_mse_25km.geojson"
)


#: Threshold of the "share within" error measure.
WITHIN_MINUTES = 5.0
#: Fewest joined pairs a fit accepts.
MIN_PAIRS = 30


def _norm_postcode(s: pd.Series) -> pd.Series:
    return s.astype(str).str.upper().str.replace(r"\s+", "", regex=True)


def _read_calibration_pairs(source_dir: Path) -> tuple[pd.DataFrame, dict[str, int], dict[str, str]]:
    """Join travel times, LSOA centroids and unit locations; return pairs with BNG coordinates and join counts."""
    tt_path = source_dir / TRAVEL_TIMES_FILE
    pwc_path = source_dir / CENTROIDS_FILE
    su_path = source_dir / STROKE_UNITS_FILE

    tt = read_csv_table(tt_path, what="SAMueL LSOA travel-time file")
    require_columns(tt, ["area", "time_to_thrombolysis_unit", "IVT unit"], path=tt_path, what="travel-time file")
    pwc = read_csv_table(pwc_path, what="LSOA 2011 population-weighted centroid file")
    require_columns(pwc, ["X", "Y", "lsoa11cd", "lsoa11nm"], path=pwc_path, what="LSOA centroid file")
    su = read_csv_table(su_path, what="stroke unit file")
    require_columns(su, ["hospital", "lat", "long"], path=su_path, what="stroke unit file")

    tt = tt.assign(
        area=tt["area"].str.strip(),
        unit=_norm_postcode(tt["IVT unit"]),
        observed=numeric_column(tt, "time_to_thrombolysis_unit", path=tt_path, minimum=0.0),
        row=np.arange(len(tt)) + 2,
    )
    check_unique(tt, "area", path=tt_path, what="LSOA name")
    blank_unit = tt["unit"] == ""
    if blank_unit.any():
        pos = int(np.flatnonzero(blank_unit.to_numpy())[0])
        raise InputError("the unit postcode is missing", path=tt_path, row=pos + 2, column="IVT unit")

    pwc = pwc.assign(
        lsoa11nm=pwc["lsoa11nm"].str.strip(),
        lon=numeric_column(pwc, "X", path=pwc_path),
        lat=numeric_column(pwc, "Y", path=pwc_path),
    )
    check_unique(pwc, "lsoa11nm", path=pwc_path, what="LSOA name")
    check_coordinates_in_gb(pwc["lon"], pwc["lat"], crs="lonlat", path=pwc_path, columns=("X", "Y"))

    su = su.assign(
        unit=_norm_postcode(su["hospital"]),
        lon=numeric_column(su, "long", path=su_path),
        lat=numeric_column(su, "lat", path=su_path),
    )
    check_unique(su, "unit", path=su_path, what="unit postcode")
    check_coordinates_in_gb(su["lon"], su["lat"], crs="lonlat", path=su_path, columns=("long", "lat"))

    to_bng = Transformer.from_crs(CRS_LONLAT, CRS_BNG, always_xy=True)
    pwc["x"], pwc["y"] = to_bng.transform(pwc["lon"].to_numpy(), pwc["lat"].to_numpy())
    su["ux"], su["uy"] = to_bng.transform(su["lon"].to_numpy(), su["lat"].to_numpy())

    pairs = tt[["area", "unit", "observed", "row"]].merge(
        pwc[["lsoa11nm", "lsoa11cd", "x", "y"]], left_on="area", right_on="lsoa11nm", how="left", validate="1:1"
    )
    pairs = pairs.merge(su[["unit", "ux", "uy"]], on="unit", how="left", validate="m:1")
    no_centroid = pairs["x"].isna()
    no_unit = pairs["ux"].isna()
    kept = pairs[~no_centroid & ~no_unit]
    join = {
        "travel_time_rows": len(tt),
        "lsoas_without_centroid": int(no_centroid.sum()),
        "rows_whose_unit_has_no_location": int((no_unit & ~no_centroid).sum()),
        "units_without_location": int(pairs.loc[no_unit, "unit"].nunique()),
        "centroids_not_used": int((~pwc["lsoa11nm"].isin(tt["area"])).sum()),
        "pairs": len(kept),
        "ivt_units": int(kept["unit"].nunique()),
    }
    if len(kept) < MIN_PAIRS:
        examples = ", ".join(repr(a) for a in pairs.loc[no_centroid, "area"].head(3))
        units = ", ".join(repr(u) for u in pairs.loc[no_unit, "unit"].drop_duplicates().head(3))
        raise InputError(
            f"only {len(kept)} of {len(tt)} travel-time rows join to an LSOA centroid and a unit location "
            f"({join['lsoas_without_centroid']} LSOA names have no centroid, e.g. {examples or 'none'}; "
            f"{join['units_without_location']} unit postcodes have no location, e.g. {units or 'none'})",
            path=tt_path,
            hint=f"check that the three files cover the same LSOAs (by name) and units (by postcode); "
            f"at least {MIN_PAIRS} pairs are needed",
        )
    files = {str(p.relative_to(source_dir)): file_sha256(p) for p in (tt_path, pwc_path, su_path)}
    out = pd.DataFrame(
        {
            "lsoa": kept["lsoa11cd"].to_numpy(),
            "lsoa_name": kept["area"].to_numpy(),
            "unit": kept["unit"].to_numpy(),
            "distance_km": np.hypot(
                kept["x"].to_numpy() - kept["ux"].to_numpy(), kept["y"].to_numpy() - kept["uy"].to_numpy()
            )
            / 1000.0,
            "observed": kept["observed"].to_numpy(dtype=np.float64),
            "x": kept["x"].to_numpy(dtype=np.float64),
            "y": kept["y"].to_numpy(dtype=np.float64),
            "unit_x": kept["ux"].to_numpy(dtype=np.float64),
            "unit_y": kept["uy"].to_numpy(dtype=np.float64),
        }
    )
    # A fixed order (by LSOA code) so that folds, and hence the choice, do not depend on the file's row order.
    out = out.sort_values(["lsoa", "unit"], kind="stable").reset_index(drop=True)
    return out, join, files


def _cv_errors(form: Form, d: np.ndarray, t: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Held-out errors (predicted - observed) of ``form`` for every pair."""
    err = np.empty_like(t)
    for k in np.unique(folds):
        test = folds == k
        coef = form.fit(d[~test], t[~test])
        err[test] = form.predict(coef, d[test]) - t[test]
    return err


def _choose(candidates: list[CandidateFit]) -> CandidateFit:
    eligible = [c for c in candidates if c.monotone]
    if not eligible:  # pragma: no cover - every form is constrained to be monotone
        raise ValueError("no candidate model form is monotone")
    best = min(eligible, key=lambda c: c.cv_mae_minutes)
    close = [c for c in eligible if c.cv_mae_minutes <= best.cv_mae_minutes + SIMPLICITY_TOLERANCE_MINUTES]
    return min(close, key=lambda c: (c.n_params, c.cv_mae_minutes))


def _along_land(pairs: pd.DataFrame, source_dir: Path) -> tuple[np.ndarray, str, dict[str, str]]:
    """Distance along land (km) of every pair, on a mask made from the data folder's clipped boundaries."""
    lsoa_xy = pairs[["x", "y"]].to_numpy()
    unit_xy = pairs[["unit_x", "unit_y"]].drop_duplicates().to_numpy()
    lsoa_dir = source_dir / LSOA_BOUNDARIES_FOLDER
    lad_path = source_dir / LAD_BOUNDARIES_FILE
    mask = land_mask_from_boundaries(lsoa_dir, lad_path if lad_path.exists() else None, np.vstack([lsoa_xy, unit_xy]))
    dist = land_distances(lsoa_xy, unit_xy, mask)
    unit_index = {tuple(xy): j for j, xy in enumerate(unit_xy.tolist())}
    cols = np.array([unit_index[tuple(xy)] for xy in pairs[["unit_x", "unit_y"]].to_numpy().tolist()])
    km = dist.km[np.arange(len(pairs)), cols]
    note = f"distance along land on a {mask.describe()}; {mask.source}"
    no_path = int(dist.no_land_path[np.arange(len(pairs)), cols].sum())
    if no_path:
        note += f" ({no_path} pairs with no land path kept their straight-line distance)"
    files = {str(LSOA_BOUNDARIES_FOLDER / f.name): file_sha256(f) for f in sorted(lsoa_dir.glob("*.json"))}
    if lad_path.exists():
        files[str(LAD_BOUNDARIES_FILE)] = file_sha256(lad_path)
    return km, note, files


def fit_straight_line_model(
    source_dir: Path, distance: str = "straight_line"
) -> tuple[StraightLineModel, pd.DataFrame]:
    """Fit drive time against straight-line distance (or distance along land) on the SAMueL modelled road times.

    Reads, under ``source_dir``, ``travel_times/lsoa_107_ivt_westkent_mse.csv`` (modelled minutes from each
    LSOA 2011 to its nearest IVT unit), the LSOA 2011 population-weighted centroids and the stroke unit locations;
    joins them on LSOA name and unit postcode; measures straight-line distances in British National Grid; fits
    every candidate form with non-negative coefficients (monotone, t(0) >= 0), compares them by 5-fold
    cross-validation and keeps the best (see :data:`SELECTION_RULE`).

    Parameters
    ----------
    source_dir : Path
        The shared open-data folder (the one holding SOURCES.md).
    distance : str
        ``"straight_line"`` (as the crow flies) or ``"land"``: along land, on a land mask made from the folder's
        clipped LSOA and district boundaries (``boundaries/``; see :mod:`hubopt.travel.land_source`).

    Returns
    -------
    model : StraightLineModel
        The chosen, fitted model with its errors, candidates and provenance. Rows that fail to join are counted
        in ``model.join`` (none do in the shipped data).
    pairs : pandas.DataFrame
        One row per calibration pair: ``lsoa`` (LSOA 2011 code), ``lsoa_name``, ``unit`` (postcode),
        ``distance_km`` (straight line), ``land_km`` (along land, for a land fit only), ``observed`` and
        ``predicted`` (minutes), ``residual`` (predicted - observed).

    Raises
    ------
    InputError
        If a file or column is missing, a value is not a number, a name is duplicated, a coordinate lies outside
        Great Britain, or too few rows join.
    """
    if distance not in DISTANCE_MEASURES:
        raise ValueError(f"distance must be one of {', '.join(DISTANCE_MEASURES)}, not {distance!r}")
    source_dir = Path(source_dir)
    pairs, join, files = _read_calibration_pairs(source_dir)
    d = pairs["distance_km"].to_numpy()
    distance_note = ""
    if distance == "land":
        d, distance_note, boundary_files = _along_land(pairs, source_dir)
        files = {**files, **boundary_files}
        pairs.insert(pairs.columns.get_loc("distance_km") + 1, "land_km", d)
    t = pairs["observed"].to_numpy()
    folds = np.random.default_rng(CV_SEED).permutation(len(d)) % CV_FOLDS

    fits: list[CandidateFit] = []
    for form in FORMS.values():
        coef = form.fit(d, t)
        cv_err = _cv_errors(form, d, t, folds)
        fits.append(
            CandidateFit(
                form=form.name,
                description=form.description,
                n_params=form.n_params,
                coefficients=coef,
                formula=fitted_formula(form.name, coef),
                cv_mae_minutes=float(np.mean(np.abs(cv_err))),
                cv_rmse_minutes=float(np.sqrt(np.mean(cv_err**2))),
                mae_minutes=float(np.mean(np.abs(form.predict(coef, d) - t))),
                monotone=is_monotone(form.name, coef),
                chosen=False,
            )
        )
    chosen = _choose(fits)
    candidates = tuple(dataclasses.replace(c, chosen=c.form == chosen.form) for c in fits)

    predicted = get_form(chosen.form).predict(chosen.coefficients, d)
    err = predicted - t
    n_lsoas = pairs["lsoa"].nunique()
    model = StraightLineModel(
        form=chosen.form,
        coefficients=chosen.coefficients,
        mae_minutes=float(np.mean(np.abs(err))),
        rmse_minutes=float(np.sqrt(np.mean(err**2))),
        share_within_5_minutes=float(np.mean(np.abs(err) <= WITHIN_MINUTES)),
        n_pairs=len(pairs),
        source=(
            "SAMueL stroke-unit modelled road drive times (Peninsula ARC; data/lsoa_107_ivt.csv of "
            "hsma-programme/hsma6_geographic_optimisation_and_visualisation_book): LSOA 2011 population-weighted "
            f"centroid to nearest IVT unit, West Kent and Mid & South Essex, {n_lsoas:,} LSOAs, "
            f"{join['ivt_units']} IVT units"
        ),
        fitted_on=dt.date.today(),
        cv_mae_minutes=chosen.cv_mae_minutes,
        distance_range_km=(round(float(d.min()), 3), round(float(d.max()), 3)),
        candidates=candidates,
        join=join,
        source_files=files,
        distance_measure=distance,
        distance_note=distance_note,
    )
    pairs = pairs.drop(columns=["x", "y", "unit_x", "unit_y"]).assign(predicted=predicted, residual=err)
    return model, pairs
