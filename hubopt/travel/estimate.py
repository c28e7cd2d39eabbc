"""Offline travel-time fallback: road drive time estimated from straight-line distance.

When no road network is available (no OpenStreetMap extract, no supplied matrix), hubopt converts the straight-line
distance between a zone and a site into minutes by car with a small model calibrated on real *modelled road drive
times*: the SAMueL stroke project's times from each LSOA 2011 population-weighted centroid to its nearest
thrombolysis (IVT) unit, for West Kent and Mid & South Essex (1,014 LSOAs, 0.2-34 km apart in a straight line).

The model form is chosen by 5-fold cross-validation among a few simple candidates, all constrained to be monotone
non-decreasing in distance with a non-negative time at zero distance (a farther point never gets a shorter time).
The fitted model, its errors, its source and the cross-validated comparison of the candidates are committed with
the package as ``straight_line_model.json`` (refit it with ``python -m hubopt.travel.fit_straight_line``). The
candidate forms are in :mod:`hubopt.travel.model_forms`; the fitting on the calibration data is in
:mod:`hubopt.travel.calibration`.

Public API
----------
StraightLineModel
    The fitted model (coefficients, errors, provenance), with ``predict_minutes``, ``to_json`` and ``from_json``.
load_default_model()
    The committed model (read once, cached).
straight_line_minutes(origins_xy, destinations_xy, model=None)
    Zone x site minutes matrix from British National Grid coordinates.
describe(model=None)
    One plain-English line describing the method, for outputs.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist

from hubopt.errors import InputError
from hubopt.files.atomic import write_text_atomic
from hubopt.travel.model_forms import SELECTION_RULE, fitted_formula, get_form, is_monotone

__all__ = [
    "DEFAULT_MODEL_PATH",
    "DISTANCE_MEASURES",
    "LAND_METHOD_NAME",
    "LAND_MODEL_PATH",
    "METHOD_NAME",
    "CandidateFit",
    "StraightLineModel",
    "describe",
    "load_default_model",
    "load_land_model",
    "straight_line_minutes",
]


#: Identifier of this travel-time method, for run manifests and output tables.
METHOD_NAME = "straight_line_calibrated"

#: Identifier of the land-distance variant (the same model forms, fitted on distance along land).
LAND_METHOD_NAME = "land_distance_calibrated"

#: The committed, fitted model.
DEFAULT_MODEL_PATH = Path(__file__).with_name("straight_line_model.json")
#: The committed model fitted on distance along land (see :mod:`hubopt.travel.land_distance`).
LAND_MODEL_PATH = Path(__file__).with_name("land_distance_model.json")

#: The distances a model can be fitted on: as the crow flies, or along land (round estuaries).
DISTANCE_MEASURES = ("straight_line", "land")
_DISTANCE_UNITS = {
    "straight_line": "t in minutes by car; d = straight-line distance in km (British National Grid)",
    "land": "t in minutes by car; d = distance along land in km (round estuaries; British National Grid)",
}


_SCHEMA = "hubopt.straight_line_model/1"


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
    distance_measure : str
        The distance ``d`` is measured as: ``"straight_line"`` (as the crow flies) or ``"land"`` (along land).
    distance_note : str
        How the distance was measured, in words (for land: the land grid and its source).
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
    distance_measure: str = "straight_line"
    distance_note: str = ""

    def __post_init__(self) -> None:
        if self.distance_measure not in DISTANCE_MEASURES:
            raise ValueError(
                f"unknown distance measure {self.distance_measure!r}; known: {', '.join(DISTANCE_MEASURES)}"
            )
        form = get_form(self.form)
        missing = [n for n in form.coefficient_names if n not in self.coefficients]
        if missing:
            raise ValueError(f"straight-line model form {self.form!r} needs coefficients {', '.join(missing)}")
        object.__setattr__(self, "coefficients", _frozen_map({k: float(v) for k, v in self.coefficients.items()}))
        object.__setattr__(self, "candidates", tuple(self.candidates))
        object.__setattr__(self, "join", _frozen_map(self.join))
        object.__setattr__(self, "source_files", _frozen_map(self.source_files))

    @property
    def formula(self) -> str:
        """The fitted equation in plain text (t in minutes, d in km: straight-line or along land)."""
        return fitted_formula(self.form, self.coefficients)

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
        return np.asarray(get_form(self.form).predict(self.coefficients, flat), dtype=np.float64).reshape(d.shape)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (``formula`` is included for readers and ignored when loading)."""
        return {
            "schema": _SCHEMA,
            "method": METHOD_NAME if self.distance_measure == "straight_line" else LAND_METHOD_NAME,
            "distance_measure": self.distance_measure,
            "distance_note": self.distance_note,
            "form": self.form,
            "formula": self.formula,
            "coefficients": dict(self.coefficients),
            "units": _DISTANCE_UNITS[self.distance_measure],
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
            distance_measure=str(data.get("distance_measure", "straight_line")),
            distance_note=str(data.get("distance_note", "")),
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
        if not is_monotone(model.form, model.coefficients):
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


@functools.cache
def load_land_model() -> StraightLineModel:
    """The model fitted on distance along land, committed with hubopt (``land_distance_model.json``)."""
    return StraightLineModel.from_json(LAND_MODEL_PATH)


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
    distance = "straight-line distance" if m.distance_measure == "straight_line" else "distance along land"
    return (
        f"{distance} converted to drive time by a model calibrated on modelled road times "
        f"(MAE {m.mae_minutes:.1f} min, {100 * m.share_within_5_minutes:.0f} % within 5 min)"
    )
