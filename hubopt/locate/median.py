"""The p-median model: choose N hub sites that minimise demand-weighted travel time.

Formulation (Revelle and Swain 1970, strong linking form): binary ``open[j]``; continuous ``serve[i, j] >= 0``
only for candidate pairs (a finite travel time, within the optional cutoff ``max_minutes``, to an available site;
the optimum assigns every zone to its nearest open site, so assignments need not be integer);
``sum_j serve[i, j] = 1`` for each zone, ``serve[i, j] <= open[j]``, ``sum_j open[j] = N``, ``open[j] = 1`` for
must-open sites; minimise ``sum demand[i] * time[i, j] * serve[i, j]``.

How it is solved fast, yet proven optimal
-----------------------------------------
1. The candidate pairs are gathered into sparse arrays, zone by zone and nearest first (memory grows with the pairs
   kept, not with zones x sites).
2. A greedy heuristic (lazy evaluation) gives a first solution.
3. The LP relaxation is solved by HiGHS on a small subset of pairs (each zone's nearest sites) and grown by pricing:
   a missing pair has reduced cost ``demand[i] * time[i, j] - u[i]`` (``u`` the dual of zone i's assignment row);
   when none is negative the LP bound ``LB`` holds for the full model.
4. The LP solution is rounded and improved by vertex substitution (Teitz-Bart interchange in the fast form of
   Resende and Werneck 2007) to an incumbent of cost ``UB``.
5. Reduced-cost fixing: a solution that uses a pair (or opens a site) of reduced cost ``rc`` costs at least
   ``LB + rc``; pairs and sites with ``rc >= UB - LB`` cannot be part of any solution better than the incumbent
   and are left out.
6. What is left (usually a few percent of the pairs) is settled by the Lagrangian tree search of
   :mod:`hubopt.locate.lagrangian_tree`: a branch-and-bound over the sites whose nodes cost a few subgradient
   steps instead of an LP. When it finishes, the best solution is the optimum of the full model. With
   ``tree=False`` the remaining MIP is solved by the chosen solver instead, started from the incumbent, with a
   zero gap; its optimum (or the incumbent) is then the optimum of the full model, and its bound a bound for it.

Before a large first LP (more than :data:`SCREEN_PAIRS` pairs) sites are *screened*
(:func:`hubopt.locate.lagrangian.screen_sites`): the incumbent is improved by interchange, the Lagrangian bound is
raised by subgradient steps from the incumbent's times, and sites whose penalty lifts the bound to the incumbent's
cost are left out of the LP. When the bound itself reaches the incumbent's cost, the incumbent is proven optimal
without an LP.

``reduce=False`` skips steps 2-6 and hands the full model to the solver (the classic formulation).
The LP relaxation of steps 3 and 5 is always solved by HiGHS; the MIP by the chosen solver: HiGHS directly through
highspy, or CBC through a PuLP model.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pulp
from scipy import sparse

from hubopt.errors import InputError, ModelError
from hubopt.locate import _clock, lagrangian, lagrangian_tree
from hubopt.locate._highs import HighsModel, HighsOptionValue, HighsOutcome, run_highs
from hubopt.locate.pairs import Pairs, candidate_pairs, row_step, subset_pairs
from hubopt.locate.solution import LocationResult, check_weighted_total, nearest_open_assignment
from hubopt.locate.solve import check_solver_name, checked_report, solve

#: HiGHS options for the MIP (the incumbent from interchange is usually optimal: little effort on heuristics).
MIP_OPTIONS: dict[str, HighsOptionValue] = {"mip_heuristic_effort": 0.0}

#: The first LP holds each zone's FIRST_PAIRS * sites / N nearest pairs (and those as near as the greedy's site).
FIRST_PAIRS = 1.5

#: Partial pricing: pairs added per zone and LP round (the nearest of those with negative reduced cost).
ENTERING_PER_ZONE = 30

#: Above this many pairs in the first LP, sites are screened first by a Lagrangian bound (see solve_p_median).
SCREEN_PAIRS = 40_000


def _check_inputs(
    cost: np.ndarray, weights: np.ndarray | None, zone_ids: Sequence[str] | None, site_ids: Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    c = np.asarray(cost, dtype=float)  # no copy for a float64 array
    if c.ndim != 2:
        raise InputError(f"the travel-time matrix must have 2 dimensions (zones x sites), not {c.ndim}")
    n, m = c.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise InputError(f"there are {n} zones in the travel-time matrix but {w.size} demand values")
    step = row_step(m)
    max_time = 0.0
    for r0 in range(0, n, step):
        block = c[r0 : r0 + step]
        if np.isnan(block).any():
            raise InputError("the travel-time matrix has missing values (NaN); use inf for 'not reachable'")
        if (block < 0).any():
            raise InputError("the travel-time matrix has negative times")
        max_time = max(max_time, float(np.max(block, where=np.isfinite(block), initial=0.0)))
    if not np.isfinite(w).all() or (w < 0).any():
        raise InputError("demand must be finite and zero or positive for every zone")
    check_weighted_total(w, max_time)
    zids = [str(z) for z in zone_ids] if zone_ids is not None else [f"zone {i}" for i in range(n)]
    sids = [str(s) for s in site_ids] if site_ids is not None else [f"site {j}" for j in range(m)]
    if len(zids) != n or len(sids) != m:
        raise InputError("the zone or site identifiers do not match the travel-time matrix's shape")
    return c, w, zids, sids


def site_rules(
    n_sites: int,
    n_open: int,
    must_open: Sequence[int],
    unavailable: Sequence[int],
    site_ids: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Check the number of hubs against the site rules; return (available mask, must-open mask).

    Raises
    ------
    ModelError
        When a site is both must-open and unavailable, more sites must open than N, or N exceeds the available sites.
    """
    available, forced = site_masks(n_sites, must_open, unavailable, site_ids)
    if n_open < 1:
        raise ModelError(f"the number of hubs must be at least 1 (it is {n_open})")
    if n_open > int(available.sum()):
        raise ModelError(
            f"{n_open} hubs were asked for but only {int(available.sum())} sites are available "
            f"({n_sites} in the register, {n_sites - int(available.sum())} unavailable); "
            "lower the number of hubs or add candidate sites"
        )
    if int(forced.sum()) > n_open:
        raise ModelError(
            f"{int(forced.sum())} sites must stay open but only {n_open} hubs were asked for; "
            "raise the number of hubs or relax the must-open rule"
        )
    return available, forced


def site_masks(
    n_sites: int, must_open: Sequence[int], unavailable: Sequence[int], site_ids: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Available and must-open masks of the sites, after checking the indices and that the two rules do not clash."""
    idx_u = np.asarray(list(unavailable), dtype=int)
    idx_f = np.asarray(list(must_open), dtype=int)
    for label, idx in (("unavailable", idx_u), ("must-open", idx_f)):
        if idx.size and (idx.min() < 0 or idx.max() >= n_sites):
            raise InputError(f"a {label} site index is outside 0..{n_sites - 1}")
    available = np.ones(n_sites, dtype=bool)
    available[idx_u] = False
    forced = np.zeros(n_sites, dtype=bool)
    forced[idx_f] = True
    clash = forced & ~available
    if clash.any():
        names = ", ".join(site_ids[j] for j in np.flatnonzero(clash).tolist())
        raise ModelError(f"site(s) {names} are both must-open and unavailable; choose one rule for each")
    return available, forced


def stranded_zones_error(stranded: np.ndarray, zids: Sequence[str], within: str) -> ModelError:
    """The error for zones that no available site can serve, naming (up to ten of) them."""
    names = ", ".join(zids[i] for i in stranded[:10])
    more = f" and {stranded.size - 10} more" if stranded.size > 10 else ""
    return ModelError(
        f"{stranded.size} zone(s) cannot reach any available site{within}: {names}{more}; "
        "add a site they can reach, or check the travel-time matrix"
        + ("" if not within else " or the travel-time limit")
    )


def nearest_open(pairs: Pairs, is_open: np.ndarray, ranks: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each zone, the nearest (and, with ``ranks=2``, second nearest) open site among its pairs.

    Returns
    -------
    list of (time, site)
        One entry per rank: the time (``inf`` where none) and the site (-1 where none) per zone.
    """
    idx = np.flatnonzero(is_open[pairs.cols])
    z = pairs.rows[idx]
    group_start = np.ones(idx.size, dtype=bool)
    group_start[1:] = z[1:] != z[:-1]
    starts = np.flatnonzero(group_start)
    out = []
    for rank in range(ranks):
        pos = starts + rank
        ok = pos < idx.size
        pos = pos[ok]
        ok_pos = pos[z[pos] == z[starts[ok]]]
        t = np.full(pairs.n_zones, np.inf)
        s = np.full(pairs.n_zones, -1, dtype=np.int64)
        t[z[ok_pos]] = pairs.time[idx[ok_pos]]
        s[z[ok_pos]] = pairs.cols[idx[ok_pos]]
        out.append((t, s))
    return out


def _penalty(pairs: Pairs) -> float:
    """Time charged to a zone left without an open site in heuristics (more than any real time)."""
    top = float(pairs.time.max()) if pairs.size else 1.0
    return 10.0 * max(top, 1.0) + 1.0


def _evaluate(pairs: Pairs, w: np.ndarray, is_open: np.ndarray) -> float:
    t = nearest_open(pairs, is_open)[0][0]
    if not np.isfinite(t).all():
        return math.inf
    return float(np.dot(w, t))


def _by_site(pairs: Pairs) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(pairs.cols, kind="stable")
    ptr = np.zeros(pairs.n_sites + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs.cols, minlength=pairs.n_sites), out=ptr[1:])
    return order, ptr


def greedy(pairs: Pairs, w: np.ndarray, n_open: int, forced: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Open sites one by one, each time the one that saves most weighted time (lazy evaluation); return the mask."""
    order, ptr = _by_site(pairs)
    big = _penalty(pairs)
    cur = np.full(pairs.n_zones, big)
    is_open = np.zeros(pairs.n_sites, dtype=bool)

    def gain(j: int) -> float:
        k = order[ptr[j] : ptr[j + 1]]
        g = float(np.dot(w[pairs.rows[k]], np.maximum(cur[pairs.rows[k]] - pairs.time[k], 0.0)))
        return math.inf if math.isnan(g) else g  # no NaN in the heap: its order (and this loop's end) needs one

    def take(j: int) -> None:
        k = order[ptr[j] : ptr[j + 1]]
        np.minimum.at(cur, pairs.rows[k], pairs.time[k])
        is_open[j] = True

    for j in np.flatnonzero(forced).tolist():
        take(j)
    heap = [(-gain(j), j) for j in np.flatnonzero(available & ~forced).tolist()]
    heapq.heapify(heap)
    while int(is_open.sum()) < n_open and heap:
        _, j = heapq.heappop(heap)
        g = gain(j)
        # Take j unless another site's (stale, upper) gain is clearly larger; an infinite gain is taken at once.
        if not heap or not g < -heap[0][0] - 1e-12 * max(abs(g), 1.0):
            take(j)
        else:
            heapq.heappush(heap, (-g, j))
    return is_open


def interchange(
    pairs: Pairs,
    w: np.ndarray,
    is_open: np.ndarray,
    forced: np.ndarray,
    available: np.ndarray,
    *,
    max_swaps: int = 200,
    deadline: float | None = None,
) -> np.ndarray:
    """Improve a solution by best-improvement swaps (one open site out, one closed site in) until none helps.

    Uses the gain / loss / extra decomposition of Resende and Werneck (2007), computed over the sparse pairs.
    """
    is_open = is_open.copy()
    n_open = int(is_open.sum())
    m = pairs.n_sites
    if n_open == 0 or m * n_open > 20_000_000:
        return is_open
    big = _penalty(pairs)
    wr = w[pairs.rows]
    for _ in range(max_swaps):
        if deadline is not None and _clock.now() > deadline:
            break
        (d1, s1), (d2, _s2) = nearest_open(pairs, is_open, ranks=2)
        d1 = np.where(np.isfinite(d1), d1, big)
        d2 = np.where(np.isfinite(d2), d2, big)
        open_idx = np.flatnonzero(is_open)
        pos = np.full(m, -1, dtype=np.int64)
        pos[open_idx] = np.arange(open_idx.size)
        gain = np.bincount(pairs.cols, weights=wr * np.maximum(d1[pairs.rows] - pairs.time, 0.0), minlength=m)
        served = s1 >= 0
        loss = np.bincount(pos[s1[served]], weights=w[served] * (d2[served] - d1[served]), minlength=open_idx.size)
        d2r = d2[pairs.rows]
        sel = (pairs.time < d2r) & served[pairs.rows]
        r_of = pos[s1[pairs.rows[sel]]]
        extra = np.bincount(
            pairs.cols[sel].astype(np.int64) * open_idx.size + r_of,
            weights=wr[sel] * (d2r[sel] - np.maximum(pairs.time[sel], d1[pairs.rows[sel]])),
            minlength=m * open_idx.size,
        ).reshape(m, open_idx.size)
        profit = gain[:, None] - loss[None, :] + extra
        profit[~available | is_open, :] = -np.inf
        profit[:, forced[open_idx]] = -np.inf
        best = int(np.argmax(profit))
        j_in, r_out = divmod(best, open_idx.size)
        current = float(np.dot(w, d1))
        if not profit[j_in, r_out] > 1e-9 * max(current, 1.0):
            break
        is_open[open_idx[r_out]] = False
        is_open[j_in] = True
    return is_open


def _full_model(
    pairs: Pairs,
    w: np.ndarray,
    sites: np.ndarray,
    n_hubs: int,
    forced: np.ndarray,
) -> tuple[np.ndarray, sparse.csc_matrix, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Columns [open (one per site in ``sites``), serve (one per pair)]; rows [assign (one per zone), hubs, link]."""
    n, k, ms = pairs.n_zones, pairs.size, sites.size
    site_col = np.full(pairs.n_sites, -1, dtype=np.int64)
    site_col[sites] = np.arange(ms)
    pair_ids = np.arange(k)
    data = np.concatenate([np.ones(k), np.ones(k), -np.ones(k), np.ones(ms)])
    row_ix = np.concatenate([pairs.rows, n + 1 + pair_ids, n + 1 + pair_ids, np.full(ms, n)])
    col_ix = np.concatenate([ms + pair_ids, ms + pair_ids, site_col[pairs.cols], np.arange(ms)])
    a = sparse.csc_matrix((data, (row_ix, col_ix)), shape=(n + 1 + k, ms + k))
    cost = np.concatenate([np.zeros(ms), w[pairs.rows] * pairs.time])
    col_lo = np.concatenate([forced[sites].astype(float), np.zeros(k)])
    col_hi = np.concatenate([np.ones(ms), np.full(k, np.inf)])
    row_lo = np.concatenate([np.ones(n), [float(n_hubs)], np.full(k, -np.inf)])
    row_hi = np.concatenate([np.ones(n), [float(n_hubs)], np.zeros(k)])
    return cost, a, col_lo, col_hi, row_lo, row_hi


@dataclass
class _Bound:
    lower: float
    u: np.ndarray  # dual of each zone's assignment row
    pair_rc: np.ndarray  # reduced cost of every candidate pair
    site_rc: np.ndarray  # reduced cost of every site (inf for unavailable)
    lp_open: np.ndarray  # LP value of each site's open variable
    rounds: int
    lp_pairs: int


def _lp_bound(
    pairs: Pairs,
    w: np.ndarray,
    n_hubs: int,
    forced: np.ndarray,
    available: np.ndarray,
    start_open: np.ndarray,
    deadline: float | None,
) -> _Bound | HighsOutcome:
    """The LP relaxation over all candidate pairs, by pricing from each zone's nearest pairs.

    Returns the bound with reduced costs, or the HiGHS outcome that stopped it (time limit, infeasible...).
    """
    sites = np.flatnonzero(available)
    ms, n = sites.size, pairs.n_zones
    site_col = np.full(pairs.n_sites, -1, dtype=np.int64)
    site_col[sites] = np.arange(ms)
    deg = pairs.degree()
    rank = np.arange(pairs.size) - np.repeat(pairs.indptr[:-1], deg)
    first = max(3, math.ceil(FIRST_PAIRS * ms / n_hubs))
    ((t_start, _s),) = nearest_open(pairs, start_open)
    in_lp = (rank < first) | (pairs.time <= t_start[pairs.rows])
    wt = w[pairs.rows] * pairs.time
    order = np.flatnonzero(in_lp)  # pair of each serve column, in column order
    model = HighsModel(*_full_model(subset_pairs(pairs, in_lp), w, sites, n_hubs, forced))
    rounds = 0
    while True:
        rounds += 1
        remaining = None if deadline is None else deadline - _clock.now()
        if remaining is not None and remaining <= 0:
            return HighsOutcome("no solution", "time limit", None, None, None, None, None, 0.0, "kTimeLimit")
        out = model.run(time_limit=remaining)
        if out.status != "optimal" or out.row_dual is None or out.col_dual is None or out.x is None:
            return out
        u = out.row_dual[:n]
        rc = wt - u[pairs.rows]
        tol = 1e-9 * max(1.0, float(np.abs(u).max(initial=0.0)))
        entering = np.flatnonzero(~in_lp & (rc < -tol))
        if entering.size:  # partial pricing: at most ENTERING_PER_ZONE (the nearest) per zone and round
            z = pairs.rows[entering]
            first_of_zone = np.ones(z.size, dtype=bool)
            first_of_zone[1:] = z[1:] != z[:-1]
            starts_at = np.maximum.accumulate(np.where(first_of_zone, np.arange(z.size), 0))
            entering = entering[np.arange(z.size) - starts_at < ENTERING_PER_ZONE]
        if entering.size == 0:
            pair_rc = rc
            pair_rc[order] = out.col_dual[ms:]
            site_rc = np.full(pairs.n_sites, np.inf)
            site_rc[sites] = out.col_dual[:ms]
            lp_open = np.zeros(pairs.n_sites)
            lp_open[sites] = out.x[:ms]
            return _Bound(float(out.objective or 0.0), u, pair_rc, site_rc, lp_open, rounds, order.size)
        # New serve columns (in their zones' assignment rows), then their link rows serve - open <= 0.
        k_old, k_new = order.size, entering.size
        ids = np.arange(k_new)
        model.add_columns(
            wt[entering],
            np.zeros(k_new),
            np.full(k_new, np.inf),
            sparse.csc_matrix((np.ones(k_new), (pairs.rows[entering], ids)), shape=(n + 1 + k_old, k_new)),
        )
        new_cols = ms + k_old + ids
        model.add_rows(
            np.full(k_new, -np.inf),
            np.zeros(k_new),
            sparse.csr_matrix(
                (
                    np.concatenate([np.ones(k_new), -np.ones(k_new)]),
                    (np.concatenate([ids, ids]), np.concatenate([new_cols, site_col[pairs.cols[entering]]])),
                ),
                shape=(k_new, ms + k_old + k_new),
            ),
        )
        in_lp[entering] = True
        order = np.concatenate([order, entering])


def _round_lp(lp_open: np.ndarray, n_hubs: int, forced: np.ndarray, available: np.ndarray) -> np.ndarray:
    score = np.where(available, lp_open, -np.inf) + np.where(forced, 10.0, 0.0)
    top = np.argsort(-score, kind="stable")[:n_hubs]
    is_open = np.zeros(lp_open.size, dtype=bool)
    is_open[top] = True
    return is_open


@dataclass
class _Mip:
    status: str
    stopped_by: str | None
    is_open: np.ndarray | None
    objective: float | None
    bound: float | None
    n_variables: int
    n_integer: int
    n_constraints: int


def _solve_mip(
    pairs: Pairs,
    w: np.ndarray,
    sites: np.ndarray,
    n_hubs: int,
    forced: np.ndarray,
    start_open: np.ndarray | None,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    msg: bool,
) -> _Mip:
    ms, k = sites.size, pairs.size
    n_cons = pairs.n_zones + k + 1
    if solver == "highs":
        cost, a, cl, cu, rl, ru = _full_model(pairs, w, sites, n_hubs, forced)
        start = None
        if start_open is not None:
            ((_t, s_near),) = nearest_open(pairs, start_open)
            if (s_near >= 0).all():
                x = np.zeros(ms + k)
                x[:ms] = start_open[sites]
                x[ms:] = pairs.cols == s_near[pairs.rows]
                # only the first open pair of each zone (ties at equal time share a site column: one per zone)
                first = np.zeros(k, dtype=bool)
                hit = np.flatnonzero(x[ms:] > 0)
                zh = pairs.rows[hit]
                keep = np.ones(hit.size, dtype=bool)
                keep[1:] = zh[1:] != zh[:-1]
                first[hit[keep]] = True
                x[ms:] = first
                start = x
        integer = np.concatenate([np.ones(ms, dtype=bool), np.zeros(k, dtype=bool)])
        out = run_highs(
            cost,
            a,
            cl,
            cu,
            rl,
            ru,
            integer=integer,
            time_limit=time_limit,
            mip_gap=mip_gap,
            start=start,
            msg=msg,
            options=MIP_OPTIONS,
        )
        is_open = None
        if out.x is not None:
            is_open = np.zeros(pairs.n_sites, dtype=bool)
            is_open[sites[out.x[:ms] > 0.5]] = True
        return _Mip(out.status, out.stopped_by, is_open, out.objective, out.bound, ms + k, ms, n_cons)

    prob = pulp.LpProblem("p_median", pulp.LpMinimize)
    open_var = {int(j): prob.add_variable(f"open_{j}", 0, 1, pulp.LpBinary) for j in sites}
    for j in np.flatnonzero(forced).tolist():
        open_var[j].lowBound = 1
    rows_l, cols_l = pairs.rows.tolist(), pairs.cols.tolist()
    serve = [prob.add_variable(f"serve_{i}_{j}", 0) for i, j in zip(rows_l, cols_l, strict=True)]
    coef = (w[pairs.rows] * pairs.time).tolist()
    prob.setObjective(pulp.LpAffineExpression(zip(serve, coef, strict=True)))
    ptr = pairs.indptr.tolist()
    for i in range(pairs.n_zones):
        prob.addConstraint(
            pulp.LpAffineExpression([(serve[q], 1.0) for q in range(ptr[i], ptr[i + 1])]) == 1, name=f"assign_{i}"
        )
    for q, (i, j) in enumerate(zip(rows_l, cols_l, strict=True)):
        prob.addConstraint(pulp.LpAffineExpression([(serve[q], 1.0), (open_var[j], -1.0)]) <= 0, name=f"link_{i}_{j}")
    prob.addConstraint(pulp.LpAffineExpression([(v, 1.0) for v in open_var.values()]) == int(n_hubs), name="hubs")
    if start_open is not None:
        for j, v in open_var.items():
            v.setInitialValue(1.0 if start_open[j] else 0.0)
    report = solve(
        prob, solver="cbc", time_limit=time_limit, mip_gap=mip_gap, msg=msg, warm_start=start_open is not None
    )
    is_open = None
    if report.has_solution:
        is_open = np.zeros(pairs.n_sites, dtype=bool)
        for j, v in open_var.items():
            if (v.varValue or 0.0) > 0.5:
                is_open[j] = True
    return _Mip(
        report.status,
        report.stopped_by,
        is_open,
        report.objective,
        report.bound,
        report.n_variables,
        report.n_integer_variables,
        report.n_constraints,
    )


def solve_p_median(
    cost: np.ndarray,
    weights: np.ndarray,
    n_hubs: int,
    *,
    must_open: Sequence[int] = (),
    unavailable: Sequence[int] = (),
    zone_ids: Sequence[str] | None = None,
    site_ids: Sequence[str] | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    msg: bool = False,
    max_minutes: float | None = None,
    reduce: bool = True,
    tree: bool = True,
) -> LocationResult:
    """Choose ``n_hubs`` sites minimising the demand-weighted travel time to the nearest open site.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes) from each zone to each site; ``inf`` where the site cannot be reached.
    weights : numpy.ndarray, shape (n_zones,)
        Demand of each zone (e.g. age-weighted population).
    n_hubs : int
        Number of hubs to open (N).
    must_open, unavailable : sequence of int
        Column indices of sites that must open / may not open.
    zone_ids, site_ids : sequence of str, optional
        Names for messages.
    solver : {"highs", "cbc"}
        MILP solver: HiGHS (directly, through highspy) or CBC (through a PuLP model).
    time_limit : float, optional
        Seconds for the whole solve; a time-limited result is labelled as such, never as optimal.
    mip_gap : float
        Relative optimality gap at which to stop (0: prove optimality).
    msg : bool
        Show the MIP solver's log.
    max_minutes : float, optional
        Travel-time cutoff: pairs beyond it get no variable, so every zone must be served by an open site within
        ``max_minutes`` (a hard access standard). Memory then grows with the pairs kept, not zones x sites.
    reduce : bool
        Use the LP bound, a heuristic incumbent and reduced-cost fixing to shrink the MIP (default); False hands the
        full formulation to the solver.
    tree : bool
        When a gap remains after the LP bound, close it by the Lagrangian tree search
        (:mod:`hubopt.locate.lagrangian_tree`; default); False solves the remaining MIP with ``solver`` instead.

    Returns
    -------
    LocationResult
        ``report`` is the :class:`SolveReport` of the whole solve; ``parameters`` also records the LP bound and the
        number of pairs (candidate, and left in the MIP).

    Raises
    ------
    ModelError
        When the rules cannot be met, a zone has no available site it can reach (within ``max_minutes``), or no
        choice of N sites serves every zone within ``max_minutes``; naming the zones.
    """
    t0 = time.perf_counter()
    started = _clock.now()  # the time limit counts from here, input checks included
    name = check_solver_name(solver)
    if time_limit is not None and time_limit <= 0:
        raise InputError("the time limit must be a positive number of seconds", setting="model.time_limit")
    if mip_gap < 0:
        raise InputError("the MIP gap must be zero or positive", setting="model.mip_gap")
    if max_minutes is not None and not max_minutes >= 0:
        raise InputError("the travel-time limit must be zero or positive minutes", setting="model.max_minutes")
    c, w, zids, sids = _check_inputs(cost, weights, zone_ids, site_ids)
    m = c.shape[1]
    n_hubs = int(n_hubs)
    available, forced = site_rules(m, n_hubs, must_open, unavailable, sids)
    pairs = candidate_pairs(c, available, max_minutes)
    within = "" if max_minutes is None else f" within {max_minutes:g} minutes"
    stranded = np.flatnonzero(pairs.degree() == 0)
    if stranded.size:
        raise stranded_zones_error(stranded, zids, within)
    deadline = None if time_limit is None else started + time_limit
    sites = np.flatnonzero(available)
    info: dict[str, object] = {"candidate_pairs": pairs.size}

    incumbent: np.ndarray | None = None
    ub = math.inf
    lp: _Bound | None = None
    proven = -math.inf  # the best lower bound any stage proved for the full model
    work, work_sites = pairs, available  # the pairs and sites the LP and the MIP work on
    if reduce:
        incumbent = greedy(pairs, w, n_hubs, forced, available)
        ub = _evaluate(pairs, w, incumbent)
        first = max(3, math.ceil(FIRST_PAIRS * sites.size / n_hubs))
        if math.isfinite(ub) and pairs.n_zones * first > SCREEN_PAIRS:
            # A large first LP: screen sites first with the Lagrangian penalty test.
            incumbent = interchange(pairs, w, incumbent, forced, available, deadline=deadline)
            ub = _evaluate(pairs, w, incumbent)
            ((t_inc, _s),) = nearest_open(pairs, incumbent)
            root_bound, screened = lagrangian.screen_sites(
                pairs, w, w * t_inc, n_hubs, forced, available, ub, deadline=deadline
            )
            screened |= incumbent
            proven = max(proven, root_bound)
            info.update(lagrangian_bound=root_bound, screened_sites=[int(available.sum()), int(screened.sum())])
            if root_bound >= lagrangian.proves(ub, mip_gap):
                info["heuristic_objective"] = ub
                return _result(
                    c, w, incumbent, max_minutes, t0, name, "optimal", None, ub, min(root_bound, ub),
                    (0, 0, 0), time_limit, mip_gap, n_hubs, forced, available, sids, info,
                )  # fmt: skip
            # Sites the test excluded cannot be part of a solution better than the incumbent.
            work, work_sites = subset_pairs(pairs, screened[pairs.cols]), screened
        out = _lp_bound(work, w, n_hubs, forced, work_sites, incumbent, deadline)
        if isinstance(out, HighsOutcome) and out.status == "infeasible":
            # The first LP holds only each zone's nearest pairs, and with unreachable pairs it can be infeasible
            # when the full model is not: decide on the full model instead (its infeasibility is then real).
            reduce = False
            info["reduction"] = "skipped: the restricted LP was infeasible, so the full model was solved"
            if not math.isfinite(ub):
                incumbent, ub = None, math.inf
    if reduce:
        assert incumbent is not None  # greedy set it; only the branch that turns ``reduce`` off clears it
        if isinstance(out, HighsOutcome):
            if math.isfinite(ub):
                return _result(
                    c, w, incumbent, max_minutes, t0, name, "feasible", out.stopped_by, ub, _bound_below(proven, ub),
                    (0, 0, 0), time_limit, mip_gap, n_hubs, forced, available, sids, info,
                )  # fmt: skip
            raise ModelError(f"the p-median model has no solution: stopped by {out.stopped_by or out.model_status}")
        lp = out
        # Over screened sites the LP bounds only the solutions without excluded sites; the others cost at least ub.
        lp.lower = min(lp.lower, ub)
        proven = max(proven, lp.lower)
        info.update(lp_bound=lp.lower, lp_rounds=lp.rounds, lp_pairs=lp.lp_pairs)
        # Incumbent: the better of greedy and the rounded LP, each improved by interchange.
        for start in (incumbent, _round_lp(lp.lp_open, n_hubs, forced, available)):
            value = _evaluate(pairs, w, start)
            if math.isfinite(value):
                start = interchange(pairs, w, start, forced, available, deadline=deadline)
                value = _evaluate(pairs, w, start)
            if value < ub:
                incumbent, ub = start, value
        info["heuristic_objective"] = ub
        if ub <= lp.lower + max(mip_gap * abs(ub), 1e-9 * max(1.0, abs(ub))):
            # The incumbent meets the LP bound: proven without branching.
            return _result(
                c, w, incumbent, max_minutes, t0, name, "optimal", None, ub, lp.lower,
                (0, 0, 0), time_limit, mip_gap, n_hubs, forced, available, sids, info,
            )  # fmt: skip

    def tolerance(value: float) -> float:
        return 1e-6 * max(1.0, abs(value))

    def select(slack: float) -> tuple[Pairs, np.ndarray]:
        """Pairs and sites of reduced cost below ``slack``, plus the incumbent's sites and pairs."""
        assert lp is not None and incumbent is not None
        ((_t, s_inc),) = nearest_open(work, incumbent)
        keep_site = ((lp.site_rc < slack) | incumbent) & work_sites
        keep = ((lp.pair_rc < slack) | (work.cols == s_inc[work.rows])) & keep_site[work.cols]
        return subset_pairs(work, keep), np.flatnonzero(keep_site)

    # The Lagrangian tree search (hubopt.locate.lagrangian_tree) closes the gap: every solution better than the
    # incumbent uses only the pairs and sites of reduced cost below ub - LB, and the search settles them all.
    if lp is not None and incumbent is not None and math.isfinite(ub) and tree:
        tree_pairs, tree_sites = select(ub - lp.lower + tolerance(ub))
        allowed_tree = np.zeros(m, dtype=bool)
        allowed_tree[tree_sites] = True
        found = lagrangian_tree.search(
            tree_pairs, w, lp.u, n_hubs, forced, allowed_tree, ub, lambda is_open: _evaluate(pairs, w, is_open),
            mip_gap=mip_gap, deadline=deadline,
        )  # fmt: skip
        info["tree"] = {
            "sites": int(tree_sites.size),
            "pairs": tree_pairs.size,
            "nodes": found.nodes,
            "finished": found.finished,
            "seconds": round(found.seconds, 3),
        }
        if found.is_open is not None and found.value < ub:
            incumbent, ub = found.is_open, found.value
        status, stopped_by = ("optimal", None) if found.finished else ("feasible", "time limit")
        bound = _bound_below(max(proven, found.bound), ub)
        return _result(
            c, w, incumbent, max_minutes, t0, name, status, stopped_by, ub, bound,
            (0, 0, 0), time_limit, mip_gap, n_hubs, forced, available, sids, info,
        )  # fmt: skip

    # Stages: first a MIP over the pairs within a quarter of the slack (cheap, and usually finds the optimum),
    # then, unless that already proves it, over all pairs within the (new, smaller) slack.
    stages: list[float | None] = [None] if lp is None or not math.isfinite(ub) else [0.25, 1.0]
    size = (0, 0, 0)
    mip_pairs: list[int] = []
    mip_sites: list[int] = []
    for fraction in stages:
        if fraction is None:
            stage_pairs, stage_sites, threshold = pairs, sites, math.inf
        else:
            assert lp is not None and incumbent is not None
            threshold = fraction * (ub - lp.lower) + tolerance(ub)
            stage_pairs, stage_sites = select(threshold)
            if fraction < 1:
                full_pairs, _ = select(ub - lp.lower + tolerance(ub))
                if stage_pairs.size > 0.5 * full_pairs.size:
                    continue  # a first stage would not be much smaller
        mip_pairs.append(stage_pairs.size)
        mip_sites.append(int(stage_sites.size))
        info.update(mip_pairs=mip_pairs, mip_sites=mip_sites)
        remaining = None if deadline is None else deadline - _clock.now()
        if remaining is not None and remaining <= 0:
            if incumbent is not None and math.isfinite(ub):
                return _result(
                    c, w, incumbent, max_minutes, t0, name, "feasible", "time limit", ub, _bound_below(proven, ub),
                    size, time_limit, mip_gap, n_hubs, forced, available, sids, info,
                )  # fmt: skip
            raise ModelError("the p-median model has no solution: stopped by the time limit")
        ub_selected = ub
        mip = _solve_mip(stage_pairs, w, stage_sites, n_hubs, forced, incumbent, name, remaining, mip_gap, msg)
        size = (mip.n_variables, mip.n_integer, mip.n_constraints)
        if mip.status == "infeasible" and incumbent is None:
            _raise_infeasible(n_hubs, within)
        if mip.is_open is not None:
            value = _evaluate(pairs, w, mip.is_open)
            if value <= ub:
                incumbent, ub = mip.is_open, value
        if incumbent is None or not math.isfinite(ub):
            raise ModelError(f"the p-median model has no solution: {mip.status}, stopped by {mip.stopped_by}")
        lower = _bound_below(proven, ub)
        if mip.status in ("optimal", "infeasible"):
            stage_bound = mip.bound if mip.status == "optimal" else math.inf
            # Every solution cheaper than ``ub`` uses only pairs and sites of reduced cost below ub - LB: when those
            # all lie in this stage, the stage's bound holds for the full model.
            covers = fraction is None or (lp is not None and ub - lp.lower + tolerance(ub) <= threshold)
            if covers:
                bound = min(ub, stage_bound) if stage_bound is not None else None
                if lower is not None:
                    bound = lower if bound is None else max(bound, lower)
                return _result(
                    c, w, incumbent, max_minutes, t0, name, "optimal", None, ub, bound,
                    size, time_limit, mip_gap, n_hubs, forced, available, sids, info,
                )  # fmt: skip
            continue
        # Stopped early (time limit...): the incumbent stands; a stage bound counts only when the stage covered
        # every solution cheaper than the incumbent it was selected with.
        bound = _bound_below(proven, ub)
        if mip.bound is not None and (fraction is None or fraction >= 1):
            stage = min(ub_selected, mip.bound) if fraction is not None else mip.bound
            bound = stage if bound is None else max(bound, stage)
        stopped_by = mip.stopped_by or ("time limit" if time_limit is not None else "the solver found no solution")
        return _result(
            c, w, incumbent, max_minutes, t0, name, "feasible", stopped_by, ub, bound,
            size, time_limit, mip_gap, n_hubs, forced, available, sids, info,
        )  # fmt: skip
    raise AssertionError("the last stage always returns")  # pragma: no cover


def _bound_below(bound: float, ub: float) -> float | None:
    """A proven lower bound for the report (at most the incumbent's cost ``ub``), None when nothing was proven."""
    return min(bound, ub) if math.isfinite(bound) else None


def _raise_infeasible(n_hubs: int, within: str) -> None:
    raise ModelError(
        f"no choice of {n_hubs} hubs serves every zone{within}: the p-median model is infeasible; "
        "raise the number of hubs or the travel-time limit"
    )


def _result(
    c: np.ndarray,
    w: np.ndarray,
    is_open: np.ndarray,
    max_minutes: float | None,
    t0: float,
    solver: str,
    status: str,
    stopped_by: str | None,
    objective: float,
    bound: float | None,
    size: tuple[int, int, int],
    time_limit: float | None,
    mip_gap: float,
    n_hubs: int,
    forced: np.ndarray,
    available: np.ndarray,
    sids: Sequence[str],
    info: dict[str, object],
) -> LocationResult:
    chosen = np.flatnonzero(is_open)
    sub = c[:, chosen]
    if max_minutes is not None:
        sub = np.where(sub <= max_minutes, sub, np.inf)
    local, assigned_cost = nearest_open_assignment(sub, range(chosen.size))
    assignment = np.where(local >= 0, chosen[np.maximum(local, 0)], -1)
    value = float(np.dot(w, np.where(np.isfinite(assigned_cost), assigned_cost, 0.0)))
    report = checked_report(
        solver=solver,
        status=status,
        stopped_by=stopped_by,
        objective=objective,
        bound=bound,
        size=size,
        seconds=time.perf_counter() - t0,
        time_limit=time_limit,
        mip_gap=mip_gap,
    )
    return LocationResult(
        model="p-median",
        open_sites=chosen.astype(int),
        assignment=assignment.astype(int),
        assigned_cost=assigned_cost,
        objective=value,
        report=report,
        parameters={
            "n_hubs": int(n_hubs),
            "must_open": [sids[j] for j in np.flatnonzero(forced).tolist()],
            "unavailable": [sids[j] for j in np.flatnonzero(~available).tolist()],
            "solver": solver,
            "time_limit": time_limit,
            "mip_gap": mip_gap,
            "max_minutes": max_minutes,
            **info,
        },
    )
