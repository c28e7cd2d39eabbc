"""Lagrangian branch-and-bound for the p-median: closes the gap left by the LP bound without a MIP.

After the LP bound and reduced-cost fixing (:mod:`hubopt.locate.median`), instances with few hubs among many sites
are left with a gap between the LP bound and the incumbent of up to 1 % and a hundred or more candidate sites. A
MIP over the remaining pairs closes it with an LP at every node, which for 800 zones and 300 sites takes longer
than half an hour (OR-Library pmed36). Here every node costs a few subgradient steps instead (the Lagrangian tree
search of Beasley 1993, "Lagrangean heuristics for location problems"):

- A node is the set of solutions that open the sites ``chosen`` (besides the must-open sites) and their other sites
  from ``candidates``. Every solution better than the incumbent lies in one of the nodes still to be explored.
- Its bound: for any multipliers ``u``, ``sum_i u[i] + sum_{j open} rho[j](u)`` is a lower bound on each solution
  of the node (see :mod:`hubopt.locate.lagrangian`); the node takes the best of its ancestors'
  multipliers (free: one pass over the sites) and, when that does not settle it, raises its own bound by
  subgradient steps from its parent's multipliers.
- The penalty test at the node leaves out candidates that cannot be part of a better solution of the node.
- Branching: the candidate the relaxation most wants (smallest ``rho``) is opened in one child and left out in the
  other, so the children split the node's solutions without overlap. A node whose sites are all chosen is one
  solution, evaluated exactly (each zone to its nearest open site).

When no node is left, the incumbent (or the best solution the search found) is optimal. Stopped by a deadline, the
search returns the smallest bound of the nodes left: a valid lower bound on the optimum.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hubopt.locate import _clock
from hubopt.locate.lagrangian import lagrangian_bound, proves, relaxation
from hubopt.locate.pairs import Pairs, subset_pairs

#: Subgradient iterations at a node the ancestors' multipliers did not settle.
NODE_ITERATIONS = 60


@dataclass
class TreeOutcome:
    """What the search proved.

    Attributes
    ----------
    value : float
        Cost of the best solution known (the incumbent's unless the search found a better one).
    is_open : numpy.ndarray of bool or None
        That solution's open sites when the search found it; None when the incumbent stands.
    bound : float
        A lower bound on the optimum: ``value`` itself when the search finished (the solution is optimal, within
        the gap asked for), otherwise the smallest bound of the nodes left.
    finished : bool
        Whether every node was settled.
    nodes : int
        Nodes explored.
    seconds : float
        Time spent.
    """

    value: float
    is_open: np.ndarray | None
    bound: float
    finished: bool
    nodes: int
    seconds: float


@dataclass
class _Node:
    chosen: np.ndarray  # free sites opened on the way down
    candidates: np.ndarray  # free sites the node's solutions may still open
    bound: float  # a lower bound on every solution of the node (its parent's)
    u: np.ndarray  # the parent's multipliers: where this node's subgradient starts
    bank: list[tuple[float, np.ndarray]]  # (sum of u, rho) of the multipliers met on the way down


def settle_node(
    entry: tuple[float, np.ndarray], base_sites: np.ndarray, candidates: np.ndarray, need: int, target: float
) -> tuple[float, np.ndarray]:
    """Bound of a node at one set of multipliers, and its candidates without those the penalty test rules out."""
    u_sum, rho = entry
    value = u_sum + float(rho[base_sites].sum())
    if need == 0:
        return value, candidates
    if candidates.size < need:
        return math.inf, candidates
    rc = rho[candidates]
    smallest = np.partition(rc, need - 1)[:need]
    value += float(smallest.sum())
    if value >= target:
        return value, candidates[:0]
    last = float(smallest.max())
    # Opening c instead of the dearest site the relaxation chose costs at least rho[c] - last more.
    return value, candidates[value + np.maximum(rc - last, 0.0) < target]


def search(
    pairs: Pairs,
    w: np.ndarray,
    u_root: np.ndarray,
    n_hubs: int,
    must_open: np.ndarray,
    allowed: np.ndarray,
    upper: float,
    evaluate: Callable[[np.ndarray], float],
    *,
    mip_gap: float = 0.0,
    deadline: float | None = None,
    iterations: int = NODE_ITERATIONS,
) -> TreeOutcome:
    """Find a solution cheaper than ``upper``, or prove that there is none (within ``mip_gap``).

    Parameters
    ----------
    pairs : Pairs
        Pairs every solution better than ``upper`` uses (those left by reduced-cost fixing).
    w : numpy.ndarray
        Demand of each zone.
    u_root : numpy.ndarray
        Starting multipliers, one per zone (the LP duals of the assignment rows).
    n_hubs : int
        Number of sites to open.
    must_open, allowed : numpy.ndarray of bool, shape (n_sites,)
        Sites every solution opens; sites a solution may open.
    upper : float
        The incumbent's cost.
    evaluate : callable
        Exact cost of a solution (an open-site mask), ``inf`` when some zone has no open site it can reach.
    mip_gap : float
        Relative gap: nodes whose bound is within it of the best cost are settled.
    deadline : float, optional
        :func:`hubopt.locate._clock.now` value at which to stop.
    iterations : int
        Subgradient iterations at a node.

    Returns
    -------
    TreeOutcome
    """
    t0 = time.perf_counter()
    must = np.flatnonzero(must_open)
    need_all = n_hubs - must.size
    work = subset_pairs(pairs, allowed[pairs.cols])
    best_value, best_open = upper, None
    target = proves(best_value, mip_gap)
    free = np.flatnonzero(allowed & ~must_open)
    stack: list[_Node] = []
    if need_all >= 0:
        _v, rho, _last = relaxation(work, w, u_root, n_hubs, must_open, allowed)
        root_entry = (float(u_root.sum()), rho)
        stack.append(_Node(free[:0], free, -math.inf, np.asarray(u_root, dtype=float), [root_entry]))
    nodes = 0
    while stack:
        if deadline is not None and _clock.now() > deadline:
            bound = min(best_value, min(node.bound for node in stack))
            return TreeOutcome(best_value, best_open, bound, False, nodes, time.perf_counter() - t0)
        node = stack.pop()
        nodes += 1
        need = need_all - node.chosen.size
        base_sites = np.concatenate([must, node.chosen])
        candidates = node.candidates
        if candidates.size < need:
            continue
        if need == 0 or candidates.size == need:
            is_open = np.zeros(pairs.n_sites, dtype=bool)
            is_open[base_sites] = True
            if need:
                is_open[candidates] = True
            value = evaluate(is_open)
            if value < best_value:
                best_value, best_open, target = value, is_open, proves(value, mip_gap)
            continue
        # The multipliers met on the way down: often enough to settle the node without a subgradient step.
        bound = node.bound
        for entry in node.bank:
            value, candidates = settle_node(entry, base_sites, candidates, need, target)
            bound = max(bound, value)
            if bound >= target or candidates.size < need:
                break
        if bound >= target or candidates.size < need:
            continue
        fixed = np.zeros(pairs.n_sites, dtype=bool)
        fixed[base_sites] = True
        within = fixed.copy()
        within[candidates] = True
        value, u = lagrangian_bound(work, w, node.u, n_hubs, fixed, within, best_value, max_iterations=iterations)
        bound = max(bound, value)
        if bound >= target:
            continue
        _v, rho, _last = relaxation(work, w, u, n_hubs, fixed, within)
        entry = (float(u.sum()), rho)
        value, candidates = settle_node(entry, base_sites, candidates, need, target)
        bound = max(bound, value)
        if bound >= target or candidates.size < need:
            continue
        # Branch on the candidate the relaxation most wants: left out (explored last), then opened (first).
        pick = candidates[int(np.argmin(rho[candidates]))]
        rest = candidates[candidates != pick]
        bank = [*node.bank, entry]
        stack.append(_Node(node.chosen, rest, bound, u, bank))
        stack.append(_Node(np.append(node.chosen, pick), rest, bound, u, bank))
    # Every solution of every node costs at least ``target``: the best known is optimal (within the gap).
    bound = best_value if mip_gap == 0 else min(best_value, target)
    return TreeOutcome(best_value, best_open, bound, True, nodes, time.perf_counter() - t0)
