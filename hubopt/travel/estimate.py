"""Offline travel-time fallback: road drive time estimated from straight-line distance.

When no road network is available (no OpenStreetMap extract, no supplied matrix), hubopt converts the straight-line
distance between a zone and a site into minutes by car with a small model calibrated on real *modelled road drive
times*: the SAMueL stroke project's times from each LSOA 2011 population-weighted centroid to its nearest
thrombolysis (IVT) unit, for West Kent and Mid & South Essex (1,014 LSOAs, 0.2-34 km apart in a straight line).

The model form is chosen by 5-fold cross-validation among a few simple candidates, all constrained to be monotone
non-decreasing in distance with a non-negative time at zero distance (a farther point never gets a shorter time).
The fitted model, its errors, its source and the cross-validated comparison of the candidates are committed with
the package as ``straight_line_model.json`` (refit it with ``python -m hubopt.travel.fit_straight_line``).

Public API
----------
StraightLineModel
    The fitted model (coefficients, errors, provenance), with ``predict_minutes``, ``to_json`` and ``from_json``.
fit_straight_line_model(source_dir)
    Fit the model on the calibration data; returns the model and the per-pair table.
load_default_model()
    The committed model (read once, cached).
straight_line_minutes(origins_xy, destinations_xy, model=None)
    Zone x site minutes matrix from British National Grid coordinates.
describe(model=None)
    One plain-English line describing the method, for outputs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.optimize import curve_fit, lsq_linear
from scipy.spatial.distance import cdist

from hubopt.atomic_file import write_text_atomic
from hubopt.errors import InputError
from hubopt.io._columns import check_unique, require_columns
from hubopt.io._coords import CRS_BNG, CRS_LONLAT, check_coordinates_in_gb
from hubopt.io._csv import read_csv_table
from hubopt.io._files import file_sha256
from hubopt.io._numbers import numeric_column

__all__ = [
    "DEFAULT_MODEL_PATH",
    "METHOD_NAME",
    "CandidateFit",
    "StraightLineModel",
    "describe",
    "fit_straight_line_model",
    "load_default_model",
    "straight_line_minutes",
]

#: Identifier of this travel-time method, for run manifests and output tables.
METHOD_NAME = "straight_line_calibrated"

#: The committed, fitted model.
DEFAULT_MODEL_PATH = Path(__file__).with_name("straight_line_model.json")

#: Calibration files, relative to the shared data folder (see its SOURCES.md, sections 2, 5 and 8).
TRAVEL_TIMES_FILE = Path("travel_times/lsoa_107_ivt_westkent_mse.csv")
CENTROIDS_FILE = Path(
    "population/Lower_Layer_Super_Output_Areas_December_2011_Population_Weighted_Centroids_westkent_mse.csv"
)
STROKE_UNITS_FILE = Path("hospitals/hosp_107_stroke_units_england.csv")

#: Number of cross-validation folds and the seed of the (fixed) fold assignment.
CV_FOLDS = 5
CV_SEED = 20240122
#: A candidate with fewer parameters is preferred when its CV MAE is within this many minutes of the best.
SIMPLICITY_TOLERANCE_MINUTES = 0.05
#: Threshold of the "share within" error measure.
WITHIN_MINUTES = 5.0
#: Fewest joined pairs a fit accepts.
MIN_PAIRS = 30

SELECTION_RULE = (
    f"lowest {CV_FOLDS}-fold cross-validated MAE among monotone candidates, unless a candidate with fewer "
    f"parameters is within {SIMPLICITY_TOLERANCE_MINUTES:g} min of it"
)

_SCHEMA = "hubopt.straight_line_model/1"
_MONOTONE_GRID_KM = np.linspace(0.0, 300.0, 30_001)


# --------------------------------------------------------------------------------------------------------------
# Candidate model forms
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Form:
    """A candidate model form: its coefficient names, how to predict and how to fit it."""

    name: str
    description: str
    coefficient_names: tuple[str, ...]
    predict: Callable[[Mapping[str, float], np.ndarray], np.ndarray]
    fit: Callable[[np.ndarray, np.ndarray], dict[str, float]]
    fixed: Mapping[str, float] = field(default_factory=dict)

    @property
    def n_params(self) -> int:
        """Number of fitted coefficients (fixed ones such as a knot position do not count)."""
        return len(self.coefficient_names) - len(self.fixed)


def _nonnegative_least_squares(basis: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """Least squares with every coefficient >= 0 (which makes each of our forms monotone with t(0) >= 0)."""
    return lsq_linear(basis, minutes, bounds=(0.0, np.inf), method="bvls").x


def _linear_form(
    name: str, description: str, names: tuple[str, ...], basis: Callable[[np.ndarray], np.ndarray]
) -> _Form:
    def predict(c: Mapping[str, float], d: np.ndarray) -> np.ndarray:
        return basis(d) @ np.array([c[n] for n in names])

    def fit(d: np.ndarray, t: np.ndarray) -> dict[str, float]:
        return dict(zip(names, (float(v) for v in _nonnegative_least_squares(basis(d), t)), strict=True))

    return _Form(name, description, names, predict, fit)


def _piecewise_form(knot_km: float) -> _Form:
    name = f"piecewise_linear_{knot_km:g}km"
    names = ("intercept_min", "slope_below_min_per_km", "slope_above_min_per_km")

    def basis(d: np.ndarray, k: float = knot_km) -> np.ndarray:
        return np.column_stack([np.ones_like(d), np.minimum(d, k), np.maximum(d - k, 0.0)])

    def predict(c: Mapping[str, float], d: np.ndarray) -> np.ndarray:
        return basis(d, c["knot_km"]) @ np.array([c[n] for n in names])

    def fit(d: np.ndarray, t: np.ndarray) -> dict[str, float]:
        coef = dict(zip(names, (float(v) for v in _nonnegative_least_squares(basis(d), t)), strict=True))
        return {**coef, "knot_km": float(knot_km)}

    return _Form(
        name,
        f"t = a + b1·min(d, {knot_km:g}) + b2·max(d − {knot_km:g}, 0): one speed up to {knot_km:g} km, "
        "another beyond (continuous)",
        (*names, "knot_km"),
        predict,
        fit,
        fixed={"knot_km": float(knot_km)},
    )


def _power_predict(c: Mapping[str, float], d: np.ndarray) -> np.ndarray:
    return c["intercept_min"] + c["scale_min"] * np.power(d, c["exponent"])


def _power_fit(d: np.ndarray, t: np.ndarray) -> dict[str, float]:
    def f(x: np.ndarray, a: float, b: float, p: float) -> np.ndarray:
        return a + b * np.power(x, p)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params, _ = curve_fit(f, d, t, p0=[2.0, 2.0, 0.8], bounds=([0.0, 0.0, 0.05], [np.inf, np.inf, 3.0]))
    return dict(zip(("intercept_min", "scale_min", "exponent"), (float(v) for v in params), strict=True))


_FORMS: dict[str, _Form] = {
    f.name: f
    for f in (
        _linear_form(
            "proportional",
            "t = d · detour / speed: straight-line distance times a detour factor over a speed, no access time",
            ("min_per_km",),
            lambda d: d[:, None],
        ),
        _linear_form(
            "linear",
            "t = a + b·d: access time plus detour × distance / speed (detour and speed are not separable)",
            ("intercept_min", "slope_min_per_km"),
            lambda d: np.column_stack([np.ones_like(d), d]),
        ),
        _linear_form(
            "linear_sqrt",
            "t = a + b·d + c·√d: slower per km on short trips, smoothly",
            ("intercept_min", "slope_min_per_km", "sqrt_min_per_sqrt_km"),
            lambda d: np.column_stack([np.ones_like(d), d, np.sqrt(d)]),
        ),
        _piecewise_form(3.0),
        _piecewise_form(5.0),
        _piecewise_form(8.0),
        _Form(
            "power",
            "t = a + b·d^p: slower per km on short trips, smoothly (non-linear fit)",
            ("intercept_min", "scale_min", "exponent"),
            _power_predict,
            _power_fit,
        ),
    )
}


def _form(name: str) -> _Form:
    try:
        return _FORMS[name]
    except KeyError:
        raise ValueError(f"unknown straight-line model form {name!r}; known: {', '.join(_FORMS)}") from None


def _formula(form: str, c: Mapping[str, float]) -> str:
    """The fitted equation in plain text (t in minutes, d in straight-line km)."""
    if form == "proportional":
        return f"t = {c['min_per_km']:.4f}·d"
    if form == "linear":
        return f"t = {c['intercept_min']:.4f} + {c['slope_min_per_km']:.4f}·d"
    if form == "linear_sqrt":
        return f"t = {c['intercept_min']:.4f} + {c['slope_min_per_km']:.4f}·d + {c['sqrt_min_per_sqrt_km']:.4f}·√d"
    if form.startswith("piecewise_linear"):
        k = c["knot_km"]
        return (
            f"t = {c['intercept_min']:.4f} + {c['slope_below_min_per_km']:.4f}·min(d, {k:g})"
            f" + {c['slope_above_min_per_km']:.4f}·max(d − {k:g}, 0)"
        )
    if form == "power":
        return f"t = {c['intercept_min']:.4f} + {c['scale_min']:.4f}·d^{c['exponent']:.4f}"
    raise ValueError(f"unknown straight-line model form {form!r}")


def _is_monotone(form: str, coefficients: Mapping[str, float]) -> bool:
    """Whether predictions are non-decreasing on 0-300 km and t(0) >= 0 (checked on a 10 m grid)."""
    t = _form(form).predict(coefficients, _MONOTONE_GRID_KM)
    return bool(np.all(np.isfinite(t)) and t[0] >= 0.0 and np.all(np.diff(t) >= -1e-12))


# --------------------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------------------


def _frozen_map(values: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class CandidateFit:
    """One candidate model form and how well it did.

    Attributes
    ----------
    form : str
        Name of the form (e.g. ``"linear"``, ``"piecewise_linear_5km"``).
    description : str
        The form in words.
    n_params : int
        Number of fitted coefficients.
    coefficients : Mapping[str, float]
        Coefficients fitted on all pairs.
    formula : str
        The fitted equation.
    cv_mae_minutes, cv_rmse_minutes : float
        Mean absolute and root-mean-square error on held-out pairs (k-fold cross-validation).
    mae_minutes : float
        Mean absolute error of the fit on all pairs.
    monotone : bool
        Whether the fitted curve is non-decreasing in distance with t(0) >= 0.
    chosen : bool
        Whether this is the form that was chosen.
    """

    form: str
    description: str
    n_params: int
    coefficients: Mapping[str, float]
    formula: str
    cv_mae_minutes: float
    cv_rmse_minutes: float
    mae_minutes: float
    monotone: bool
    chosen: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "coefficients", _frozen_map(self.coefficients))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "form": self.form,
            "description": self.description,
            "n_params": self.n_params,
            "coefficients": dict(self.coefficients),
            "formula": self.formula,
            "cv_mae_minutes": self.cv_mae_minutes,
            "cv_rmse_minutes": self.cv_rmse_minutes,
            "mae_minutes": self.mae_minutes,
            "monotone": self.monotone,
            "chosen": self.chosen,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CandidateFit:
        """Inverse of :meth:`to_dict`."""
        return cls(
            form=str(data["form"]),
            description=str(data["description"]),
            n_params=int(data["n_params"]),
            coefficients={str(k): float(v) for k, v in data["coefficients"].items()},
            formula=str(data["formula"]),
            cv_mae_minutes=float(data["cv_mae_minutes"]),
            cv_rmse_minutes=float(data["cv_rmse_minutes"]),
            mae_minutes=float(data["mae_minutes"]),
            monotone=bool(data["monotone"]),
            chosen=bool(data["chosen"]),
        )


@dataclass(frozen=True)
class StraightLineModel:
    """Drive time in minutes as a function of straight-line distance, with the fit's provenance and error.

    Attributes
    ----------
    form : str
        Name of the model form (see ``candidates`` for the alternatives that were tried).
    coefficients : Mapping[str, float]
        The coefficients, by name (read-only). Times are in minutes, distances in km.
    mae_minutes, rmse_minutes : float
        Mean absolute and root-mean-square error of the fit on the calibration pairs.
    share_within_5_minutes : float
        Share (0-1) of calibration pairs whose predicted time is within 5 minutes of the modelled road time.
    n_pairs : int
        Number of calibration pairs (origin-destination) the model was fitted on.
    source : str
        The calibration data, in words.
    fitted_on : datetime.date
        Date of the fit.
    cv_mae_minutes : float
        Cross-validated (held-out) MAE of the chosen form.
    distance_range_km : tuple of float
        Shortest and longest straight-line distance among the calibration pairs; beyond the longest, predictions
        extrapolate the long-distance speed.
    candidates : tuple of CandidateFit
        Every form that was tried, with its cross-validated error; explains the choice.
    selection_rule : str
        How the form was chosen.
    join : Mapping[str, int]
        Counts from joining the calibration files (rows read, rows that failed to join, pairs kept).
    source_files : Mapping[str, str]
        SHA-256 of each calibration file, by path relative to the data folder.
    """

    form: str
    coefficients: Mapping[str, float]
    mae_minutes: float
    rmse_minutes: float
    share_within_5_minutes: float
    n_pairs: int
    source: str
    fitted_on: dt.date
    cv_mae_minutes: float = math.nan
    distance_range_km: tuple[float, float] = (math.nan, math.nan)
    candidates: tuple[CandidateFit, ...] = ()
    selection_rule: str = SELECTION_RULE
    join: Mapping[str, int] = field(default_factory=dict)
    source_files: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        form = _form(self.form)
        missing = [n for n in form.coefficient_names if n not in self.coefficients]
        if missing:
            raise ValueError(f"straight-line model form {self.form!r} needs coefficients {', '.join(missing)}")
        object.__setattr__(self, "coefficients", _frozen_map({k: float(v) for k, v in self.coefficients.items()}))
        object.__setattr__(self, "candidates", tuple(self.candidates))
        object.__setattr__(self, "join", _frozen_map(self.join))
        object.__setattr__(self, "source_files", _frozen_map(self.source_files))

    @property
    def formula(self) -> str:
        """The fitted equation in plain text (t in minutes, d in straight-line km)."""
        return _formula(self.form, self.coefficients)

    def predict_minutes(self, distance_km: np.ndarray) -> np.ndarray:
        """Drive time in minutes for straight-line distances in km.

        Parameters
        ----------
        distance_km : numpy.ndarray
            Distances in km, any shape, all >= 0 (NaN gives NaN).

        Returns
        -------
        numpy.ndarray
            Minutes, float64, same shape as ``distance_km``; non-decreasing in distance, >= 0.
        """
        d = np.asarray(distance_km, dtype=np.float64)
        if np.any(d < 0.0):
            raise ValueError("straight-line distances must be >= 0 km")
        flat = d.reshape(-1)
        return np.asarray(_form(self.form).predict(self.coefficients, flat), dtype=np.float64).reshape(d.shape)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (``formula`` is included for readers and ignored when loading)."""
        return {
            "schema": _SCHEMA,
            "method": METHOD_NAME,
            "form": self.form,
            "formula": self.formula,
            "coefficients": dict(self.coefficients),
            "units": "t in minutes by car; d = straight-line distance in km (British National Grid)",
            "mae_minutes": self.mae_minutes,
            "rmse_minutes": self.rmse_minutes,
            "share_within_5_minutes": self.share_within_5_minutes,
            "cv_mae_minutes": self.cv_mae_minutes,
            "n_pairs": self.n_pairs,
            "distance_range_km": list(self.distance_range_km),
            "source": self.source,
            "source_files": dict(self.source_files),
            "join": dict(self.join),
            "fitted_on": self.fitted_on.isoformat(),
            "selection_rule": self.selection_rule,
            "candidates": [c.to_dict() for c in self.candidates],
        }

    def to_json(self, path: str | Path) -> Path:
        """Write the model to a JSON file, whole or not at all (it may be the package's model); return the path."""
        return write_text_atomic(Path(path), json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StraightLineModel:
        """Inverse of :meth:`to_dict`; raises ``KeyError``/``ValueError``/``TypeError`` on a malformed mapping."""
        lo, hi = data.get("distance_range_km", (math.nan, math.nan))
        return cls(
            form=str(data["form"]),
            coefficients={str(k): float(v) for k, v in data["coefficients"].items()},
            mae_minutes=float(data["mae_minutes"]),
            rmse_minutes=float(data["rmse_minutes"]),
            share_within_5_minutes=float(data["share_within_5_minutes"]),
            n_pairs=int(data["n_pairs"]),
            source=str(data["source"]),
            fitted_on=dt.date.fromisoformat(str(data["fitted_on"])),
            cv_mae_minutes=float(data.get("cv_mae_minutes", math.nan)),
            distance_range_km=(float(lo), float(hi)),
            candidates=tuple(CandidateFit.from_dict(c) for c in data.get("candidates", ())),
            selection_rule=str(data.get("selection_rule", SELECTION_RULE)),
            join={str(k): int(v) for k, v in data.get("join", {}).items()},
            source_files={str(k): str(v) for k, v in data.get("source_files", {}).items()},
        )

    @classmethod
    def from_json(cls, path: str | Path) -> StraightLineModel:
        """Read a model written by :meth:`to_json`.

        Raises
        ------
        InputError
            If the file is missing, is not JSON, or is not a straight-line model (or is not monotone).
        """
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(
                "the straight-line travel-time model file does not exist",
                path=p,
                hint="refit it with `python -m hubopt.travel.fit_straight_line --source DATA_FOLDER`",
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                f"the straight-line travel-time model file cannot be read as JSON: {exc}", path=p
            ) from None
        if not isinstance(data, dict) or data.get("schema") != _SCHEMA:
            raise InputError(
                f'this is not a straight-line travel-time model file (expected "schema": "{_SCHEMA}")', path=p
            )
        try:
            model = cls.from_dict(data)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise InputError(
                f"the straight-line travel-time model file is incomplete or malformed ({type(exc).__name__}: {exc})",
                path=p,
                hint="refit it with `python -m hubopt.travel.fit_straight_line --source DATA_FOLDER`",
            ) from None
        if not _is_monotone(model.form, model.coefficients):
            raise InputError(
                "the straight-line travel-time model is not monotone (a farther point would get a shorter time, "
                "or the time at zero distance is negative)",
                path=p,
                column="coefficients",
                hint="refit the model rather than editing its coefficients",
            )
        return model


@functools.cache
def load_default_model() -> StraightLineModel:
    """The model committed with hubopt (``straight_line_model.json``), read once and cached."""
    return StraightLineModel.from_json(DEFAULT_MODEL_PATH)


def straight_line_minutes(
    origins_xy: np.ndarray, destinations_xy: np.ndarray, model: StraightLineModel | None = None
) -> np.ndarray:
    """Estimated drive time between every origin and every destination, from straight-line distance.

    Parameters
    ----------
    origins_xy : numpy.ndarray
        Shape (n, 2): eastings and northings in metres (British National Grid, EPSG:27700).
    destinations_xy : numpy.ndarray
        Shape (m, 2): eastings and northings in metres (EPSG:27700).
    model : StraightLineModel, optional
        The model; by default the committed one (:func:`load_default_model`).

    Returns
    -------
    numpy.ndarray
        Shape (n, m), float64: minutes from origin i to destination j.
    """
    a = _as_xy(origins_xy, "origins_xy")
    b = _as_xy(destinations_xy, "destinations_xy")
    model = load_default_model() if model is None else model
    if a.shape[0] == 0 or b.shape[0] == 0:
        return np.zeros((a.shape[0], b.shape[0]), dtype=np.float64)
    distance_km = cdist(a, b) / 1000.0
    return model.predict_minutes(distance_km)


def _as_xy(xy: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(xy, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape (k, 2) of eastings and northings; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} holds a missing or non-finite coordinate")
    return arr


def describe(model: StraightLineModel | None = None) -> str:
    """One line, in plain English, describing the method and its measured error, for maps, tables and reports."""
    m = load_default_model() if model is None else model
    return (
        "straight-line distance converted to drive time by a model calibrated on modelled road times "
        f"(MAE {m.mae_minutes:.1f} min, {100 * m.share_within_5_minutes:.0f} % within 5 min)"
    )


# --------------------------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------------------------


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
        }
    )
    # A fixed order (by LSOA code) so that folds, and hence the choice, do not depend on the file's row order.
    out = out.sort_values(["lsoa", "unit"], kind="stable").reset_index(drop=True)
    return out, join, files


def _cv_errors(form: _Form, d: np.ndarray, t: np.ndarray, folds: np.ndarray) -> np.ndarray:
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


def fit_straight_line_model(source_dir: Path) -> tuple[StraightLineModel, pd.DataFrame]:
    """Fit drive time against straight-line distance on the SAMueL modelled road times.

    Reads, under ``source_dir``, ``travel_times/lsoa_107_ivt_westkent_mse.csv`` (modelled minutes from each
    LSOA 2011 to its nearest IVT unit), the LSOA 2011 population-weighted centroids and the stroke unit locations;
    joins them on LSOA name and unit postcode; measures straight-line distances in British National Grid; fits
    every candidate form with non-negative coefficients (monotone, t(0) >= 0), compares them by 5-fold
    cross-validation and keeps the best (see :data:`SELECTION_RULE`).

    Parameters
    ----------
    source_dir : Path
        The shared open-data folder (the one holding SOURCES.md).

    Returns
    -------
    model : StraightLineModel
        The chosen, fitted model with its errors, candidates and provenance. Rows that fail to join are counted
        in ``model.join`` (none do in the shipped data).
    pairs : pandas.DataFrame
        One row per calibration pair: ``lsoa`` (LSOA 2011 code), ``lsoa_name``, ``unit`` (postcode),
        ``distance_km``, ``observed`` and ``predicted`` (minutes), ``residual`` (predicted - observed).

    Raises
    ------
    InputError
        If a file or column is missing, a value is not a number, a name is duplicated, a coordinate lies outside
        Great Britain, or too few rows join.
    """
    source_dir = Path(source_dir)
    pairs, join, files = _read_calibration_pairs(source_dir)
    d = pairs["distance_km"].to_numpy()
    t = pairs["observed"].to_numpy()
    folds = np.random.default_rng(CV_SEED).permutation(len(d)) % CV_FOLDS

    fits: list[CandidateFit] = []
    for form in _FORMS.values():
        coef = form.fit(d, t)
        cv_err = _cv_errors(form, d, t, folds)
        fits.append(
            CandidateFit(
                form=form.name,
                description=form.description,
                n_params=form.n_params,
                coefficients=coef,
                formula=_formula(form.name, coef),
                cv_mae_minutes=float(np.mean(np.abs(cv_err))),
                cv_rmse_minutes=float(np.sqrt(np.mean(cv_err**2))),
                mae_minutes=float(np.mean(np.abs(form.predict(coef, d) - t))),
                monotone=_is_monotone(form.name, coef),
                chosen=False,
            )
        )
    chosen = _choose(fits)
    candidates = tuple(dataclasses.replace(c, chosen=c.form == chosen.form) for c in fits)

    predicted = _form(chosen.form).predict(chosen.coefficients, d)
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
    )
    pairs = pairs.assign(predicted=predicted, residual=err)
    return model, pairs
