"""The finest age groups a population projections file can give: the groups a study's projections are kept in.

An ONS subnational projections file gives each area's population in age groups (single years, ranges, an
open-ended oldest group) and usually an "All ages" total. The finest groups it can give are its smallest groups
(those holding no other group) plus, where those leave ages out (the shared files keep only ages 65 and over), one
group of the missing ages derived as "All ages" minus the others. Every age in one group then shares one growth
figure, since the file says nothing finer about them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from hubopt.errors import InputError
from hubopt.io.age_bands import AgeBands, AgeRange, ages_overlap, format_ages, missing_ages
from hubopt.io.forecasts import ALL_AGES, parse_age_group

__all__ = ["FinestGroups", "describe_groups", "finest_age_groups"]


@dataclass(frozen=True)
class FinestGroups:
    """The finest age groups that every area of a projections file can give.

    Attributes
    ----------
    bands : AgeBands
        The groups, youngest first, covering every age from 0 upwards once.
    derived : tuple of str
        The groups made (in some area) as "All ages" minus the others, because the file has no rows for their ages.
    """

    bands: AgeBands
    derived: tuple[str, ...]

    def note(self) -> str:
        """What the groups are and why ages share a growth figure, for a study's build report."""
        text = "projections.csv holds the projections in the finest age groups the projections file gives: " + (
            describe_groups(self.bands)
        )
        if self.derived:
            text += f" ({' and '.join(self.derived)} as All ages minus the other groups)"
        wide = [label for label, lo, hi in self.bands.intervals if hi != lo]
        if wide:
            text += (
                f". The ages within one group ({', '.join(wide)}) share one growth figure, because the file gives no "
                "finer split of them"
            )
        return text + "."


def _contains(outer: AgeRange, inner: AgeRange) -> bool:
    lo, hi = outer
    i_lo, i_hi = inner
    return lo <= i_lo and (hi is None or (i_hi is not None and i_hi <= hi))


def _label(lo: int, hi: int | None) -> str:
    return f"{lo}+" if hi is None else (str(lo) if hi == lo else f"{lo}-{hi}")


def _area_groups(where: str, labels: Sequence[str], source: str | None) -> tuple[list[AgeRange], AgeRange | None]:
    """One area's finest groups and the group derived from its total (None when none is)."""
    ranges: dict[AgeRange, str] = {}
    has_total = False
    for label in labels:
        parsed = parse_age_group(label)
        if parsed is None:
            raise InputError(f"{label!r} is not an age group ({where})", path=source)
        if parsed[0] == ALL_AGES:
            has_total = True
        else:
            ranges[(parsed[1], parsed[2])] = parsed[0]
    smallest = [r for r in ranges if not any(o != r and _contains(r, o) for o in ranges)]
    if ages_overlap(smallest):
        shown = ", ".join(ranges[r] for r in sorted(smallest, key=lambda r: r[0]))
        raise InputError(
            f"the age groups of {where} overlap without one holding the other ({shown})",
            path=source,
            hint="use the projections file as published: single years of age, or ranges that do not overlap",
        )
    gaps = missing_ages(0, None, smallest)
    if not gaps:
        return sorted(smallest, key=lambda r: r[0]), None
    if not has_total:
        raise InputError(
            f"{where} has no projection for ages {format_ages(gaps)} and no 'All ages' row to derive them from",
            path=source,
            hint="use a projections file with every age (or an 'All ages' row) for this area",
        )
    span: AgeRange = (gaps[0][0], gaps[-1][1])
    kept = [r for r in smallest if not _contains(span, r)]
    return sorted([*kept, span], key=lambda r: r[0]), span


def finest_age_groups(snpp: pd.DataFrame) -> FinestGroups:
    """The finest age groups every area of a projections table can give (see the module's notes).

    Where areas differ, the groups are the finest that each area's groups add up to (the common boundaries).

    Parameters
    ----------
    snpp : pandas.DataFrame
        Long table from :func:`hubopt.io.forecasts.read_snpp` (``area_code``, ``area_name``, ``age_group``, ...).

    Returns
    -------
    FinestGroups

    Raises
    ------
    InputError
        When the table has no rows, an age group cannot be read, an area's smallest groups overlap, or an area
        lacks ages and has no "All ages" row to derive them from.
    """
    if snpp.empty:
        raise InputError("the projections table has no rows", path=snpp.attrs.get("source"))
    source_of = snpp.attrs.get("sources") or {}
    starts: set[int] | None = None
    derived: list[AgeRange] = []
    for code, area in snpp.groupby("area_code", sort=False):
        name = str(area["area_name"].iloc[0])
        where = f"area {code} ({name})" if name else f"area {code}"
        source = source_of.get(code, snpp.attrs.get("source"))
        groups, span = _area_groups(where, list(dict.fromkeys(area["age_group"].astype(str))), source)
        area_starts = {lo for lo, _ in groups}
        starts = area_starts if starts is None else starts & area_starts
        if span is not None:
            derived.append(span)
    assert starts is not None
    ordered = sorted(starts)
    ranges = [(lo, nxt - 1) for lo, nxt in pairwise(ordered)] + [(ordered[-1], None)]
    bands = AgeBands.of([_label(lo, hi) for lo, hi in ranges])
    made = [_label(lo, hi) for lo, hi in ranges if any(_contains((lo, hi), d) for d in derived)]
    return FinestGroups(bands=bands, derived=tuple(made))


def describe_groups(bands: AgeBands) -> str:
    """A set of age groups in few words: runs of single years are shortened, e.g. ``"0-64, 65 to 89 (single
    years), 90+"``."""
    parts: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if len(run) >= 3:
            parts.append(f"{run[0]} to {run[-1]} (single years)")
        else:
            parts.extend(str(age) for age in run)
        run.clear()

    for label, lo, hi in bands.intervals:
        if hi == lo:
            run.append(lo)
            continue
        flush()
        parts.append(label)
    flush()
    return ", ".join(parts)
