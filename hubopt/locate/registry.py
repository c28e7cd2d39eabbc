"""The location models hubopt knows: one :class:`LocationModel` entry per model, read by everything that names one.

Scenario validation (``model.type`` and the settings each model needs), the pipeline's model step, the
how-many-hubs sweep (:mod:`hubopt.locate.sweep`) and the explanation (:mod:`hubopt.locate.explain`) look a model up
here instead of keeping their own lists, so a new model is **one module plus one entry**:

1. Write the solver, ``solve_x(cost, weights, n_hubs, *, must_open, unavailable, exclude_solutions, site_ids,
   solver, time_limit, mip_gap, ...) -> LocationResult`` (set ``LocationResult.model`` to the entry's name).
2. Add an entry to :data:`MODELS` (or call :func:`register`) with:

   * ``name`` and ``aliases`` (what ``model.type`` and the sweep accept);
   * what it needs: ``hubs`` ("required", "optional" or "forbidden"), ``needs_max_minutes``,
     ``capacity_settings`` (accepts the capacitated settings), ``multi_year`` (accepts ``model.years``),
     ``needs_clusters`` (takes each zone's cluster: the pipeline passes it as the ``clusters`` setting);
   * ``solve``: a function of one :class:`ModelRequest` (the uniform call every reader uses);
   * ``measure``: what explanation tables measure it in ("travel", "travel and cost", "covered", "cover all",
     "radius"; see :func:`hubopt.locate.measure.model_measure`);
   * how it is explained: ``swaps`` ("nearest": every zone to its nearest open site, valued as the p-median;
     "closed form": valued in its measure by :func:`hubopt.locate.explain.evaluate_swaps`, which must know the
     measure; "re-solve": each swap re-solved with the other sites held), ``next_best`` (a solve that honours
     ``exclude_solutions``; None: no next-best list), ``ranked`` (optional: the K best distinct solutions at once,
     faster than solving again with a cut per solution found; the p-median's ranking of
     :mod:`hubopt.locate.median_ranked`), ``result_settings`` (parameters of a result re-used when it is
     re-solved) and ``next_best_columns`` (result parameters shown per next-best row);
   * how it is swept: ``sweepable`` (a fixed number of hubs makes sense) and ``sweep_fixed_cost`` (the sweep
     passes the sites' fixed costs on to the model);
   * for the pipeline: ``scenario_settings`` (model-specific keyword arguments from the scenario's ``model:``
     settings and the site register), ``weights`` (which demand it weighs travel by) and ``describe`` (one line
     for the run summary).

Nothing else changes: ``tests/locate/test_registry.py`` registers a toy model in a copy of :data:`MODELS` and shows
scenario validation, the model step, the sweep and the explanation all take it up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from hubopt.errors import InputError, ModelError
from hubopt.locate.capacitated import solve_facility_location
from hubopt.locate.center import solve_p_center
from hubopt.locate.clusters import solve_cluster_hubs
from hubopt.locate.coverage import solve_lscp, solve_mclp
from hubopt.locate.median import solve_p_median
from hubopt.locate.median_ranked import Ranked, rank_p_median
from hubopt.locate.multiyear import solve_multiyear
from hubopt.locate.options import (
    DEFAULT_OPTIONS,
    NO_RULES,
    CapacitySettings,
    SiteRules,
    SolverOptions,
    StepCallback,
)
from hubopt.locate.solution import LocationResult


@dataclass(frozen=True)
class ModelRequest:
    """One solve of a location model, in the one shape every entry's ``solve`` takes.

    Attributes
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes); ``inf`` where unreachable.
    weights : numpy.ndarray, shape (n_zones,)
        Demand of each zone.
    n_hubs : int or None
        Number of hubs (None: the model's own choice, for models whose ``hubs`` is not "required").
    rules : SiteRules
        Must-open and unavailable sites.
    options : SolverOptions
        Solver, time limit, gap.
    max_minutes : float or None
        The travel-time standard T (models with ``needs_max_minutes``).
    zone_ids, site_ids : sequence of str, optional
        Names for messages and results.
    settings : mapping
        Model-specific keyword arguments (capacitated: capacity, costs, budget...; p-center: method, tie_break).
    exclude_solutions : sequence of sequence of int
        Sets of open sites no answer may repeat (next-best solutions).
    diagnose : bool
        Explain an infeasible model (the capacitated model's diagnosis).
    model : str
        The model's name, for messages.
    """

    cost: np.ndarray
    weights: np.ndarray
    n_hubs: int | None
    rules: SiteRules = field(default_factory=SiteRules)
    options: SolverOptions = field(default_factory=SolverOptions)
    max_minutes: float | None = None
    zone_ids: Sequence[str] | None = None
    site_ids: Sequence[str] | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    exclude_solutions: Sequence[Sequence[int]] = ()
    diagnose: bool = True
    model: str = "this"

    def keywords(self) -> dict[str, Any]:
        """Site rules (external sites among the must-open ones), solver options and identifiers as the solver
        functions' keyword arguments."""
        return {
            "rules": self.rules.for_solver(), "options": self.options, "zone_ids": self.zone_ids,
            "site_ids": self.site_ids,
        }  # fmt: skip

    def hubs(self) -> int:
        """The number of open sites the solver is asked for: the area's hubs plus any external sites."""
        if self.n_hubs is None:
            raise InputError(f"the {self.model} model needs a number of hubs", parameter="n_hubs")
        self.check_own_hubs()
        return int(self.n_hubs) + len(self.rules.external)

    def check_own_hubs(self) -> None:
        """With external sites, check the area's own number of hubs against its own sites (the solver sees the
        external sites added to both, so its messages would count them)."""
        ext, n = self.rules.external, self.n_hubs
        if not ext or n is None:
            return
        n_sites = self.cost.shape[1] - len(ext)
        usable = n_sites - len(set(self.rules.unavailable))
        if n < 1:
            raise ModelError(f"the number of hubs must be at least 1 (it is {n})")
        if n > usable:
            raise ModelError(
                f"{n} hubs were asked for but only {usable} sites are available ({n_sites} in the register besides "
                f"{len(ext)} external, {n_sites - usable} unavailable); "
                "lower the number of hubs or add candidate sites"
            )
        if len(self.rules.must_open) > n:
            raise ModelError(
                f"{len(self.rules.must_open)} sites must stay open but only {n} hubs were asked for; "
                "raise the number of hubs or relax the must-open rule"
            )

    def marked(self, result: LocationResult) -> LocationResult:
        """``result`` with its external sites named (:attr:`LocationResult.external`) and its parameters in the
        area's terms (``n_hubs`` without the external sites, which are listed apart, not as must-open)."""
        ext = np.asarray(self.rules.external, dtype=int)
        result.external = ext
        if ext.size:
            p = result.parameters
            names = [str(self.site_ids[j]) if self.site_ids is not None else str(j) for j in ext]
            if p.get("n_hubs") is not None:
                p["n_hubs"] = int(p["n_hubs"]) - int(np.isin(ext, result.open_sites).sum())
            if isinstance(p.get("must_open"), list):
                p["must_open"] = [s for s in p["must_open"] if str(s) not in names]
            p["external"] = names
        return result

    def minutes(self) -> float:
        """The travel-time standard, for a model that needs one."""
        if self.max_minutes is None:
            raise InputError(
                f"the {self.model} model needs the travel-time standard (max_minutes)", parameter="max_minutes"
            )
        return float(self.max_minutes)


SolveFn = Callable[[ModelRequest], LocationResult]
YearsFn = Callable[[ModelRequest, np.ndarray, Sequence[int], str], LocationResult]
#: ``f(request, n_solutions, start, deadline, on_step)``: the best ``n_solutions`` distinct solutions, best first
#: (``start``: a good set of sites to begin from; ``deadline``: a :func:`hubopt.locate._clock.now` value).
RankFn = Callable[[ModelRequest, int, Sequence[int] | None, float | None, StepCallback | None], Ranked]


def _no_settings(settings: Any, sites: pd.DataFrame) -> dict[str, Any]:
    return {}


def _demand_weights(settings: Any, demand: np.ndarray, population: np.ndarray) -> tuple[np.ndarray, list[str]]:
    return demand, []


@dataclass(frozen=True)
class LocationModel:
    """One location model: its names, what it needs, how it is solved, measured, explained and swept.

    See the module notes for each attribute's meaning.
    """

    name: str
    summary: str
    solve: SolveFn
    measure: str
    aliases: tuple[str, ...] = ()
    hubs: str = "required"
    needs_max_minutes: bool = False
    capacity_settings: bool = False
    needs_clusters: bool = False
    multi_year: YearsFn | None = None
    swaps: str = "closed form"
    next_best: SolveFn | None = None
    ranked: RankFn | None = None
    result_settings: tuple[str, ...] = ()
    next_best_columns: tuple[str, ...] = ()
    sweepable: bool = True
    sweep_fixed_cost: bool = False
    scenario_settings: Callable[[Any, pd.DataFrame], dict[str, Any]] = _no_settings
    weights: Callable[[Any, np.ndarray, np.ndarray], tuple[np.ndarray, list[str]]] = _demand_weights
    describe: Callable[[Any, int | None], str] | None = None

    def sweep_solver(self) -> Callable[..., LocationResult]:
        """``f(cost, weights, n_hubs, rules=..., options=..., **keywords)`` for the sweep (keywords: the model's)."""

        def solve_for(cost: np.ndarray, weights: np.ndarray, n_hubs: int, **kw: Any) -> LocationResult:
            rules = kw.pop("rules", NO_RULES)
            options = kw.pop("options", DEFAULT_OPTIONS)
            ids = {k: kw.pop(k) for k in ("zone_ids", "site_ids") if k in kw}
            return self.solve(
                ModelRequest(
                    cost, weights, n_hubs, rules, options, max_minutes=kw.pop("max_minutes", None),
                    exclude_solutions=kw.pop("exclude_solutions", ()), diagnose=kw.pop("diagnose", True),
                    settings=kw, **ids,
                )
            )  # fmt: skip

        return solve_for


# --- the built-in models' adapters -------------------------------------------------------------------------------


def _p_median(r: ModelRequest) -> LocationResult:
    return r.marked(
        solve_p_median(r.cost, r.weights, r.hubs(), max_minutes=r.max_minutes, **r.settings, **r.keywords())
    )


def _p_median_next_best(r: ModelRequest) -> LocationResult:
    # No capacities and split assignment: the capacitated model is then exactly the p-median, with no-good cuts.
    return _capacitated(replace(r, settings={"settings": CapacitySettings(single_assignment=False)}))


def _p_median_ranked(
    r: ModelRequest,
    n_solutions: int,
    start: Sequence[int] | None,
    deadline: float | None,
    on_step: StepCallback | None,
) -> Ranked:
    o = r.options
    ranked = rank_p_median(
        r.cost, r.weights, r.hubs(), n_solutions, rules=r.rules.for_solver(), max_minutes=r.max_minutes,
        site_ids=r.site_ids, zone_ids=r.zone_ids, start=start, solver=o.solver, time_limit=o.time_limit,
        mip_gap=o.mip_gap, deadline=deadline, on_step=on_step,
    )  # fmt: skip
    ranked.results = [r.marked(result) for result in ranked.results]
    return ranked


def _p_median_years(r: ModelRequest, by_year: np.ndarray, years: Sequence[int], objective: str) -> LocationResult:
    return r.marked(
        solve_multiyear(r.cost, by_year, r.hubs(), objective=objective, years=list(years), **r.keywords())
    )


def _describe_p_median(settings: Any, hubs: int | None) -> str:
    if getattr(settings, "years", None):
        what = "best total over" if settings.multi_year_objective == "sum" else "least worst regret across"
        return f"p-median over several years: one set of {hubs} hubs, {what} {settings.years}"
    return f"p-median: {hubs} hubs minimising age-weighted travel time"


def _mclp(r: ModelRequest) -> LocationResult:
    return r.marked(
        solve_mclp(r.cost, r.weights, r.hubs(), r.minutes(), exclude_solutions=r.exclude_solutions, **r.keywords())
    )


def _lscp(r: ModelRequest) -> LocationResult:
    return r.marked(solve_lscp(r.cost, r.minutes(), exclude_solutions=r.exclude_solutions, **r.keywords()))


def _p_center(r: ModelRequest) -> LocationResult:
    return r.marked(
        solve_p_center(
            r.cost, r.weights, r.hubs(), exclude_solutions=r.exclude_solutions, **r.settings, **r.keywords()
        )
    )


def _external_limits(limits: CapacitySettings, external: Sequence[int], n_sites: int) -> CapacitySettings:
    """The capacitated settings with external sites free of the area's limits and costs: no capacity (the maximum
    demand per hub becomes a capacity of each of the area's sites), no running or capital cost, not a new build.
    The minimum per hub is lifted from them by :func:`_capacitated` (an allowance zone each)."""
    ext = np.asarray(external, dtype=int)
    for name in ("capacity", "fixed_cost", "capital_cost", "is_new_build"):
        values = getattr(limits, name)
        if values is not None and len(values) != n_sites:
            return limits  # the solver reports the wrong length, naming the argument
    bounds_clash = limits.min_demand is not None and limits.max_demand is not None
    if bounds_clash and limits.min_demand > limits.max_demand:  # type: ignore[operator]
        return limits  # the solver refuses the bounds, naming them

    def freed(values: Any, fill: Any, dtype: Any) -> np.ndarray | None:
        if values is None:
            return None
        out = np.array(values, dtype=dtype)
        out[ext] = fill
        return out

    capacity = limits.capacity
    if limits.max_demand is not None:
        given = np.full(n_sites, np.nan) if capacity is None else np.array(capacity, dtype=float)
        capacity = np.fmin(given, float(limits.max_demand))
    return replace(
        limits,
        max_demand=None,
        capacity=freed(capacity, np.nan, float),
        fixed_cost=freed(limits.fixed_cost, 0.0, float),
        capital_cost=freed(limits.capital_cost, 0.0, float),
        is_new_build=freed(limits.is_new_build, False, bool),
    )


def _capacitated(r: ModelRequest) -> LocationResult:
    r.check_own_hubs()
    ext = list(r.rules.external)
    limits = r.settings.get("settings")
    if not ext or not isinstance(limits, CapacitySettings):
        return r.marked(_facility_location(r))
    n_zones, m = r.cost.shape
    freed = _external_limits(limits, ext, m)
    lower = float(limits.min_demand or 0.0) if freed is not limits else 0.0
    cost, weights, zone_ids = r.cost, r.weights, r.zone_ids
    if lower > 0:
        # Each external site gets an allowance zone of exactly the minimum per hub, reachable from it alone at no
        # travel: the minimum always holds there, the area's own hubs still need it from real zones, and the
        # solver's checks of total demand against N minimums stay exact (the allowances add one minimum per
        # external site on both sides).
        extra = np.full((len(ext), m), np.inf)
        extra[np.arange(len(ext)), ext] = 0.0
        cost = np.vstack([np.asarray(r.cost, dtype=float), extra])
        weights = np.r_[np.asarray(r.weights, dtype=float), np.full(len(ext), lower)]
        if zone_ids is not None:
            names = [str(r.site_ids[j]) if r.site_ids is not None else str(j) for j in ext]
            zone_ids = [*zone_ids, *(f"the minimum allowance of external site {s}" for s in names)]
    result = _facility_location(
        replace(r, cost=cost, weights=weights, zone_ids=zone_ids, settings={**r.settings, "settings": freed})
    )
    if lower > 0:
        result.assignment = result.assignment[:n_zones]
        result.assigned_cost = result.assigned_cost[:n_zones]
        load = result.parameters.get("load")
        if isinstance(load, dict) and r.site_ids is not None:
            for j in ext:
                key = str(r.site_ids[j])
                if key in load:
                    load[key] -= lower
    return r.marked(result)


def _facility_location(r: ModelRequest) -> LocationResult:
    return solve_facility_location(
        r.cost, r.weights, n_hubs=r.rules.total_hubs(r.n_hubs), exclude_solutions=r.exclude_solutions,
        diagnose=r.diagnose, **r.settings, **r.keywords(),
    )  # fmt: skip


def _clusters(r: ModelRequest) -> LocationResult:
    if len(r.rules.external):
        # A border service takes the zones nearest to it, zone by zone; the cluster rule sends each cluster whole to
        # one of the area's hubs. The two cannot both hold, so the combination is refused, not half-applied.
        raise InputError(
            f"the clusters model cannot take border services ({len(r.rules.external)} site(s) of status external): "
            "it sends each cluster whole to one of the area's own hubs",
            setting="model.type",
            hint="leave the external sites out of this run (their register, or their status), or choose another "
            "model type (p-median, capacitated ...), which lets border zones go to a neighbour's service",
        )
    settings = dict(r.settings)
    clusters = settings.pop("clusters", None)
    if clusters is None:
        raise InputError(
            "the clusters model needs the cluster (e.g. Primary Care Network) of every zone",
            parameter="clusters",
            hint="use a study whose zones carry their cluster, or another model type",
        )
    return r.marked(
        solve_cluster_hubs(
            r.cost, r.weights, clusters, r.hubs(), exclude_solutions=r.exclude_solutions, **settings, **r.keywords()
        )
    )


def _cluster_settings(settings: Any, sites: pd.DataFrame) -> dict[str, Any]:
    for key in ("budget", "max_new_build"):
        if getattr(settings, key, None) is not None:
            raise InputError(
                f"the clusters model does not take '{key}'",
                setting=f"model.{key}",
                hint="remove it, or set model.type: capacitated for budgets and new-build limits",
            )
    return {
        "min_demand": settings.min_population,
        "max_demand": settings.max_population,
        "min_clusters": settings.min_clusters,
    }


def _describe_clusters(settings: Any, hubs: int | None) -> str:
    return _describe_capacitated(settings, hubs).replace("capacitated:", "clusters:", 1) + (
        f"; a hub serves whole clusters, at least {settings.min_clusters} each"
    )


def _register_numbers(sites: pd.DataFrame, column: str) -> np.ndarray | None:
    if column not in sites:
        return None
    values = pd.to_numeric(sites[column], errors="coerce").to_numpy(dtype=float)
    return None if np.isnan(values).all() else values


def _capacitated_settings(settings: Any, sites: pd.DataFrame) -> dict[str, Any]:
    is_new = (sites["type"].eq("new_build") | sites["status"].eq("candidate")).to_numpy()
    limits = CapacitySettings(
        min_demand=settings.min_population,
        max_demand=settings.max_population,
        capacity=_register_numbers(sites, "capacity"),
        single_assignment=settings.single_assignment,
        fixed_cost=_register_numbers(sites, "fixed_cost"),
        capital_cost=_register_numbers(sites, "capital_cost"),
        budget=settings.budget,
        cost_weight=settings.cost_weight,
        is_new_build=is_new,
        max_new_build=settings.max_new_build,
    )
    return {"settings": limits}


def _population_weights(model: str) -> Callable[[Any, np.ndarray, np.ndarray], tuple[np.ndarray, list[str]]]:
    """The weights of a model with size bounds: population when the bounds are in people (the note names it)."""

    def weights(settings: Any, demand: np.ndarray, population: np.ndarray) -> tuple[np.ndarray, list[str]]:
        if settings.capacity_measure == "population":
            return population, [f"capacity bounds are in people, so the {model} model weighs travel by population"]
        return demand, []

    return weights


def _describe_capacitated(settings: Any, hubs: int | None) -> str:
    bounds = []
    if settings.min_population is not None:
        bounds.append(f"at least {settings.min_population:,.0f}")
    if settings.max_population is not None:
        bounds.append(f"at most {settings.max_population:,.0f}")
    unit = "people" if settings.capacity_measure == "population" else "demand"
    return f"capacitated: {hubs or 'the best number of'} hubs" + (
        f", each serving {' and '.join(bounds)} {unit}" if bounds else ""
    )


#: The registry: model name -> entry, in the order scenario messages list them.
MODELS: dict[str, LocationModel] = {
    m.name: m
    for m in (
        LocationModel(
            "p-median", "N hubs minimising demand-weighted travel time", _p_median, "travel",
            aliases=("median", "pmedian"), multi_year=_p_median_years, swaps="nearest",
            next_best=_p_median_next_best, ranked=_p_median_ranked, describe=_describe_p_median,
        ),
        LocationModel(
            "mclp", "N hubs bringing the most demand within T minutes", _mclp, "covered",
            aliases=("coverage", "max-cover"), needs_max_minutes=True, next_best=_mclp,
            next_best_columns=("covered_share",),
            describe=lambda s, hubs: (
                f"maximal coverage: {hubs} hubs bringing the most demand within {s.max_minutes:g} min"
            ),
        ),
        LocationModel(
            "lscp", "the fewest hubs with everyone within T minutes", _lscp, "cover all",
            hubs="forbidden", needs_max_minutes=True, next_best=_lscp, sweepable=False,
            describe=lambda s, hubs: f"set covering: the fewest hubs with everyone within {s.max_minutes:g} min",
        ),
        LocationModel(
            "p-center", "N hubs minimising the longest journey", _p_center, "radius",
            aliases=("center", "pcenter", "p-centre", "centre"), next_best=_p_center,
            result_settings=("method", "tie_break"), next_best_columns=("weighted_minutes",),
            describe=lambda s, hubs: f"p-center: {hubs} hubs minimising the longest journey",
        ),
        LocationModel(
            "capacitated", "hubs within size, capacity and budget rules", _capacitated, "travel and cost",
            aliases=("facility-location",), hubs="optional", capacity_settings=True, swaps="re-solve",
            next_best=_capacitated, sweep_fixed_cost=True, scenario_settings=_capacitated_settings,
            weights=_population_weights("capacitated"), describe=_describe_capacitated,
        ),
        LocationModel(
            "clusters", "hubs serving whole clusters (more than one each) within size bounds", _clusters, "travel",
            aliases=("cluster", "whole-clusters"), capacity_settings=True, needs_clusters=True, swaps="re-solve",
            next_best=_clusters,
            scenario_settings=_cluster_settings, weights=_population_weights("clusters"),
            describe=_describe_clusters,
        ),
    )
}  # fmt: skip


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def names() -> list[str]:
    """The registered models' names."""
    return list(MODELS)


def find(name: str) -> LocationModel | None:
    """The entry named (or aliased) ``name``, or None."""
    key = _key(name)
    for model in MODELS.values():
        if key == model.name or key in model.aliases:
            return model
    return None


def lookup(name: str, *, setting: str = "model.type") -> LocationModel:
    """The entry named (or aliased) ``name``.

    Raises
    ------
    InputError
        Naming ``setting`` and the known models, when there is no such model.
    """
    model = find(name)
    if model is None:
        raise InputError(f"unknown model {name!r}", setting=setting, hint=f"use one of: {', '.join(MODELS)}")
    return model


def register(model: LocationModel) -> None:
    """Add (or replace) a model in the registry."""
    MODELS[model.name] = model
