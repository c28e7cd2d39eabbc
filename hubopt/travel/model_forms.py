"""The candidate forms of the straight-line travel-time model, and the rule that chooses among them.

Each form turns straight-line distance (km) into minutes, and fits its coefficients to calibration pairs. All are
constrained to be monotone non-decreasing in distance with a non-negative time at zero distance
(:func:`is_monotone`). :mod:`hubopt.travel.calibration` fits them all and keeps one by :data:`SELECTION_RULE`;
:class:`~hubopt.travel.estimate.StraightLineModel` predicts with the chosen one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import curve_fit, lsq_linear

__all__ = ["FORMS", "SELECTION_RULE", "Form", "fitted_formula", "get_form", "is_monotone"]


#: Number of cross-validation folds and the seed of the (fixed) fold assignment.
CV_FOLDS = 5
CV_SEED = 20240122
#: A candidate with fewer parameters is preferred when its CV MAE is within this many minutes of the best.
SIMPLICITY_TOLERANCE_MINUTES = 0.05


SELECTION_RULE = (
    f"lowest {CV_FOLDS}-fold cross-validated MAE among monotone candidates, unless a candidate with fewer "
    f"parameters is within {SIMPLICITY_TOLERANCE_MINUTES:g} min of it"
)


_MONOTONE_GRID_KM = np.linspace(0.0, 300.0, 30_001)


@dataclass(frozen=True)
class Form:
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
) -> Form:
    def predict(c: Mapping[str, float], d: np.ndarray) -> np.ndarray:
        return basis(d) @ np.array([c[n] for n in names])

    def fit(d: np.ndarray, t: np.ndarray) -> dict[str, float]:
        return dict(zip(names, (float(v) for v in _nonnegative_least_squares(basis(d), t)), strict=True))

    return Form(name, description, names, predict, fit)


def _piecewise_form(knot_km: float) -> Form:
    name = f"piecewise_linear_{knot_km:g}km"
    names = ("intercept_min", "slope_below_min_per_km", "slope_above_min_per_km")

    def basis(d: np.ndarray, k: float = knot_km) -> np.ndarray:
        return np.column_stack([np.ones_like(d), np.minimum(d, k), np.maximum(d - k, 0.0)])

    def predict(c: Mapping[str, float], d: np.ndarray) -> np.ndarray:
        return basis(d, c["knot_km"]) @ np.array([c[n] for n in names])

    def fit(d: np.ndarray, t: np.ndarray) -> dict[str, float]:
        coef = dict(zip(names, (float(v) for v in _nonnegative_least_squares(basis(d), t)), strict=True))
        return {**coef, "knot_km": float(knot_km)}

    return Form(
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


FORMS: dict[str, Form] = {
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
        Form(
            "power",
            "t = a + b·d^p: slower per km on short trips, smoothly (non-linear fit)",
            ("intercept_min", "scale_min", "exponent"),
            _power_predict,
            _power_fit,
        ),
    )
}


def get_form(name: str) -> Form:
    try:
        return FORMS[name]
    except KeyError:
        raise ValueError(f"unknown straight-line model form {name!r}; known: {', '.join(FORMS)}") from None


def fitted_formula(form: str, c: Mapping[str, float]) -> str:
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


def is_monotone(form: str, coefficients: Mapping[str, float]) -> bool:
    """Whether predictions are non-decreasing on 0-300 km and t(0) >= 0 (checked on a 10 m grid)."""
    t = get_form(form).predict(coefficients, _MONOTONE_GRID_KM)
    return bool(np.all(np.isfinite(t)) and t[0] >= 0.0 and np.all(np.diff(t) >= -1e-12))
