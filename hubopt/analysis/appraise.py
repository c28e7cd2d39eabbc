"""Options appraisal: score the site options an estates forum brings beside the optimiser's recommendation.

The WK plan asks that options are "scored against strategic criteria in a full options appraisal", and that existing
sites, and sites already agreed for building, are assessed before any new site. This module evaluates each option
(a set of hub sites) on the same measures: access, equity, coverage, capacity fit, cost and use of existing estate;
then scores the options against weighted criteria and ranks them beside the optimum.

Every option is evaluated the same way: each zone goes to its nearest site of the option.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from hubopt.analysis.equity import DEPRIVED_DECILES
from hubopt.errors import InputError
from hubopt.locate.solution import access_measures, name_list, nearest_open_assignment, site_label

__all__ = [
    "EXISTING_STATUSES",
    "OPTIMISED",
    "CriterionSpec",
    "OptionSpec",
    "appraise",
    "default_criteria",
    "evaluate_option",
    "measure_names",
]

#: Name of the row that holds the optimiser's recommendation.
OPTIMISED = "Optimised"

#: Site statuses that count as existing estate (or estate already agreed for building: "committed").
EXISTING_STATUSES: tuple[str, ...] = ("existing", "committed", "must-keep")

_COST_COLUMNS = ("fixed_cost", "capital_cost")


@dataclass(frozen=True)
class OptionSpec:
    """One option of the appraisal: a named set of hub sites.

    Attributes
    ----------
    name : str
        Short name shown in tables ("Option A: community hospitals").
    site_ids : sequence of str
        The hub sites (``site_id`` of the site register).
    description : str
        Plain-English description.
    """

    name: str
    site_ids: Sequence[str]
    description: str = ""


@dataclass(frozen=True)
class CriterionSpec:
    """One criterion of the appraisal.

    Attributes
    ----------
    name : str
        Name shown in tables ("Access").
    weight : float
        Relative importance, zero or more; the weights are normalised to sum to 1.
    direction : {"higher", "lower"}
        Whether a higher or a lower value of the measure is better.
    measure : str
        The measure scored (see :func:`measure_names`).
    """

    name: str
    weight: float
    direction: Literal["higher", "lower"]
    measure: str


@dataclass
class _Checked:
    criteria: list[CriterionSpec]
    weights: np.ndarray
    notes: list[str] = field(default_factory=list)


def measure_names(thresholds: Sequence[float] = (15, 30)) -> list[str]:
    """The measures that :func:`evaluate_option` returns, for criteria to name.

    Parameters
    ----------
    thresholds : sequence of float
        Minutes of the "share within T" measures.

    Returns
    -------
    list of str
    """
    return [
        "n_hubs",
        "mean_minutes",
        "p95_minutes",
        "max_minutes",
        "demand_mean_minutes",
        "unreachable_population",
        "deprived_mean_minutes",
        "rest_mean_minutes",
        "equity_gap_minutes",
        *[f"within_{float(t):g}_share" for t in thresholds],
        "max_hub_population",
        "min_hub_population",
        "hubs_in_size_range_share",
        "fixed_cost",
        "capital_cost",
        "total_cost",
        "existing_estate_share",
    ]


def evaluate_option(
    site_ids: Sequence[str],
    minutes: np.ndarray,
    site_ids_all: Sequence[str],
    population: np.ndarray,
    demand: np.ndarray,
    imd_decile: np.ndarray | Sequence[float | None],
    sites: pd.DataFrame,
    thresholds: Sequence[float] = (15, 30),
    *,
    min_population: float | None = None,
    max_population: float | None = None,
) -> dict[str, float]:
    """Measures of one option: each zone served by its nearest site of the option (or by an external site, another
    area's service at the border, open in every option and not counted among its hubs).

    Parameters
    ----------
    site_ids : sequence of str
        The option's hub sites.
    minutes : numpy.ndarray, shape (n_zones, n_sites)
        Travel times (``inf`` where unreachable); columns in the order of ``site_ids_all``.
    site_ids_all : sequence of str
        The site of every column of ``minutes``.
    population : numpy.ndarray, shape (n_zones,)
        People per zone (access measures are per person).
    demand : numpy.ndarray, shape (n_zones,)
        Age-weighted demand per zone (the optimiser's weights).
    imd_decile : array of float, shape (n_zones,)
        IMD decile per zone (1 = most deprived; NaN/None when not known).
    sites : pandas.DataFrame
        The site register (``site_id``, ``type``, ``status``, optionally ``fixed_cost`` and ``capital_cost``).
    thresholds : sequence of float
        Minutes for the ``within_<T>_share`` measures.
    min_population, max_population : float, optional
        The population range a hub should serve to be viable and safely staffed.

    Returns
    -------
    dict of str to float
        ``n_hubs``; access: ``mean_minutes``, ``p95_minutes``, ``max_minutes`` (per person),
        ``demand_mean_minutes`` (demand-weighted mean: the optimiser's objective), ``unreachable_population``;
        equity: ``deprived_mean_minutes`` (most deprived fifth, deciles 1-2), ``rest_mean_minutes`` (deciles 3-10),
        ``equity_gap_minutes`` (deprived minus rest: positive when the most deprived travel longer); coverage:
        ``within_<T>_share``; capacity fit: ``max_hub_population``, ``min_hub_population``,
        ``hubs_in_size_range_share`` (NaN without a range); cost: ``fixed_cost``, ``capital_cost``, ``total_cost``
        (sums over the option's sites; NaN when the register lacks the column or a value for one of the sites);
        ``existing_estate_share`` (share of the option's sites whose status is existing, committed or must-keep
        and whose type is not new_build).

    Raises
    ------
    InputError
        On unknown site IDs or arrays of the wrong length.
    """
    cost = np.asarray(minutes, dtype=float)
    ids = [str(s) for s in site_ids_all]
    if cost.ndim != 2 or cost.shape[1] != len(ids):
        raise InputError(f"the travel-time matrix has shape {cost.shape} for {len(ids)} sites")
    n = cost.shape[0]
    people = _vector(population, n, "population")
    weights = _vector(demand, n, "demand")
    decile = pd.to_numeric(pd.Series(list(imd_decile), dtype=object), errors="coerce").to_numpy(dtype=float)
    if decile.size != n:
        raise InputError(f"there are {decile.size} IMD deciles for {n} zones")
    index = {s: j for j, s in enumerate(ids)}
    chosen = list(dict.fromkeys(str(s) for s in site_ids))
    unknown = [s for s in chosen if s not in index]
    if unknown:
        raise InputError(f"unknown site ID(s): {name_list(unknown)}", column="site_id")
    if not chosen:
        raise InputError("an option needs at least one site")
    cols = [index[s] for s in chosen]
    # Other areas' services at the border (status external) are open in every option, serving their nearest zones,
    # but are not among its hubs: hub counts, sizes, costs and estate shares are the option's own sites only.
    status = sites.set_index(sites["site_id"].astype(str))["status"].astype(str) if "status" in sites else None
    border = [] if status is None else [index[s] for s in status.index[status.eq("external")] if s in index]
    assignment, assigned = nearest_open_assignment(cost, sorted({*cols, *border}))
    out: dict[str, float] = {"n_hubs": float(len(cols))}
    access = access_measures(assigned, people, thresholds)
    out["mean_minutes"] = access["mean_minutes"]
    out["p95_minutes"] = access["p95_minutes"]
    out["max_minutes"] = access["max_minutes"]
    finite = np.isfinite(assigned)
    out["demand_mean_minutes"] = (
        float(np.average(assigned[finite], weights=weights[finite])) if weights[finite].sum() > 0 else math.nan
    )
    out["unreachable_population"] = access["unreachable_population"]
    deprived = np.isin(decile, DEPRIVED_DECILES)
    rest = ~np.isnan(decile) & ~deprived
    out["deprived_mean_minutes"] = access_measures(assigned[deprived], people[deprived])["mean_minutes"]
    out["rest_mean_minutes"] = access_measures(assigned[rest], people[rest])["mean_minutes"]
    out["equity_gap_minutes"] = out["deprived_mean_minutes"] - out["rest_mean_minutes"]
    for t in thresholds:
        out[f"within_{float(t):g}_share"] = access[f"within_{float(t):g}_share"]
    served = np.array([people[assignment == j].sum() for j in cols])
    out["max_hub_population"] = float(served.max())
    out["min_hub_population"] = float(served.min())
    if min_population is None and max_population is None:
        out["hubs_in_size_range_share"] = math.nan
    else:
        lo = -math.inf if min_population is None else float(min_population)
        hi = math.inf if max_population is None else float(max_population)
        out["hubs_in_size_range_share"] = float(((served >= lo) & (served <= hi)).mean())
    register = _register(sites)
    rows = register.loc[chosen]
    for column in _COST_COLUMNS:
        if column in rows.columns:
            values = pd.to_numeric(rows[column], errors="coerce")
            out[column] = float(values.sum()) if values.notna().all() else math.nan
        else:
            out[column] = math.nan
    out["total_cost"] = (
        math.nan if any(math.isnan(out[c]) for c in _COST_COLUMNS) else out["fixed_cost"] + out["capital_cost"]
    )
    existing = rows["status"].astype(str).str.lower().isin(EXISTING_STATUSES) & (
        rows["type"].astype(str).str.lower() != "new_build"
    )
    out["existing_estate_share"] = float(existing.mean())
    return out


def appraise(
    options: Sequence[OptionSpec],
    optimum_site_ids: Sequence[str],
    criteria: Sequence[CriterionSpec],
    *,
    minutes: np.ndarray,
    site_ids_all: Sequence[str],
    population: np.ndarray,
    demand: np.ndarray,
    imd_decile: np.ndarray | Sequence[float | None],
    sites: pd.DataFrame,
    thresholds: Sequence[float] = (15, 30),
    min_population: float | None = None,
    max_population: float | None = None,
    optimum_description: str = "The optimiser's recommendation",
) -> pd.DataFrame:
    """Rank the options, and the optimiser's recommendation, on weighted criteria.

    Parameters
    ----------
    options : sequence of OptionSpec
        The options to appraise (names unique, and not ``"Optimised"``).
    optimum_site_ids : sequence of str
        The optimiser's hub sites; evaluated as the option ``"Optimised"``.
    criteria : sequence of CriterionSpec
        The criteria (see :func:`default_criteria`). Weights are normalised to sum to 1.
    minutes, site_ids_all, population, demand, imd_decile, sites, thresholds, min_population, max_population
        As for :func:`evaluate_option`.
    optimum_description : str
        Description of the ``"Optimised"`` row.

    Returns
    -------
    pandas.DataFrame
        One row per option, best first: ``rank``, ``option``, ``description``, ``sites`` (IDs, comma separated),
        ``site_names`` (each site's name with its ID second, "Sevenoaks Community Hospital (RYYD9)"; semicolons),
        the measures of :func:`evaluate_option`, ``gap_to_optimum_pct`` (how much longer the demand-weighted mean
        travel time is than the optimised hubs', in %; the optimiser's objective for a p-median run; for a coverage
        or p-center run the optimised hubs are not the travel-time optimum, so an option may come out negative),
        ``score_<criterion>`` (the criterion's weighted score: the measure normalised to 0-1 across the options in
        the criterion's direction, times its normalised weight) and ``score`` (their sum, 0-1). ``attrs["notes"]``
        lists what the reader must know (weights normalised, costs not available, measures missing for an option);
        ``attrs["criteria"]`` the criteria with their normalised weights.

    Raises
    ------
    InputError
        On duplicate option names, options naming unknown sites, negative or all-zero weights, an unknown measure
        or direction, or a criterion whose measure no option has (such as costs the register does not give).

    Notes
    -----
    A measure equal for every option scores 1 for all of them (it does not separate them). An option without a
    value for a measure (say, a cost missing for one of its sites) scores 0 on that criterion, and the notes say
    so. Ties keep the order of the options, the optimum first.
    """
    allowed = measure_names(thresholds)
    checked = _check_criteria(criteria, allowed)
    ids = [str(s) for s in site_ids_all]
    _check_options(options, ids)
    register = _register(sites)
    all_options = [OptionSpec(OPTIMISED, [str(s) for s in optimum_site_ids], optimum_description), *options]
    known = set(ids)
    unknown_opt = [s for s in all_options[0].site_ids if s not in known]
    if unknown_opt:
        raise InputError(f"the optimum names unknown site ID(s): {name_list(unknown_opt)}", column="site_id")

    table = _measure_options(
        all_options,
        minutes=minutes,
        site_ids_all=ids,
        population=population,
        demand=demand,
        imd_decile=imd_decile,
        register=register,
        thresholds=thresholds,
        min_population=min_population,
        max_population=max_population,
    )
    notes = list(checked.notes)
    notes += _cost_notes(register, table)
    notes += _unavailable_notes(register, options)

    optimum = table["demand_mean_minutes"].iloc[0]
    table["gap_to_optimum_pct"] = (
        (table["demand_mean_minutes"] - optimum) / optimum * 100.0 if optimum > 0 else math.nan
    )
    notes += _score(table, checked)
    table = table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table.attrs["notes"] = notes
    table.attrs["criteria"] = [
        {"name": c.name, "measure": c.measure, "direction": c.direction, "weight": float(w)}
        for c, w in zip(checked.criteria, checked.weights, strict=True)
    ]
    return table


def _measure_options(
    options: Sequence[OptionSpec],
    *,
    minutes: np.ndarray,
    site_ids_all: list[str],
    population: np.ndarray,
    demand: np.ndarray,
    imd_decile: np.ndarray | Sequence[float | None],
    register: pd.DataFrame,
    thresholds: Sequence[float],
    min_population: float | None,
    max_population: float | None,
) -> pd.DataFrame:
    """One row per option, in order: its name, description, sites, site names and :func:`evaluate_option`'s
    measures."""
    names = register["name"].astype(str).to_dict() if "name" in register.columns else {}
    rows = []
    for option in options:
        measures = evaluate_option(
            option.site_ids,
            minutes,
            site_ids_all,
            population,
            demand,
            imd_decile,
            register.reset_index(),
            thresholds,
            min_population=min_population,
            max_population=max_population,
        )
        rows.append(
            {
                "option": option.name,
                "description": option.description,
                "sites": ", ".join(dict.fromkeys(str(s) for s in option.site_ids)),
                "site_names": "; ".join(
                    site_label(names.get(s, s), s) for s in dict.fromkeys(str(s) for s in option.site_ids)
                ),
                **measures,
            }
        )
    return pd.DataFrame(rows)


def _unavailable_notes(register: pd.DataFrame, options: Sequence[OptionSpec]) -> list[str]:
    """A note for each option that uses sites the register marks unavailable."""
    unavailable = set(register.index[register["status"].astype(str).str.lower() == "unavailable"])
    notes = []
    for option in options:
        used = [s for s in dict.fromkeys(map(str, option.site_ids)) if s in unavailable]
        if used:
            notes.append(f"Option '{option.name}' uses site(s) marked unavailable: {name_list(used)}.")
    return notes


def _score(table: pd.DataFrame, checked: _Checked) -> list[str]:
    """Add each criterion's weighted score (``score_<criterion>``) and their sum (``score``) to ``table``.

    Returns the notes for measures some options lack (they score 0 on that criterion).
    """
    notes = []
    score = np.zeros(len(table))
    for criterion, weight in zip(checked.criteria, checked.weights, strict=True):
        values = table[criterion.measure].to_numpy(dtype=float)
        known = ~np.isnan(values)
        if not known.any():
            raise InputError(
                f"criterion '{criterion.name}' scores the measure '{criterion.measure}', which no option has",
                hint=_missing_hint(criterion.measure),
            )
        if not known.all():
            lacking = table.loc[~known, "option"].tolist()
            notes.append(
                f"'{criterion.measure}' is not known for {name_list(lacking)}: scored 0 on '{criterion.name}'."
            )
        lo, hi = np.nanmin(values), np.nanmax(values)
        if hi - lo <= 1e-12 * max(abs(hi), 1.0):
            unit = np.where(known, 1.0, 0.0)
        elif criterion.direction == "higher":
            unit = np.where(known, (values - lo) / (hi - lo), 0.0)
        else:
            unit = np.where(known, (hi - values) / (hi - lo), 0.0)
        table[f"score_{criterion.name}"] = unit * weight
        score += unit * weight
    table["score"] = score
    return notes


def default_criteria(thresholds: Sequence[float] = (15, 30)) -> list[CriterionSpec]:
    """A starting set of criteria: access 40 %, equity 20 %, coverage 20 %, existing estate 20 %.

    These weights are a starting point for a forum's discussion, not a recommendation.
    """
    first = float(thresholds[0]) if len(thresholds) else 15.0
    return [
        CriterionSpec("Access (mean minutes)", 0.4, "lower", "mean_minutes"),
        CriterionSpec("Equity (most deprived fifth, mean minutes)", 0.2, "lower", "deprived_mean_minutes"),
        CriterionSpec(f"Coverage (within {first:g} min)", 0.2, "higher", f"within_{first:g}_share"),
        CriterionSpec("Use of existing estate", 0.2, "higher", "existing_estate_share"),
    ]


# --------------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------------


def _vector(values: Any, n: int, name: str) -> np.ndarray:
    out = np.asarray(values, dtype=float)
    if out.shape != (n,):
        raise InputError(f"there are {out.size} {name} values for {n} zones")
    if not np.isfinite(out).all() or (out < 0).any():
        raise InputError(f"{name} must be a number, zero or more, for every zone")
    return out


def _register(sites: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("site_id", "type", "status") if c not in sites.columns]
    if missing:
        raise InputError(f"the site register lacks the column(s) {', '.join(missing)}", column=missing[0])
    frame = pd.DataFrame(sites).copy()
    if "geometry" in frame.columns:
        frame = frame.drop(columns="geometry")
    frame["site_id"] = frame["site_id"].astype(str)
    return frame.drop_duplicates("site_id").set_index("site_id", drop=False).rename_axis(None)


def _check_options(options: Sequence[OptionSpec], ids: Sequence[str]) -> None:
    if isinstance(options, OptionSpec | str) or not isinstance(options, Sequence):
        raise InputError("options must be a list of OptionSpec")
    names = [str(o.name).strip() for o in options]
    if any(not n for n in names):
        raise InputError("every option needs a name")
    counts = pd.Series([n.casefold() for n in names]).value_counts()
    dupes = [n for n in dict.fromkeys(names) if counts[n.casefold()] > 1]
    if dupes:
        raise InputError(f"duplicate option name(s): {name_list(dupes)}", hint="give every option its own name")
    if OPTIMISED.casefold() in counts.index:
        raise InputError(
            f"the option name '{OPTIMISED}' is kept for the optimiser's recommendation",
            hint="give the option another name",
        )
    known = set(ids)
    problems = []
    for option in options:
        if isinstance(option.site_ids, str):
            raise InputError(
                f"option '{option.name}': site_ids must be a list of site IDs, not one text",
                hint=f"write e.g. site_ids=[{option.site_ids!r}]",
            )
        listed = [str(s) for s in option.site_ids]
        if not listed:
            problems.append(f"option '{option.name}' names no sites")
            continue
        unknown = [s for s in dict.fromkeys(listed) if s not in known]
        if unknown:
            problems.append(f"option '{option.name}' names unknown site(s): {name_list(unknown)}")
    if problems:
        raise InputError(
            "; ".join(problems),
            column="site_id",
            hint="use IDs from the site register (the site_id column of sites.csv) among the candidate sites",
        )


def _check_criteria(criteria: Sequence[CriterionSpec], allowed: list[str]) -> _Checked:
    if isinstance(criteria, CriterionSpec) or not isinstance(criteria, Sequence) or not criteria:
        raise InputError("the appraisal needs at least one criterion (a list of CriterionSpec)")
    names = [str(c.name) for c in criteria]
    dupes = [n for n in dict.fromkeys(names) if names.count(n) > 1]
    if dupes:
        raise InputError(f"duplicate criterion name(s): {name_list(dupes)}")
    unknown = [c.measure for c in criteria if c.measure not in allowed]
    if unknown:
        raise InputError(
            f"unknown measure(s): {name_list(list(dict.fromkeys(unknown)))}",
            hint=f"use one of: {', '.join(allowed)}",
        )
    bad_direction = [c.name for c in criteria if c.direction not in ("higher", "lower")]
    if bad_direction:
        raise InputError(
            f"criterion direction must be 'higher' or 'lower' (criteria: {name_list(bad_direction)})",
            hint="'higher' when a higher value is better, 'lower' when a lower one is",
        )
    weights = []
    for c in criteria:
        try:
            weights.append(float(c.weight))
        except (TypeError, ValueError):
            raise InputError(f"criterion '{c.name}': the weight must be a number, not {c.weight!r}") from None
    w = np.asarray(weights)
    bad = [c.name for c, x in zip(criteria, w, strict=True) if not math.isfinite(x) or x < 0]
    if bad:
        raise InputError(
            f"criterion weights must be zero or more; negative or not a number: {name_list(bad)}",
            hint="give each criterion a weight of 0 or more; they are normalised to sum to 1",
        )
    if w.sum() <= 0:
        raise InputError("the criterion weights sum to zero", hint="give at least one criterion a positive weight")
    notes = []
    normalised = w / w.sum()
    if not math.isclose(w.sum(), 1.0, rel_tol=1e-9):
        listed = ", ".join(f"{c.name} {x:.0%}" for c, x in zip(criteria, normalised, strict=True))
        notes.append(f"Criterion weights were normalised to sum to 1 (given sum {w.sum():g}): {listed}.")
    return _Checked(criteria=list(criteria), weights=normalised, notes=notes)


def _cost_notes(register: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    notes = []
    for column in _COST_COLUMNS:
        if column not in register.columns or register[column].isna().all():
            notes.append(f"Cost '{column}' is not given in the site register: shown as not available.")
        elif table[column].isna().any():
            names = table.loc[table[column].isna(), "option"].tolist()
            notes.append(
                f"Cost '{column}' is missing for some sites of {name_list(names)}: not available for those options."
            )
    return notes


def _missing_hint(measure: str) -> str:
    if measure in (*_COST_COLUMNS, "total_cost"):
        return "add fixed_cost and capital_cost columns to the site register, or drop this criterion"
    if measure == "hubs_in_size_range_share":
        return "give min_population and/or max_population, or drop this criterion"
    if measure in ("deprived_mean_minutes", "rest_mean_minutes", "equity_gap_minutes"):
        return "the zones need IMD deciles on both sides (1-2 and 3-10)"
    return "drop this criterion"
