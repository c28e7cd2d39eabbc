"""How many hubs can be safely staffed: the limits a workforce puts on the number and the size of hubs.

Each hub needs at least one team. With the staff a team needs by role (``staff_per_team``) and the staff available
(``staff_available``), the workforce makes ``min over roles of floor(available / per team)`` teams: that many hubs
at most, and the role with the fewest teams binds. With the people one team serves (``population_per_team``, e.g.
the West Kent plan's 30,000-50,000 basis) and the most teams one hub holds (``max_teams_per_hub``), a hub serves at
most ``max_teams_per_hub * population_per_team`` people: fewer hubs than that allows leaves a hub too big. The whole
population needs ``ceil(population / population_per_team)`` teams; fewer teams than that is a shortfall, reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from hubopt.errors import InputError

__all__ = ["WorkforceLimits", "staffing_verdict", "workforce_limits"]


@dataclass(frozen=True)
class WorkforceLimits:
    """What the workforce allows.

    Attributes
    ----------
    max_hubs : int or None
        Most hubs the staff can run (one team each at least); None when no staff figures are given.
    binding_role : str or None
        The role that limits the teams.
    max_hub_population : float or None
        Most people one hub may serve; None without ``population_per_team`` and ``max_teams_per_hub``.
    teams_needed : int or None
        Teams the whole population needs at ``population_per_team``.
    teams_staffed : int or None
        Teams the staff make.
    notes : list of str
        A shortfall of teams, in words.
    """

    max_hubs: int | None
    binding_role: str | None
    max_hub_population: float | None
    teams_needed: int | None
    teams_staffed: int | None
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """The limits in one line."""
        parts = []
        if self.max_hubs is not None:
            parts.append(
                f"staff for {self.max_hubs} teams, so at most {self.max_hubs} hubs ({self.binding_role} binds)"
            )
        if self.max_hub_population is not None:
            parts.append(f"hubs of at most {self.max_hub_population:,.0f} people")
        if self.teams_needed is not None:
            parts.append(f"the population needs {self.teams_needed} teams")
        return "; ".join(parts) or "no workforce limits set"


def workforce_limits(
    population: float,
    *,
    population_per_team: float | None = None,
    max_teams_per_hub: int | None = None,
    staff_per_team: Mapping[str, float] | None = None,
    staff_available: Mapping[str, float] | None = None,
) -> WorkforceLimits:
    """The largest number of hubs and the largest hub the workforce allows.

    Parameters
    ----------
    population : float
        People the hubs serve.
    population_per_team : float, optional
        People one team serves (> 0).
    max_teams_per_hub : int, optional
        Most teams one hub holds (>= 1); needs ``population_per_team``.
    staff_per_team, staff_available : mapping of role to number, optional
        Staff (whole-time equivalents) one team needs, and staff available, by role; given together, same roles.

    Raises
    ------
    InputError
        Naming the argument, when the staff cannot make even one team (the role short and by how much), a team
        needs no staff, or the roles differ.
    """
    teams_staffed, role = None, None
    if staff_per_team is not None or staff_available is not None:
        if staff_per_team is None or staff_available is None or set(staff_per_team) != set(staff_available):
            raise InputError(
                "give the staff a team needs and the staff available for the same roles",
                parameter="staff_available",
                hint="e.g. staff_per_team: {nurses: 12, therapists: 4} with staff_available: {nurses: 70, "
                "therapists: 20}",
            )
        if not staff_per_team or any(v <= 0 for v in staff_per_team.values()):
            raise InputError("a team needs more than zero staff of each role listed", parameter="staff_per_team")
        teams = {r: math.floor(staff_available[r] / staff_per_team[r] + 1e-9) for r in staff_per_team}
        role = min(teams, key=lambda r: (teams[r], r))
        teams_staffed = teams[role]
        if teams_staffed < 1:
            raise InputError(
                f"the workforce cannot staff even one hub team: {staff_available[role]:g} {role} available, a team "
                f"needs {staff_per_team[role]:g}",
                parameter="staff_available",
                hint=f"raise the {role} available to at least {staff_per_team[role]:g}, or make a team smaller",
            )
    teams_needed = None if population_per_team is None else math.ceil(population / population_per_team - 1e-9)
    max_size = None
    if max_teams_per_hub is not None and population_per_team is not None:
        max_size = float(max_teams_per_hub) * float(population_per_team)
    notes = []
    if teams_needed is not None and teams_staffed is not None and teams_staffed < teams_needed:
        notes.append(
            f"the staff make {teams_staffed} teams but {population:,.0f} people need {teams_needed} at "
            f"{population_per_team:,.0f} people per team: short by {teams_needed - teams_staffed} ({role} binds)"
        )
    return WorkforceLimits(
        max_hubs=teams_staffed,
        binding_role=role,
        max_hub_population=max_size,
        teams_needed=teams_needed,
        teams_staffed=teams_staffed,
        notes=notes,
    )


def staffing_verdict(
    table: pd.DataFrame, limits: WorkforceLimits, economic_n: int | None
) -> tuple[pd.DataFrame, str]:
    """Mark each N of a frontier table against the workforce, and say which N every limit allows and what binds.

    Parameters
    ----------
    table : pandas.DataFrame
        The frontier table (``n_hubs``, ``mean_minutes``, ``largest_hub_population``).
    limits : WorkforceLimits
        The workforce's limits.
    economic_n : int or None
        The N beyond which an extra hub buys less than the cost threshold (None: no threshold).

    Returns
    -------
    (pandas.DataFrame, str)
        The table with ``within_staff`` (N at most the hubs the staff can run) and ``within_hub_size`` (its
        largest hub at most the largest a hub may be), and the sentence.
    """
    out = table.copy()
    answered = out["mean_minutes"].notna()
    n = out["n_hubs"].astype(int)
    out["within_staff"] = answered & (n <= limits.max_hubs if limits.max_hubs is not None else True)
    size_ok = (
        out["largest_hub_population"] <= limits.max_hub_population + 1e-6
        if limits.max_hub_population is not None
        else pd.Series(True, index=out.index)
    )
    out["within_hub_size"] = answered & size_ok
    economic = n <= economic_n if economic_n is not None else pd.Series(True, index=out.index)
    allowed = n[out["within_staff"] & out["within_hub_size"] & economic].tolist()
    limits_text = []
    if limits.max_hubs is not None:
        limits_text.append(f"staffing at most {limits.max_hubs} hubs ({limits.binding_role} binds)")
    if limits.max_hub_population is not None:
        fits = n[out["within_hub_size"]].tolist()
        smallest = min(fits) if fits else None
        limits_text.append(
            f"hubs of at most {limits.max_hub_population:,.0f} people "
            + (f"({smallest} hubs or more)" if smallest is not None else "(no N of the sweep)")
        )
    if economic_n is not None:
        limits_text.append(f"the cost threshold at most {economic_n} hubs")
    if not allowed:
        return out, f"no number of hubs in the sweep meets every limit: {'; '.join(limits_text)}"
    uppers = {"staffing": limits.max_hubs, "cost": economic_n}
    finite = {k: v for k, v in uppers.items() if v is not None}
    binding = min(finite, key=lambda k: (finite[k], k)) if finite and max(allowed) == min(finite.values()) else None
    span = f"{min(allowed)} to {max(allowed)}" if len(allowed) > 1 else str(allowed[0])
    sentence = f"every limit allows {span} hubs ({'; '.join(limits_text)})"
    if binding is not None:
        sentence += f"; the {binding} limit binds"
    return out, sentence
