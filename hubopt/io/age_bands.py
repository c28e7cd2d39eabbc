"""Age bands: hubopt's standard bands, their column names, checks of a set of bands, and single years of age added
up into bands.

A band is labelled ``"LOW-HIGH"``, ``"LOW+"`` or, for one year of age, ``"AGE"``; its column in hubopt's frames is
:func:`band_column` of the label. A scenario may choose its own bands (:class:`AgeBands`, ``demand.age_bands``);
hubopt's standard bands are :data:`AGE_BANDS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from hubopt.errors import InputError

__all__ = [
    "AGE_BANDS",
    "STANDARD_BANDS",
    "AgeBands",
    "AgeRange",
    "age_columns",
    "ages_overlap",
    "band_column",
    "band_intervals",
    "format_ages",
    "missing_ages",
    "parse_band",
    "to_age_bands",
]


#: hubopt's standard age bands: label -> (youngest age, oldest age or None for "and over").
AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "0-64": (0, 64),
    "65-74": (65, 74),
    "75-84": (75, 84),
    "85+": (85, None),
}


_OUT_AGE_COLUMN = re.compile(r"^age_(\d+)(_plus)?$")
_BAND_LABEL = re.compile(r"^(\d+)(?:-(\d+)|(\+))?$")


AgeRange = tuple[int, int | None]


_LABEL_HINT = "write bands as 'LOW-HIGH' (e.g. '65-74'), 'LOW+' (e.g. '85+') or one age (e.g. '0')"


def _match_label(band: str) -> re.Match[str]:
    m = _BAND_LABEL.match(str(band).strip())
    if m is None:
        raise InputError(f"{band!r} is not an age band label", hint=_LABEL_HINT)
    return m


def parse_band(band: str) -> AgeRange:
    """The ages of a band label: ``"65-74"`` -> ``(65, 74)``, ``"85+"`` -> ``(85, None)``, ``"4"`` -> ``(4, 4)``.

    Parameters
    ----------
    band : str
        Band label.

    Returns
    -------
    (int, int or None)
        Youngest and oldest age (None: no upper limit).
    """
    m = _match_label(band)
    lo = int(m.group(1))
    if m.group(3):
        return lo, None
    hi = lo if m.group(2) is None else int(m.group(2))
    if hi < lo:
        raise InputError(
            f"age band {band!r} runs from {lo} down to {hi}, which is not a range of ages", hint=_LABEL_HINT
        )
    return lo, hi


def band_column(band: str) -> str:
    """Column name of an age band in hubopt's frames: ``"0-64"`` -> ``"pop_0_64"``, ``"85+"`` -> ``"pop_85_plus"``,
    ``"4"`` -> ``"pop_4"``.

    Parameters
    ----------
    band : str
        Band label: ``"LOW-HIGH"``, ``"LOW+"`` or ``"AGE"``.

    Returns
    -------
    str
    """
    m = _match_label(band)
    if m.group(3):
        return f"pop_{m.group(1)}_plus"
    return f"pop_{m.group(1)}_{m.group(2)}" if m.group(2) is not None else f"pop_{m.group(1)}"


def format_ages(ranges: Sequence[AgeRange]) -> str:
    """Readable list of age ranges, e.g. ``[(0, 64), (70, 70), (90, None)]`` -> ``"0-64, 70, 90+"``."""
    parts = []
    for lo, hi in ranges:
        parts.append(f"{lo}+" if hi is None else (str(lo) if hi == lo else f"{lo}-{hi}"))
    return ", ".join(parts)


def band_intervals(bands: Mapping[str, tuple[int, int | None]] = AGE_BANDS) -> list[tuple[str, int, int | None]]:
    """Check a set of age bands and return ``(label, youngest, oldest or None)`` for each, youngest first.

    The bands must cover every age from 0 upwards exactly once: no gaps, no overlaps, only the last open-ended.

    Parameters
    ----------
    bands : mapping of str to (int, int or None)
        Band label -> (youngest age, oldest age, or None for "and over").

    Returns
    -------
    list of (str, int, int or None)
    """
    hint = (
        "give bands that cover every age from 0 upwards once, the oldest open-ended, e.g. "
        "['0-4', '5-17', '18-64', '65-74', '75-84', '85+']"
    )
    if not bands:
        raise InputError("no age bands were given", hint=hint)
    out = []
    for label, limits in bands.items():
        try:
            lo, hi = limits
            lo = int(lo)
            hi = None if hi is None else int(hi)
        except (TypeError, ValueError):
            raise InputError(
                f"age band {label!r} should be (youngest, oldest or None), not {limits!r}", hint=hint
            ) from None
        if lo < 0 or (hi is not None and hi < lo):
            raise InputError(f"age band {label!r} runs from {lo} to {hi}, which is not a range of ages", hint=hint)
        band_column(label)  # the label must make a column name
        out.append((str(label), lo, hi))
    out.sort(key=lambda b: b[1])
    expected = 0
    for i, (label, lo, hi) in enumerate(out):
        if lo != expected:
            problem = (
                f"age(s) {format_ages([(expected, lo - 1)])} in no band"
                if lo > expected
                else f"age {lo} in two bands"
            )
            raise InputError(f"the age bands do not fit together before band {label!r}: {problem}", hint=hint)
        if hi is None:
            if i != len(out) - 1:
                raise InputError(f"only the oldest band can be open-ended, not {label!r}", hint=hint)
            break
        expected = hi + 1
    if out[-1][2] is not None:
        raise InputError(f"the oldest band {out[-1][0]!r} must be open-ended (e.g. '85+')", hint=hint)
    return out


def missing_ages(lo: int, hi: int | None, parts: Sequence[AgeRange]) -> list[AgeRange]:
    """The ages of ``[lo, hi]`` (``hi`` None: no upper limit) that none of ``parts`` covers.

    Parameters
    ----------
    lo, hi : int, int or None
        The range of ages.
    parts : sequence of (int, int or None)
        Age ranges that lie inside ``[lo, hi]``.

    Returns
    -------
    list of (int, int or None)
        The uncovered ranges, youngest first (empty when ``parts`` cover the range).
    """
    gaps: list[AgeRange] = []
    expected: int | None = lo
    for p_lo, p_hi in sorted(parts, key=lambda p: p[0]):
        if expected is None:
            break
        if p_lo > expected:
            gaps.append((expected, p_lo - 1))
        expected = None if p_hi is None else max(expected, p_hi + 1)
    if expected is not None and (hi is None or expected <= hi):
        gaps.append((expected, hi))
    return gaps


def ages_overlap(parts: Sequence[AgeRange]) -> bool:
    """Whether any two age ranges share an age."""
    ordered = sorted(parts, key=lambda p: p[0])
    return any(a_hi is None or a_hi >= b_lo for (_, a_hi), (b_lo, _) in pairwise(ordered))


def age_columns(table: pd.DataFrame) -> list[tuple[str, int, int | None]]:
    """``(column, youngest, oldest or None)`` of a table's single-year age columns (``age_0`` ... ``age_90_plus``,
    as :func:`~hubopt.io.population.read_sape_syoa` and a study's ``zone_ages.csv`` have them), youngest first.

    Raises
    ------
    InputError
        When the table has no age columns, or they do not cover every age from 0 upwards once.
    """
    return _syoa_age_columns(table)


def _syoa_age_columns(syoa: pd.DataFrame) -> list[tuple[str, int, int | None]]:
    """``(column, youngest, oldest or None)`` for the ``age_*`` columns of a table from
    :func:`~hubopt.io.population.read_sape_syoa`."""
    cols = []
    for col in syoa.columns:
        if m := _OUT_AGE_COLUMN.match(str(col)):
            age = int(m.group(1))
            cols.append((str(col), age, None if m.group(2) else age))
    if not cols:
        raise InputError(
            "the table has no age columns (age_0, age_1, ..., age_90_plus)",
            hint="pass the table returned by read_sape_syoa",
        )
    parts = [(lo, hi) for _, lo, hi in cols]
    missing = missing_ages(0, None, parts)
    if missing or ages_overlap(parts):
        raise InputError(
            "the age columns do not cover every age once"
            + (f" (ages {format_ages(missing)} are missing)" if missing else ""),
            hint="pass the table returned by read_sape_syoa",
        )
    return sorted(cols, key=lambda c: c[1])


def to_age_bands(syoa: pd.DataFrame, bands: Mapping[str, tuple[int, int | None]] = AGE_BANDS) -> pd.DataFrame:
    """Add up single years of age into age bands.

    Parameters
    ----------
    syoa : pandas.DataFrame
        Table from :func:`~hubopt.io.population.read_sape_syoa` (``lsoa_code``, ``lsoa_name``, ``all_ages``,
        ``age_*``).
    bands : mapping of str to (int, int or None)
        Age bands (see :func:`band_intervals`); hubopt's standard :data:`AGE_BANDS` by default.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code``, ``lsoa_name`` and one integer column per band (named by :func:`band_column`, e.g.
        ``pop_0_64``); the bands of each row add up to its ``all_ages``. ``attrs`` are copied from ``syoa``.
    """
    missing = [c for c in ("lsoa_code", "lsoa_name", "all_ages") if c not in syoa.columns]
    if missing:
        raise InputError(
            f"the table given to to_age_bands has no column {', '.join(repr(m) for m in missing)}",
            hint="pass the table returned by read_sape_syoa",
        )
    intervals = band_intervals(bands)
    age_cols = _syoa_age_columns(syoa)
    members: dict[str, list[str]] = {label: [] for label, _, _ in intervals}
    for col, a_lo, a_hi in age_cols:
        label, _, hi = next(b for b in intervals if b[1] <= a_lo and (b[2] is None or a_lo <= b[2]))
        if hi is not None and (a_hi is None or a_hi > hi):
            raise InputError(
                f"the age band {label!r} cannot be made from these data: their age group "
                f"{format_ages([(a_lo, a_hi)])} runs past the band's oldest age {hi}",
                hint=f"use bands whose open-ended oldest band starts at or below {a_lo}",
            )
        members[label].append(col)
    out: dict[str, object] = {
        "lsoa_code": syoa["lsoa_code"].to_numpy(),
        "lsoa_name": syoa["lsoa_name"].to_numpy(),
    }
    for label, cols in members.items():
        out[band_column(label)] = syoa[cols].to_numpy(dtype="int64").sum(axis=1)
    result = pd.DataFrame(out, index=syoa.index.copy())
    band_sum = result[[band_column(b[0]) for b in intervals]].sum(axis=1).to_numpy()
    bad = band_sum != syoa["all_ages"].to_numpy(dtype="int64")
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"for LSOA {syoa['lsoa_code'].iloc[pos]} the age bands add up to {band_sum[pos]} "
            f"but all_ages is {syoa['all_ages'].iloc[pos]}",
            hint="pass the table returned by read_sape_syoa, whose ages add up to all_ages",
        )
    result.attrs = {k: (dict(v) if isinstance(v, dict) else v) for k, v in syoa.attrs.items()}
    return result


@dataclass(frozen=True)
class AgeBands:
    """A set of age bands covering every age from 0 upwards once, youngest first.

    Build one with :meth:`of` (which checks the bands); :data:`STANDARD_BANDS` are hubopt's standard bands.

    Attributes
    ----------
    intervals : tuple of (str, int, int or None)
        ``(label, youngest, oldest or None)`` for each band, youngest first.
    """

    intervals: tuple[tuple[str, int, int | None], ...]

    @classmethod
    def of(cls, bands: Sequence[str] | Mapping[str, AgeRange], *, setting: str | None = None) -> AgeBands:
        """Check and order a set of bands, given as labels (``["0-4", "5-64", "65+"]``) or label -> ages.

        Parameters
        ----------
        bands : sequence of str, or mapping of str to (int, int or None)
            The bands.
        setting : str, optional
            The scenario setting that gave them, named in error messages.

        Returns
        -------
        AgeBands

        Raises
        ------
        InputError
            For a label that is not a band, a repeated label, two bands sharing an age, ages in no band, or an
            oldest band that is not open-ended.
        """
        if isinstance(bands, str) or not isinstance(bands, Sequence | Mapping):
            raise InputError(
                f"age bands must be a list of band labels, not {bands!r}",
                setting=setting,
                hint="e.g. ['0-4', '5-17', '18-64', '65-74', '75-84', '85+']",
            )
        try:
            if isinstance(bands, Mapping):
                ranges = dict(bands)
            else:
                labels = [str(b).strip() for b in bands]
                repeated = sorted({b for b in labels if labels.count(b) > 1})
                if repeated:
                    raise InputError(f"age band {repeated[0]!r} is listed twice", hint=_LABEL_HINT)
                ranges = {label: parse_band(label) for label in labels}
            columns = [band_column(label) for label in ranges]
            if len(set(columns)) < len(columns):
                raise InputError("two age bands name the same ages", hint=_LABEL_HINT)
            intervals = band_intervals(ranges)
        except InputError as err:
            if setting is None:
                raise
            raise InputError(err.problem, setting=setting, hint=err.hint) from None
        return cls(tuple(intervals))

    @property
    def labels(self) -> tuple[str, ...]:
        """Band labels, youngest first."""
        return tuple(label for label, _, _ in self.intervals)

    @property
    def columns(self) -> list[str]:
        """Column names of the bands (:func:`band_column`), youngest first."""
        return [band_column(label) for label in self.labels]

    @property
    def ranges(self) -> dict[str, AgeRange]:
        """Band label -> (youngest, oldest or None)."""
        return {label: (lo, hi) for label, lo, hi in self.intervals}

    @property
    def is_standard(self) -> bool:
        """Whether these are hubopt's standard bands (:data:`AGE_BANDS`)."""
        return self.ranges == AGE_BANDS

    def describe(self) -> str:
        """The bands as a readable list, e.g. ``"0-4, 5-64, 65+"``."""
        return ", ".join(self.labels)

    def column_of(self, label: str) -> str:
        """Column of one of these bands."""
        if label not in self.ranges:
            raise InputError(f"{label!r} is not one of the age bands {self.describe()}")
        return band_column(label)


#: hubopt's standard age bands as :class:`AgeBands`.
STANDARD_BANDS = AgeBands(tuple((label, lo, hi) for label, (lo, hi) in AGE_BANDS.items()))
