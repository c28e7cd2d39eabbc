"""Closed-form values of a set of open sites and of every single swap, with every zone served by its nearest open
site: demand-weighted minutes (p-median), demand within T (MCLP), demand beyond T (LSCP) or the longest journey
(p-center). The model's measure comes from its registry entry."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from hubopt.errors import InputError
from hubopt.locate import registry


def measure_of(model: str) -> str:
    """The registry's measure of ``model`` (demand-weighted travel for a name it does not know)."""
    entry = registry.find(model)
    return "travel" if entry is None else entry.measure


def set_travel(c: np.ndarray, w: np.ndarray, sites: Sequence[int]) -> float:
    """Demand-weighted time to the nearest of ``sites`` (inf when a zone with demand reaches none)."""
    near = c[:, list(sites)].min(axis=1)
    if (~np.isfinite(near) & (w > 0)).any():
        return math.inf
    return float(np.dot(w, np.where(np.isfinite(near), near, 0.0)))


def set_value(
    cost: np.ndarray, weights: np.ndarray, sites: Sequence[int], model: str, max_minutes: float | None = None
) -> float:
    """The value of one set of open sites in the measure :func:`evaluate_swaps` uses for ``model``.

    p-median: demand-weighted minutes to the nearest site; MCLP: demand within ``max_minutes`` of one; LSCP: demand
    beyond ``max_minutes`` of every one; p-center: the longest time to the nearest site among zones with demand.
    """
    c = np.asarray(cost, dtype=float)
    w = np.asarray(weights, dtype=float)
    near = c[:, list(sites)].min(axis=1)
    kind = measure_of(model)
    if kind in ("covered", "cover all"):
        hit = near <= float(need_minutes(model, max_minutes))
        return float(w[hit].sum()) if kind == "covered" else float(w[~hit].sum())
    if kind == "radius":
        return float(near[w > 0].max())
    return set_travel(c, w, sites)


def need_minutes(model: str, max_minutes: float | None) -> float:
    if max_minutes is None:
        raise InputError(f"the {model} model needs the travel-time standard (max_minutes)")
    return float(max_minutes)


def swap_values(cost: np.ndarray, weights: np.ndarray, open_sites: Sequence[int]) -> np.ndarray:
    """p-median objective of every single swap with the other open sites fixed.

    Returns an array of shape (len(open_sites), n_sites): entry [k, a] is the demand-weighted time when the k-th
    open site closes and site ``a`` opens instead (zones to their nearest open site). Entries for ``a`` already
    open are the objective with site k closed and nothing added.
    """
    c = np.asarray(cost, dtype=float)
    w = np.asarray(weights, dtype=float)
    out = np.empty((len(open_sites), c.shape[1]))
    for k, base in _nearest_without(c, open_sites):
        trial = np.minimum(base[:, None], c)
        with np.errstate(invalid="ignore"):
            out[k] = np.where(np.isfinite(trial), trial * w[:, None], np.where(w[:, None] > 0, np.inf, 0.0)).sum(0)
    return out


def _nearest_without(c: np.ndarray, open_sites: Sequence[int]) -> Iterator[tuple[int, np.ndarray]]:
    """For the k-th open site (ascending), each zone's time to the nearest of the other open sites."""
    s = np.asarray(sorted(int(j) for j in open_sites), dtype=int)
    sub = c[:, s]
    order = np.argsort(sub, axis=1)
    rows = np.arange(c.shape[0])
    first = sub[rows, order[:, 0]]
    second = sub[rows, order[:, 1]] if len(s) > 1 else np.full(c.shape[0], np.inf)
    for k in range(len(s)):
        yield k, np.where(order[:, 0] == k, second, first)


def evaluate_swaps(
    cost: np.ndarray,
    weights: np.ndarray,
    open_sites: Sequence[int],
    model: str = "p-median",
    max_minutes: float | None = None,
) -> np.ndarray:
    """Every single swap's value with the other open sites fixed, in ``model``'s measure (see :func:`set_value`).

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes); ``inf`` where a site cannot be reached (or may not be used).
    weights : numpy.ndarray, shape (n_zones,)
        Demand.
    open_sites : sequence of int
        The chosen sites.
    model : {"p-median", "mclp", "lscp", "p-center"}
        p-median: demand-weighted minutes (as :func:`swap_values`); MCLP: demand within ``max_minutes``; LSCP:
        demand beyond ``max_minutes`` (pass ones as ``weights`` to count zones); p-center: the longest time to the
        nearest open site among zones with demand.
    max_minutes : float, optional
        The coverage standard T (MCLP and LSCP).

    Returns
    -------
    numpy.ndarray, shape (len(open_sites), n_sites)
        Entry [k, a]: the value when the k-th open site (ascending) closes and site ``a`` opens instead; for ``a``
        already open, the value with site k closed and nothing added.
    """
    c = np.asarray(cost, dtype=float)
    w = np.asarray(weights, dtype=float)
    entry = registry.find(model)
    kind = None if entry is None else entry.measure
    if kind == "travel":
        return swap_values(c, w, open_sites)
    s = sorted(int(j) for j in open_sites)
    out = np.empty((len(s), c.shape[1]))
    if kind in ("covered", "cover all"):
        within = c <= need_minutes(model, max_minutes)  # inf is never within
        count = within[:, s].sum(axis=1)
        for k, j in enumerate(s):
            hit = ((count - within[:, j]) > 0)[:, None] | within
            out[k] = w @ hit if kind == "covered" else w @ ~hit
        return out
    if kind == "radius":
        pos = w > 0
        if not pos.any():
            raise InputError("no zone has any demand, so the p-center measure is undefined")
        for k, base in _nearest_without(c[pos], s):
            out[k] = np.minimum(base[:, None], c[pos]).max(axis=0)
        return out
    raise InputError(f"no closed-form swap values for the {model!r} model")
