"""The zones' single years of age (``zone_ages.csv``) of a built study, consistent with their age bands.

A study on the population file's own LSOAs keeps the file's whole counts. Zones whose people were converted
between LSOA geographies (a population table on LSOA 2021 converted to LSOA 2011 zones, or ``--zones 2021``) hold
fractions: each zone's age band (written to 3 decimals) is shared among the band's single years in proportion to
the converted single years, in thousandths of a person, by largest remainder, so that the single years of every
zone add up exactly to its bands in zones.csv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io.age_bands import AGE_BANDS, band_column
from hubopt.io.zone_ages import age_column_ranges

__all__ = ["apportion_ages", "syoa_age_columns"]


def syoa_age_columns(table: pd.DataFrame) -> list[str]:
    """The age columns (``age_0`` ... ``age_90_plus``) of a table from
    :func:`hubopt.io.population.read_sape_syoa`, youngest first."""
    return [col for col, _, _ in age_column_ranges([c for c in table.columns if str(c).startswith("age_")])]


def _largest_remainder(total_milli: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Share each row's ``total_milli`` (whole thousandths) among its columns in proportion to ``weights`` (equal
    shares where a row's weights are all 0), in whole thousandths adding up exactly to the total."""
    w = np.where(weights.sum(axis=1, keepdims=True) > 0, weights, 1.0)
    raw = total_milli[:, None] * w / w.sum(axis=1, keepdims=True)
    floor = np.floor(raw)
    short = np.clip(total_milli - floor.sum(axis=1), 0, w.shape[1]).astype(np.int64)
    order = np.argsort(-(raw - floor), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(w.shape[1])[None, :].repeat(len(w), axis=0), axis=1)
    return floor + (rank < short[:, None])


def apportion_ages(bands: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Share each row's standard age bands among their single years, in proportion to ``weights``.

    Parameters
    ----------
    bands : pandas.DataFrame
        The standard band columns (``pop_0_64`` ... ``pop_85_plus``), figures of 3 decimals at most.
    weights : pandas.DataFrame
        The age columns (``age_0`` ... ``age_90_plus``), zero or more, rows as in ``bands``.

    Returns
    -------
    pandas.DataFrame
        The age columns (float, 3 decimals at most) with ``bands``' index; in each row the single years of a band
        add up to the band exactly (in thousandths).
    """
    ages = age_column_ranges(list(weights.columns))
    out = np.zeros((len(bands), len(ages)))
    for label, (lo, hi) in AGE_BANDS.items():
        idx = [
            i
            for i, (_, a_lo, a_hi) in enumerate(ages)
            if a_lo >= lo and (hi is None or (a_hi is not None and a_hi <= hi))
        ]
        if not idx:
            raise InputError(f"no single year of age lies in the band {label}")
        milli = np.round(bands[band_column(label)].to_numpy(dtype=float) * 1000.0)
        share = weights.iloc[:, idx].to_numpy(dtype=float).clip(min=0.0)
        out[:, idx] = _largest_remainder(milli, share)
    return pd.DataFrame(out / 1000.0, columns=[c for c, _, _ in ages], index=bands.index)
