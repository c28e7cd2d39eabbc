"""Registration share: the part of a district's residents registered with the study area's GP practices.

Services planned by a commissioner serve its *registered* population. Where a district's residents register partly
with practices outside the area, its zones count only that share. In West Kent only 59.4 % of Sevenoaks residents
are registered with West Kent practices (Swanley registers with Dartford, Gravesham and Swanley): NHS West Kent
CCG, *Local Care Plan* v1.5 (31 July 2017). The West Kent study records it in ``study.yaml`` as
``registration_share: {E07000111: 0.594}``.

The share is applied uniformly to every zone and age band of the district: a simplification (in Sevenoaks the
residents registered elsewhere live mostly around Swanley, in the north of the district), stated in the note.
Shares by zone or group of zones (:mod:`hubopt.demand.zone_shares`, ``demand.registration_share: {file: ...}``)
replace the district's share for the zones they list; the other zones keep their district's share.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from hubopt.errors import InputError
from hubopt.io.age_bands import STANDARD_BANDS, AgeBands

__all__ = ["REGISTRATION_COLUMN", "apply_registration_share"]

#: Column added to the population table: the share applied to each zone (1.0 where the district is not listed).
REGISTRATION_COLUMN = "registration_share"

_SETTING = "registration_share"


def apply_registration_share(
    population_by_zone: pd.DataFrame,
    shares: Mapping[str, float],
    *,
    setting: str = _SETTING,
    zone_shares: Mapping[str, float] | None = None,
    bands: AgeBands = STANDARD_BANDS,
) -> pd.DataFrame:
    """Scale each zone's population by its district's registration share.

    ``new pop[z, b] = pop[z, b] × share[district(z)]`` for every age band ``b``; districts not in ``shares`` keep
    1.0 (all residents counted).

    Parameters
    ----------
    population_by_zone : pandas.DataFrame
        ``district_code`` and the band columns (``pop_0_64`` ...), e.g. from
        :func:`hubopt.demand.projection.zone_population`. Not changed.
    shares : mapping of str to float
        District code to the share of its residents registered with the area's practices, each in (0, 1].
    setting : str
        The scenario setting the shares come from, for messages.
    zone_shares : mapping of str to float, optional
        Zone ID to share (checked by :func:`hubopt.demand.zone_shares.read_zone_shares`): replaces the district's
        share for each zone listed; zones not listed keep their district's share (1.0 where none).
    bands : AgeBands
        The age bands of the table (hubopt's standard bands by default).

    Returns
    -------
    pandas.DataFrame
        A copy with the band columns (and ``population``, when present) scaled, and a column
        ``registration_share`` (the share applied to each zone). ``attrs["registration_note"]`` says which
        districts were scaled, by how much, and which kept 1.0.

    Raises
    ------
    InputError
        For a share that is not a number in (0, 1], a district code that is not in the table (all named), a table
        without the needed columns, or a table that already has a ``registration_share`` column (shares applied
        twice).
    """
    if not isinstance(shares, Mapping):
        raise InputError("the registration shares must be a mapping of district code to share", setting=setting)
    cols = bands.columns
    missing = [c for c in ["district_code", *cols] if c not in population_by_zone.columns]
    if missing:
        raise InputError(f"the zone population table has no column {', '.join(map(repr, missing))}")
    if REGISTRATION_COLUMN in population_by_zone.columns:
        raise InputError(
            "registration shares have already been applied to this population table",
            setting=setting,
            hint="apply them once, to the population before any other scaling that depends on it",
        )
    clean: dict[str, float] = {}
    for code, value in shares.items():
        key = str(code).strip()
        try:
            share = float(value)
        except (TypeError, ValueError):
            raise InputError(
                f"the registration share of {key} is not a number: {value!r}", setting=f"{setting}.{key}"
            ) from None
        if not math.isfinite(share) or not 0 < share <= 1:
            raise InputError(
                f"the registration share of {key} must be above 0 and at most 1, not {value!r}",
                setting=f"{setting}.{key}",
                hint="give the share as a fraction (59.4 % is 0.594)",
            )
        clean[key] = share
    present = pd.unique(population_by_zone["district_code"].astype(str))
    unknown = sorted(set(clean) - set(present))
    if unknown:
        raise InputError(
            f"registration shares name district code(s) not in the study: {', '.join(unknown)}",
            setting=setting,
            hint=f"use the districts' ONS codes: {', '.join(sorted(present))}",
        )
    out = population_by_zone.copy()
    factor = out["district_code"].astype(str).map(clean).fillna(1.0).astype(float)
    by_zone = pd.Series({} if zone_shares is None else dict(zone_shares), dtype=float)
    if len(by_zone):
        listed = out["zone_id"].astype(str).map(by_zone)
        factor = listed.fillna(factor).astype(float)
    for col in cols:
        out[col] = out[col].to_numpy(dtype=float) * factor.to_numpy()
    if "population" in out.columns:
        out["population"] = out[cols].sum(axis=1)
    out[REGISTRATION_COLUMN] = factor.to_numpy()
    scaled = "; ".join(f"{code} × {share:g}" for code, share in sorted(clean.items())) or "none"
    kept = sorted(set(present) - set(clean))
    note = f"registration shares applied to every zone and age band of: {scaled}"
    if kept:
        note += f"; district(s) {', '.join(kept)} not listed, so kept at 1.0 (all residents counted)"
    if len(by_zone):
        note += (
            f"; {int(listed.notna().sum())} zone(s) given their own share instead (by zone file), the others keep "
            "their district's share"
        )
    out.attrs["registration_note"] = note
    return out
