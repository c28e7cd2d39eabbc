"""The question the workbench answers: how many hubs, which model, travel mode and year, and which sites are forced
open or ruled out. A :class:`Question` is a small frozen value, so it can be a cache key, a URL and a pinned option.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from hubopt.errors import InputError, quote

__all__ = ["SITE_STATES", "WORKBENCH_MODELS", "Question"]

#: The states a candidate site can be put in: the model may choose it, must open it, or may not use it.
SITE_STATES: tuple[str, ...] = ("free", "must_open", "unavailable")

#: The location models the workbench offers (names of :mod:`hubopt.locate.registry`).
WORKBENCH_MODELS: tuple[str, ...] = ("p-median", "mclp", "p-center", "capacitated")

#: URL query keys and the :class:`Question` field each holds.
_QUERY_KEYS: dict[str, str] = {
    "hubs": "hubs",
    "model": "model",
    "mode": "mode",
    "year": "year",
    "minutes": "max_minutes",
    "min_pop": "min_population",
    "max_pop": "max_population",
    "must": "must_open",
    "unavailable": "unavailable",
}


def _ids(values: Iterable[str]) -> tuple[str, ...]:
    """Site IDs as a sorted tuple without duplicates or blanks."""
    return tuple(sorted({str(v).strip() for v in values if str(v).strip()}))


@dataclass(frozen=True)
class Question:
    """One question for the optimiser.

    Attributes
    ----------
    hubs : int
        How many hubs.
    model : str
        One of :data:`WORKBENCH_MODELS`.
    mode : str
        A travel mode name of the scenario (``"drive"``, ...).
    year : int
        The demand year (a year the study's projections cover).
    max_minutes : float or None
        The travel-time standard of the MCLP (its other models ignore it).
    min_population, max_population : float or None
        The people each hub serves at least / at most (the capacitated model only).
    must_open, unavailable : tuple of str
        Site IDs, sorted: the full sets (the scenario's and the site register's defaults included).
    """

    hubs: int
    model: str = "p-median"
    mode: str = ""
    year: int = 0
    max_minutes: float | None = None
    min_population: float | None = None
    max_population: float | None = None
    must_open: tuple[str, ...] = field(default=())
    unavailable: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "must_open", _ids(self.must_open))
        object.__setattr__(self, "unavailable", _ids(self.unavailable))

    def to_query(self) -> str:
        """The question as a URL query string, e.g. ``"hubs=5&model=p-median&mode=drive&year=2030&must=RYYD9"``.

        Settings a model does not use (the MCLP minutes of a p-median question) are left out.

        Returns
        -------
        str
        """
        pairs: list[tuple[str, str]] = [
            ("hubs", str(self.hubs)),
            ("model", self.model),
            ("mode", self.mode),
            ("year", str(self.year)),
        ]
        for key, value in (
            ("minutes", self.max_minutes),
            ("min_pop", self.min_population),
            ("max_pop", self.max_population),
        ):
            if value is not None:
                pairs.append((key, f"{value:g}"))
        pairs.append(("must", ",".join(self.must_open)))
        pairs.append(("unavailable", ",".join(self.unavailable)))
        return urlencode(pairs, safe=",")

    @classmethod
    def from_query(cls, text: str, default: Question, *, site_ids: Collection[str] | None = None) -> Question:
        """The question a URL query string holds; keys it lacks come from ``default``.

        Parameters
        ----------
        text : str
            A query string as :meth:`to_query` writes it (a leading ``?`` is allowed).
        default : Question
            Where missing keys come from.
        site_ids : collection of str, optional
            The candidate sites' IDs; when given, an unknown ID is refused here.

        Returns
        -------
        Question

        Raises
        ------
        InputError
            On an unknown key, a value that is not a number where one is needed, or an unknown site ID.
        """
        values: dict[str, Any] = {}
        for key, value in parse_qsl(text.lstrip("?"), keep_blank_values=True):
            if key not in _QUERY_KEYS:
                raise InputError(
                    f"the link holds an unknown setting {quote(key)}",
                    hint=f"use only: {', '.join(_QUERY_KEYS)}",
                )
            name = _QUERY_KEYS[key]
            values[name] = _query_value(key, name, value)
        for name in ("must_open", "unavailable"):
            unknown = [s for s in values.get(name, ()) if site_ids is not None and s not in site_ids]
            if unknown:
                raise InputError(
                    f"the link names unknown site ID(s): {', '.join(unknown)}",
                    hint="use site IDs of the site register (the site_id column of sites.csv)",
                )
        return replace(default, **values)

    def with_site_state(self, site_id: str, state: str) -> Question:
        """This question with one site set to ``state`` (one of :data:`SITE_STATES`).

        Raises
        ------
        InputError
            On an unknown state.
        """
        if state not in SITE_STATES:
            raise InputError(f"unknown site state {quote(state)}", hint=f"use one of: {', '.join(SITE_STATES)}")
        sid = str(site_id)
        must = set(self.must_open) - {sid}
        unavailable = set(self.unavailable) - {sid}
        if state == "must_open":
            must.add(sid)
        elif state == "unavailable":
            unavailable.add(sid)
        return replace(self, must_open=tuple(must), unavailable=tuple(unavailable))

    def site_state(self, site_id: str) -> str:
        """``"must_open"``, ``"unavailable"`` or ``"free"`` (a site in both lists reads as must_open)."""
        sid = str(site_id)
        if sid in self.must_open:
            return "must_open"
        if sid in self.unavailable:
            return "unavailable"
        return "free"

    def to_json(self) -> dict[str, Any]:
        """The question as plain JSON values (lists for the site sets)."""
        return {
            "hubs": int(self.hubs),
            "model": self.model,
            "mode": self.mode,
            "year": int(self.year),
            "max_minutes": self.max_minutes,
            "min_population": self.min_population,
            "max_population": self.max_population,
            "must_open": list(self.must_open),
            "unavailable": list(self.unavailable),
            "query": self.to_query(),
        }


def _query_value(key: str, name: str, value: str) -> Any:
    """One query value as the field's type."""
    if name in ("must_open", "unavailable"):
        return _ids(value.split(","))
    if name == "model":
        if value.strip() not in WORKBENCH_MODELS:
            raise InputError(
                f"the link names an unknown model {quote(value)}", hint=f"use one of: {', '.join(WORKBENCH_MODELS)}"
            )
        return value.strip()
    if name == "mode":
        return value.strip()
    if name in ("max_minutes", "min_population", "max_population") and value.strip() == "":
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or (name in ("hubs", "year") and number != int(number)):
        kind = "a whole number" if name in ("hubs", "year") else "a number"
        raise InputError(f"the link's {key} must be {kind}, not {quote(value)}", hint="reopen the app without it")
    return int(number) if name in ("hubs", "year") else number
