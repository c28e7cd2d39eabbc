"""The p-median's LP relaxation by pricing (the bound and reduced costs of steps 3 and 5 of
:mod:`hubopt.locate.median`) and its MIP over a set of pairs, by HiGHS (highspy) or CBC (PuLP)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pulp
from scipy import sparse

from hubopt.locate import _clock
from hubopt.locate._highs import HighsModel, HighsOptionValue, HighsOutcome, run_highs
from hubopt.locate.pairs import Pairs, nearest_open, subset_pairs
from hubopt.locate.solve import solve

#: HiGHS options for the MIP (the incumbent from interchange is usually optimal: little effort on heuristics).
MIP_OPTIONS: dict[str, HighsOptionValue] = {"mip_heuristic_effort": 0.0}

#: The first LP holds each zone's FIRST_PAIRS * sites / N nearest pairs (and those as near as the greedy's site).
FIRST_PAIRS = 1.5

#: Partial pricing: pairs added per zone and LP round (the nearest of those with negative reduced cost).
ENTERING_PER_ZONE = 30


def full_model(
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
class LpBound:
    """The LP relaxation's bound over all candidate pairs, with the reduced costs that fix pairs and sites."""

    lower: float
    u: np.ndarray  # dual of each zone's assignment row
    pair_rc: np.ndarray  # reduced cost of every candidate pair
    site_rc: np.ndarray  # reduced cost of every site (inf for unavailable)
    lp_open: np.ndarray  # LP value of each site's open variable
    rounds: int
    lp_pairs: int


def lp_bound(
    pairs: Pairs,
    w: np.ndarray,
    n_hubs: int,
    forced: np.ndarray,
    available: np.ndarray,
    start_open: np.ndarray,
    deadline: float | None,
) -> LpBound | HighsOutcome:
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
    model = HighsModel(*full_model(subset_pairs(pairs, in_lp), w, sites, n_hubs, forced))
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
            return LpBound(float(out.objective or 0.0), u, pair_rc, site_rc, lp_open, rounds, order.size)
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


def round_lp(lp_open: np.ndarray, n_hubs: int, forced: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Open the must-open sites and then the available ones of largest LP value, ``n_hubs`` in all."""
    score = np.where(available, lp_open, -np.inf) + np.where(forced, 10.0, 0.0)
    top = np.argsort(-score, kind="stable")[:n_hubs]
    is_open = np.zeros(lp_open.size, dtype=bool)
    is_open[top] = True
    return is_open


@dataclass
class MipOutcome:
    """What a MIP over a set of pairs ended with (status, the open sites found, objective, bound and size)."""

    status: str
    stopped_by: str | None
    is_open: np.ndarray | None
    objective: float | None
    bound: float | None
    n_variables: int
    n_integer: int
    n_constraints: int


def solve_mip(
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
) -> MipOutcome:
    """Solve the p-median MIP over ``pairs`` and ``sites`` with ``solver``, started from ``start_open``."""
    ms, k = sites.size, pairs.size
    n_cons = pairs.n_zones + k + 1
    if solver == "highs":
        cost, a, cl, cu, rl, ru = full_model(pairs, w, sites, n_hubs, forced)
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
        return MipOutcome(out.status, out.stopped_by, is_open, out.objective, out.bound, ms + k, ms, n_cons)

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
    return MipOutcome(
        report.status,
        report.stopped_by,
        is_open,
        report.objective,
        report.bound,
        report.n_variables,
        report.n_integer_variables,
        report.n_constraints,
    )
