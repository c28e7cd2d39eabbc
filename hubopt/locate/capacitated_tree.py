"""The capacitated model proven optimal by a Lagrangian tree search over the open sites (no MIP over all zones).

The plain MIP of :mod:`hubopt.locate.capacitated` leaves the choice of sites and the assignment to one solver, whose
LP bound is weak in the sites (West Kent, 5 hubs of 82,500-130,000 people: 1.7 % below the optimum) and which then
branches on zones as well as sites: not proven optimal in two minutes. Here the two are taken apart:

1. **Bound**: the Lagrangian relaxation of the assignment rows (:mod:`hubopt.locate.capacitated_bound`), one
   continuous knapsack per site, equal at its best to the strong LP bound, raised by subgradient steps.
2. **Tree over the sites**, as for the p-median (:mod:`hubopt.locate.lagrangian_tree`): a node opens the sites
   ``chosen`` (besides the must-open ones) and its others from ``candidates``; its bound is the best of its
   ancestors' multipliers and its own subgradient steps; the penalty test drops candidates; it branches on the
   candidate the relaxation most wants. Every set of sites that could beat the incumbent is reached as a leaf.
3. **Leaves** (one set of open sites): the transportation LP (:func:`~hubopt.locate.capacitated_assign.transport_lp`)
   is split assignment's exact value and single assignment's lower bound. Under single assignment a leaf gets a
   heuristic assignment (the incumbent for the search) and, when that does not meet its LP value, is solved
   exactly by a small MIP over the pairs its reduced costs leave, with the best solution's cost as the cutoff
   (:func:`~hubopt.locate.capacitated_assign.single_exact`): after the tree when the tree is small, at once
   (within a few HiGHS nodes) once it has grown past :data:`EAGER_AFTER` nodes, so the optimum is found early and
   prunes the rest of the tree.
4. **Identical and dominated sites**: the child that leaves a site out leaves out the sites it dominates (no nearer
   to any zone, no larger, no cheaper under every rule; :func:`dominance`), such as other services at the same
   address: each group of equivalent sets of sites is searched once.
5. **Closing**: the sets still waiting, cheapest LP first, are solved exactly until the next LP value reaches the
   best solution's cost (:meth:`_Leaves.close`); a set the deadline stops gives its bound.

Every solution is in some leaf or has one at least as good that is (a dominated site swapped for its dominating
one), and a set is discarded only when a bound shows it cannot beat the best solution: the answer is the optimum
of the plain MIP (within ``mip_gap``). Stopped by its deadline, the search returns the
best solution with the smallest bound of what is left (nodes, waiting sets), a valid lower bound on the optimum.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from hubopt.locate import _clock
from hubopt.locate.capacitated_assign import LpAssignment, single_exact, single_heuristic, transport_lp
from hubopt.locate.capacitated_bound import ROOT_ITERATIONS, Knapsacks, ascend, site_values
from hubopt.locate.capacitated_checks import CapacitySpec
from hubopt.locate.lagrangian import proves
from hubopt.locate.lagrangian_tree import NODE_ITERATIONS, settle_node
from hubopt.locate.options import SolverOptions
from hubopt.locate.solve import SolveReport, checked_report

#: Above this many free sites, :func:`dominance` finds identical sites only (every pair would take long).
DOMINANCE_SITES = 400

#: Tree nodes after which the hub sets that need an exact assignment are solved at once (:meth:`_Leaves.start_eager`).
EAGER_AFTER = 300

#: Branch-and-bound nodes HiGHS may take on a hub set's exact assignment during the tree search; a set it does not
#: settle within them waits, with its bound, until the tree is done (a better cutoff then makes it quick).
EAGER_NODES = 20


@dataclass
class TreeSolution:
    """What the search achieved.

    Attributes
    ----------
    status : str
        "optimal" (within ``mip_gap``), "feasible" (stopped by the deadline: see ``bound``), "infeasible" (the search
        finished without any solution) or "no solution" (stopped by the deadline before finding one).
    value, bound : float
        The best solution's cost (travel plus weighted fixed costs) and a lower bound on the optimum.
    open_sites : numpy.ndarray of int
        The best solution's open sites (ascending).
    share : numpy.ndarray, shape (n_zones, len(open_sites))
        Each zone's share of demand per open site (0 or 1 under single assignment).
    nodes, leaves, exact_solves : int
        Nodes explored, sets of sites evaluated, MIPs solved for single assignment.
    root_bound : float
        The Lagrangian bound at the root.
    """

    status: str
    value: float
    bound: float
    open_sites: np.ndarray
    share: np.ndarray
    nodes: int = 0
    leaves: int = 0
    exact_solves: int = 0
    root_bound: float = -math.inf
    seconds: float = 0.0


@dataclass
class _Waiting:
    lp_value: float  # transportation LP plus fixed costs: a lower bound for the set
    sites: np.ndarray
    lp: LpAssignment
    start: np.ndarray | None


@dataclass
class _Leaves:
    """Evaluates sets of open sites and keeps the best solution and the sets still to solve exactly."""

    k: Knapsacks
    single: bool
    allowed: Callable[[np.ndarray], bool]
    mip_gap: float
    best: float = math.inf
    best_sites: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    best_share: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    waiting: list[_Waiting] = field(default_factory=list)
    deadline: float | None = None
    eager: bool = False  # solve the sets that need it exactly at once (see :meth:`start_eager`)
    count: int = 0
    exact_solves: int = 0

    @property
    def target(self) -> float:
        """A bound at or above this proves nothing is better than the best solution (within the gap)."""
        return proves(self.best, self.mip_gap) if math.isfinite(self.best) else math.inf

    def _take(self, value: float, sites: np.ndarray, share: np.ndarray) -> None:
        if value < self.best:
            self.best, self.best_sites, self.best_share = value, sites, share

    def evaluate(self, sites: np.ndarray) -> None:
        """Value the set ``sites``: exactly (split assignment), or by LP bound and heuristic (single)."""
        sites = np.sort(sites)
        if not self.allowed(sites):
            return
        self.count += 1
        k = self.k
        cost = k.cost[:, sites]
        lp = transport_lp(cost, k.w, k.lower, k.upper[sites], k.min_items)
        if lp is None:
            return
        opening = float(k.site_cost[sites].sum())
        bound = lp.value + opening
        if bound >= self.target:
            return
        if not self.single:
            self._take(bound, sites, lp.share)
            return
        found = single_heuristic(cost, k.w, k.lower, k.upper[sites], lp.share, k.min_items)
        start = None
        if found is not None:
            value, start = found
            share = np.zeros(cost.shape)
            share[np.arange(cost.shape[0]), start] = 1.0
            self._take(value + opening, sites, share)
            if bound >= proves(value + opening, self.mip_gap):
                return  # the heuristic met the LP bound (within the gap): this set is settled
        item = _Waiting(bound, sites, lp, start)
        if self.eager:
            self._solve_now(item)
        else:
            self.waiting.append(item)

    def start_eager(self) -> None:
        """From now on, solve each set that needs it exactly at once (and the sets waiting, cheapest LP first).

        HiGHS, given the best cost as its cutoff and a few nodes, settles most sets in hundredths of a second, and a
        better solution found during the tree prunes more of it. A small tree (West Kent) is done before this pays.
        """
        self.eager = True
        waiting, self.waiting = sorted(self.waiting, key=lambda x: x.lp_value), []
        for item in waiting:
            if item.lp_value < self.target:  # else it cannot beat the best solution: settled
                self._solve_now(item)

    def _solve_now(self, item: _Waiting) -> None:
        left = self._solve(item, self.deadline, EAGER_NODES)
        if math.isfinite(left):  # stopped by HiGHS's node limit or the deadline: waits, with its bound
            self.waiting.append(replace(item, lp_value=max(item.lp_value, left)))

    def _solve(self, item: _Waiting, deadline: float | None, max_nodes: int | None = None) -> float:
        """Solve one set exactly (within ``max_nodes`` of HiGHS's branch and bound); return its bound when stopped
        before a verdict (``inf`` when settled)."""
        remaining = None if deadline is None else deadline - _clock.now()
        if remaining is not None and remaining <= 0:
            return item.lp_value
        k, sites = self.k, item.sites
        opening = float(k.site_cost[sites].sum())
        self.exact_solves += 1
        out = single_exact(
            k.cost[:, sites], k.w, k.lower, k.upper[sites], item.lp, self.best - opening, start=item.start,
            time_limit=remaining, mip_gap=self.mip_gap, min_items=k.min_items, max_nodes=max_nodes,
        )  # fmt: skip
        if out.choice is not None:
            share = np.zeros((k.w.size, sites.size))
            share[np.arange(k.w.size), out.choice] = 1.0
            self._take(out.value + opening, sites, share)
            item.start = out.choice
        return out.bound + opening if out.status in ("feasible", "unknown") else math.inf

    def close(self, deadline: float | None) -> float:
        """Solve the waiting sets exactly, cheapest LP first; return the smallest bound of those left unsolved."""
        left = math.inf
        for item in sorted(self.waiting, key=lambda x: x.lp_value):
            if item.lp_value >= self.target:
                break
            left = min(left, self._solve(item, deadline))
        self.waiting = []
        return left


@dataclass
class _Node:
    chosen: np.ndarray
    candidates: np.ndarray
    bound: float
    u: np.ndarray
    bank: list[tuple[float, np.ndarray]]


def _most_wanted(rho: np.ndarray, candidates: np.ndarray, opened: np.ndarray, dominated: np.ndarray) -> int:
    """The candidate of smallest ``rho``, preferring those no opened site dominates (a copy of an open site has its
    ``rho`` but is seldom worth opening as well)."""
    fresh = ~dominated[opened][:, candidates].any(axis=0) if opened.size else np.ones(candidates.size, dtype=bool)
    pool = candidates[fresh] if fresh.any() else candidates
    return int(pool[int(np.argmin(rho[pool]))])


def _first_sites(
    rho: np.ndarray, n_hubs: int, must: np.ndarray, free: np.ndarray, dominated: np.ndarray
) -> np.ndarray | None:
    """A first set to value: the must-open sites, then the most wanted, one at a time (:func:`_most_wanted`)."""
    free = free[np.isfinite(rho[free])]
    if free.size < n_hubs - must.size or n_hubs < must.size:
        return None
    opened = must.astype(int)
    while opened.size < n_hubs:
        pick = _most_wanted(rho, free, opened, dominated)
        opened, free = np.append(opened, pick), free[free != pick]
    return opened


def _explore(
    k: Knapsacks, leaves: _Leaves, node: _Node, must: np.ndarray, dominated: np.ndarray, deadline: float | None
) -> list[_Node] | None:
    """Settle a node (None: nothing better inside, or it was a leaf) or return its two children. The child that
    leaves a site out leaves out the sites it dominates too (``dominated[pick]``; see :func:`dominance`)."""
    need = k.n_hubs - must.size - node.chosen.size
    base = np.concatenate([must, node.chosen]).astype(int)
    candidates = node.candidates
    if candidates.size < need:
        return None
    if need == 0 or candidates.size == need:
        leaves.evaluate(np.concatenate([base, candidates]) if need else base)
        return None
    target = leaves.target
    bound = node.bound
    for entry in node.bank:
        value, candidates = settle_node(entry, base, candidates, need, target)
        bound = max(bound, value)
        if bound >= target or candidates.size < need:
            return None
    m = k.cost.shape[1]
    fixed = np.zeros(m, dtype=bool)
    fixed[base] = True
    within = fixed.copy()
    within[candidates] = True
    upper = leaves.best if math.isfinite(leaves.best) else 1.05 * abs(bound) + 1.0
    value, u = ascend(k, node.u, fixed, within, upper, iterations=NODE_ITERATIONS, deadline=deadline)
    bound = max(bound, value)
    if bound >= target:
        return None
    rho = site_values(k, u, np.flatnonzero(within)).rho
    entry = (float(u.sum()), rho)
    value, candidates = settle_node(entry, base, candidates, need, target)
    bound = max(bound, value)
    if bound >= target or candidates.size < need:
        return None
    pick = _most_wanted(rho, candidates, base, dominated)
    rest = candidates[candidates != pick]
    left_out = rest[~dominated[pick, rest]]
    bank = [*node.bank, entry]
    # Left out (explored last), then opened (explored first).
    return [_Node(node.chosen, left_out, bound, u, bank), _Node(np.append(node.chosen, pick), rest, bound, u, bank)]


def search(
    k: Knapsacks,
    must: np.ndarray,
    allowed_sites: np.ndarray,
    *,
    single: bool,
    allowed: Callable[[np.ndarray], bool],
    mip_gap: float = 0.0,
    deadline: float | None = None,
    upper: float = math.inf,
    dominated: np.ndarray | None = None,
) -> TreeSolution:
    """Find the optimal set of open sites and its assignment (see the module notes).

    Parameters
    ----------
    k : Knapsacks
        The model's numbers on the zones with demand.
    must, allowed_sites : numpy.ndarray of bool
        Sites that must open; sites that may open.
    single : bool
        Single assignment (each zone to one site) or split.
    allowed : callable
        Whether a set of open sites (sorted indices) meets the rules the bound does not see (budget, new builds,
        excluded solutions).
    mip_gap : float
        Relative gap at which a solution counts as optimal.
    deadline : float, optional
        :func:`hubopt.locate._clock.now` value at which to stop.
    upper : float
        The cost of a solution known already (another number of hubs): only better ones are looked for, and
        "infeasible" then means none is better.
    dominated : numpy.ndarray of bool, shape (n_sites, n_sites), optional
        ``dominated[p, q]``: every solution that opens ``q`` and not ``p`` costs at least as much as the same solution
        with ``p`` instead of ``q``, which meets the same rules (:func:`dominance`). None: no such pairs.
    """
    t0 = time.perf_counter()
    m = k.cost.shape[1]
    dominated = np.zeros((m, m), dtype=bool) if dominated is None else dominated
    leaves = _Leaves(k, single, allowed, mip_gap, best=upper, deadline=deadline)
    must_idx = np.flatnonzero(must)
    within = allowed_sites & (k.can_open | must)
    u0 = np.min(np.where(np.isfinite(k.cost), k.cost, np.inf), axis=1)
    u0 = np.where(np.isfinite(u0), u0, 0.0)
    root, u = ascend(k, u0, must, within, math.inf, iterations=ROOT_ITERATIONS, deadline=deadline)
    nodes = 0
    stack: list[_Node] = []
    if math.isfinite(root):
        values = site_values(k, u)
        first = _first_sites(values.rho, k.n_hubs, must_idx, np.flatnonzero(within & ~must), dominated)
        if first is not None:
            leaves.evaluate(first)
        free = np.flatnonzero(within & ~must)
        stack.append(_Node(free[:0], free, root, u, [(float(u.sum()), values.rho)]))
    stopped = False
    while stack:
        if deadline is not None and _clock.now() > deadline:
            stopped = True
            break
        nodes += 1
        if nodes == EAGER_AFTER and single:
            leaves.start_eager()
        children = _explore(k, leaves, stack.pop(), must_idx, dominated, deadline)
        if children:
            stack.extend(children)
    left = min((node.bound for node in stack), default=math.inf)
    left = min(left, leaves.close(deadline))
    stopped = stopped or math.isfinite(left)
    found = leaves.best_sites.size > 0
    if not stopped:
        status = "optimal" if found else "infeasible"
        bound = leaves.best if found and mip_gap == 0 else min(leaves.best, leaves.target)
    else:
        status = "feasible" if found else "no solution"
        bound = min(leaves.best, left)
    return TreeSolution(
        status, leaves.best, bound, leaves.best_sites, leaves.best_share, nodes=nodes, leaves=leaves.count,
        exact_solves=leaves.exact_solves, root_bound=root, seconds=time.perf_counter() - t0,
    )  # fmt: skip


def leaf_rules(spec: CapacitySpec) -> Callable[[np.ndarray], bool]:
    """Whether a set of open sites meets the rules the tree's bound does not see: budget, new builds, exclusions."""
    excluded = {tuple(sol) for sol in spec.exclude}

    def allowed(sites: np.ndarray) -> bool:
        budget, capital = spec.budget, spec.capital
        if budget is not None and capital is not None and float(capital[sites].sum()) > budget + 1e-9:
            return False
        if spec.max_new_build is not None and int(spec.new_build[sites].sum()) > spec.max_new_build:
            return False
        return tuple(int(j) for j in sites) not in excluded

    return allowed


def dominance(k: Knapsacks, spec: CapacitySpec) -> np.ndarray:
    """Pairs of sites where one can always take the other's place: ``dominated[p, q]`` when ``p`` is no further
    from any zone than ``q`` (pair costs, unusable pairs included), serves at least as much (``upper``), costs no
    more to open or to build, is a new build only if ``q`` is, and neither is named in an excluded solution.

    Then any solution that opens ``q`` and not ``p`` has one with ``p`` instead, meeting the same rules (budget,
    new builds, hub sizes, each zone's hub reachable) at no greater cost: the tree's child that leaves ``p`` out
    may leave ``q`` out too. Identical sites (several services at one address) dominate each other: the search
    then visits one of each group of equivalent sets of sites instead of all of them.
    """
    m = k.cost.shape[1]
    free = spec.openable & ~spec.forced
    for sol in spec.exclude:
        free[list(sol)] = False
    idx = np.flatnonzero(free)
    dominated = np.zeros((m, m), dtype=bool)
    if idx.size < 2:
        return dominated
    capital = np.zeros(m) if spec.capital is None else spec.capital
    new_build = spec.new_build.astype(int)
    if idx.size > DOMINANCE_SITES:  # comparing every pair would take long: copies only (grouped in one pass)
        groups: dict[tuple, list[int]] = {}
        for p in idx.tolist():
            key = (k.cost[:, p].tobytes(), k.upper[p], k.site_cost[p], capital[p], new_build[p])
            groups.setdefault(key, []).append(p)
        for group in groups.values():
            dominated[np.ix_(group, group)] = len(group) > 1
        dominated[np.arange(m), np.arange(m)] = False
        return dominated
    cost = k.cost[:, idx]
    for a, p in enumerate(idx.tolist()):
        no_worse = (cost[:, a][:, None] <= cost).all(axis=0)
        no_worse &= (k.upper[p] >= k.upper[idx]) & (k.site_cost[p] <= k.site_cost[idx])
        no_worse &= (capital[p] <= capital[idx]) & (new_build[p] <= new_build[idx])
        no_worse[a] = False
        dominated[p, idx[no_worse]] = True
    return dominated


def solve_by_tree(
    spec: CapacitySpec, options: SolverOptions, upper: float = math.inf
) -> tuple[SolveReport, list[int], np.ndarray, TreeSolution] | None:
    """The capacitated model (its checked inputs ``spec``, a fixed number of hubs) solved by :func:`search`: the
    report, the open sites, each zone's shares (zones x sites) and the search's figures; None when the search
    proves it infeasible, or that nothing costs less than ``upper`` (the MIP then explains which rule binds)."""
    t0 = time.perf_counter()
    c, w = spec.cost, spec.w
    pos = np.flatnonzero(w > 0)
    usable = np.isfinite(c[pos]) & spec.openable[None, :]
    if spec.single:
        usable &= w[pos][:, None] <= spec.upper[None, :] + 1e-9
    pair_cost = np.where(usable, w[pos][:, None] * np.where(usable, c[pos], 0.0), np.inf)
    assert spec.n_hubs is not None
    k = Knapsacks(pair_cost, w[pos], spec.lower, spec.upper, spec.cost_weight * spec.fixed, spec.n_hubs)
    deadline = None if options.time_limit is None else _clock.now() + options.time_limit
    out = search(
        k, spec.forced, spec.openable, single=spec.single, allowed=leaf_rules(spec), mip_gap=options.mip_gap,
        deadline=deadline, upper=upper, dominated=dominance(k, spec),
    )  # fmt: skip
    if out.status == "infeasible":
        return None
    n_pairs, n_sites = int(usable.sum()), int(spec.openable.sum())
    size = (n_pairs + n_sites, (n_pairs if spec.single else 0) + n_sites, len(pos) + n_pairs + 2 * n_sites + 1)
    found = out.status in ("optimal", "feasible")
    report = checked_report(
        solver="highs", status=out.status, stopped_by=None if out.status == "optimal" else "time limit",
        objective=out.value if found else None, bound=out.bound if found else None, size=size,
        seconds=time.perf_counter() - t0, time_limit=options.time_limit, mip_gap=options.mip_gap,
    )  # fmt: skip
    chosen = [int(j) for j in out.open_sites]
    share = np.zeros(c.shape)
    if found:
        share[np.ix_(pos, out.open_sites)] = out.share
    return report, chosen, share, out


def tree_figures(tree: TreeSolution) -> dict[str, Any]:
    """How the tree search proved its answer, for the manifest and the benchmark."""
    return {
        "nodes": tree.nodes, "site_sets": tree.leaves, "exact_assignments": tree.exact_solves,
        "root_bound": tree.root_bound, "seconds": tree.seconds,
    }  # fmt: skip


#: With a free number of hubs, the tree search runs once per number the rules allow, when there are this few.
MAX_COUNTS = 8


def hub_counts(spec: CapacitySpec) -> list[int] | None:
    """The numbers of hubs a free-number solution can have (total demand over the largest and the least hub size,
    the sites that can open, the must-open sites), or None when more than :data:`MAX_COUNTS`."""
    total = float(spec.w.sum())
    n_openable = int(spec.openable.sum())
    biggest = float(np.max(np.where(spec.openable, spec.upper, 0.0), initial=0.0))
    fewest = max(1, int(spec.forced.sum()))
    if np.isfinite(biggest) and biggest > 0:
        fewest = max(fewest, math.ceil(total / biggest - 1e-9))
    most = n_openable if spec.lower <= 0 else min(n_openable, math.floor(total / spec.lower + 1e-9))
    if most - fewest + 1 > MAX_COUNTS:
        return None
    return list(range(fewest, most + 1))


def solve_over_counts(
    spec: CapacitySpec, options: SolverOptions
) -> tuple[SolveReport, list[int], np.ndarray, TreeSolution] | None:
    """A free number of hubs: :func:`solve_by_tree` for every number the rules allow (see :func:`hub_counts`), the
    best answer kept; its bound is the smallest of theirs. None when there are too many numbers to try, or when none
    has a solution (the MIP then explains which rule binds)."""
    counts = hub_counts(spec)
    if counts is None:
        return None
    t0 = time.perf_counter()
    deadline = None if options.time_limit is None else _clock.now() + options.time_limit
    best: tuple[SolveReport, list[int], np.ndarray, TreeSolution] | None = None
    bound: float | None = math.inf
    stopped, nodes, sets, exact = False, 0, 0, 0
    for count in counts:
        remaining = None if deadline is None else deadline - _clock.now()
        if remaining is not None and remaining <= 0:
            stopped, bound = True, None  # a number of hubs left unexplored: no bound on it
            break
        known = math.inf if best is None else best[3].value
        out = solve_by_tree(replace(spec, n_hubs=count), replace(options, time_limit=remaining), known)
        if out is None:
            continue  # no solution with this many hubs cheaper than the best with another number
        report, _chosen, _share, tree = out
        nodes, sets, exact = nodes + tree.nodes, sets + tree.leaves, exact + tree.exact_solves
        stopped = stopped or not report.is_optimal
        if bound is not None:
            bound = None if report.bound is None or not report.has_solution else min(bound, report.bound)
        if report.has_solution and (best is None or tree.value < best[3].value):
            best = out
    if best is None:
        return None
    report, chosen, share, tree = best
    status = "feasible" if stopped else "optimal"
    combined = TreeSolution(
        status, tree.value, tree.value if bound is None else bound, tree.open_sites, tree.share, nodes=nodes,
        leaves=sets, exact_solves=exact, root_bound=tree.root_bound, seconds=time.perf_counter() - t0,
    )  # fmt: skip
    summary = checked_report(
        solver="highs", status=status, stopped_by="time limit" if stopped else None, objective=tree.value,
        bound=bound, size=(report.n_variables, report.n_integer_variables, report.n_constraints),
        seconds=combined.seconds, time_limit=options.time_limit, mip_gap=options.mip_gap,
    )  # fmt: skip
    return summary, chosen, share, combined
