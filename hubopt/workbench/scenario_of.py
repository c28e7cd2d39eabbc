"""The scenario a question stands for: the workbench's scenario with the question's hubs, model, mode, year and site
rules, so that ``hubopt run`` on it computes the answer the workbench shows (the same code, the same figures)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hubopt.scenario import Scenario
from hubopt.workbench.question import Question

__all__ = ["question_label", "question_scenario"]

#: The model settings a question replaces (every other ``model:`` setting is kept from the scenario).
_MODEL_ONLY = {
    "mclp": ("max_minutes",),
    "capacitated": ("min_population", "max_population", "budget", "max_new_build"),
}


def question_label(question: Question) -> str:
    """``"Optimiser: 5 hubs, p-median, drive, 2030"`` (with the MCLP minutes or the capacitated bounds)."""
    extra = ""
    if question.model == "mclp" and question.max_minutes is not None:
        extra = f" within {question.max_minutes:g} min"
    elif question.model == "capacitated":
        bounds = [
            f"{word} {value:,.0f} people"
            for word, value in (("at least", question.min_population), ("at most", question.max_population))
            if value is not None
        ]
        extra = f" ({', '.join(bounds)} per hub)" if bounds else ""
    hubs = "1 hub" if question.hubs == 1 else f"{question.hubs} hubs"
    return f"Optimiser: {hubs}, {question.model}{extra}, {question.mode}, {question.year}"


def _absolute_paths(raw: dict[str, Any], scenario: Scenario) -> None:
    """Write the scenario's resolved paths into ``raw``, so the copy reads the same files wherever it is validated."""

    def text(path: Path | None) -> str | None:
        return None if path is None else str(path)

    raw["study"] = str(scenario.study)
    raw["demand"]["housing"]["file"] = text(scenario.housing_file)
    raw["demand"]["housing"]["postcodes"] = text(scenario.housing_postcodes)
    raw["sites"]["extra_register"] = text(scenario.extra_register)
    if scenario.registration_share_file is not None:
        raw["demand"]["registration_share"]["file"] = str(scenario.registration_share_file)
    raw["sites"]["postcode_lookup"] = text(scenario.site_postcodes)
    travel = raw["travel"]
    travel["cache_folder"] = str(scenario.travel_cache)
    if travel.get("modes") is None:
        travel["network"] = text(scenario.travel_modes[scenario.travel_use].network)
    else:
        for name, spec in travel["modes"].items():
            mode = scenario.travel_modes[str(name)]
            spec["network"], spec["file"] = text(mode.network), text(mode.file)
            if mode.method == "public_transport":
                spec["gtfs"] = text(mode.gtfs)
    raw["outputs"]["folder"] = str(scenario.output_folder)


def question_scenario(
    scenario: Scenario,
    question: Question,
    site_ids: Sequence[str] | None = None,
    *,
    name: str = "",
    time_limit: float | None = None,
) -> Scenario:
    """The scenario ``hubopt run`` computes ``question``'s answer from.

    :meth:`Scenario.from_dict` on the scenario's own values with the question's hubs, model (its minutes or
    population bounds), travel mode, year, must-open and unavailable sites; no sweep, no explanation, no bed plan and
    no appraisal (the workbench computes those on demand). For a fixed site set (``site_ids``), the p-median with
    every one of those sites forced open (so each zone goes to its nearest), and the set as the appraisal's option.

    Parameters
    ----------
    scenario : Scenario
        The workbench's scenario.
    question : Question
        The question.
    site_ids : sequence of str, optional
        A fixed set of hub sites (an option), evaluated as given.
    name : str
        The scenario's (and the option's) name; default the question's label.
    time_limit : float, optional
        Seconds per solve (default: the scenario's ``model.time_limit``).

    Returns
    -------
    Scenario
    """
    raw = copy.deepcopy(scenario.raw)
    _absolute_paths(raw, scenario)
    raw["name"] = name or (f"Option: {', '.join(site_ids)}" if site_ids is not None else question_label(question))
    raw["year"] = int(question.year)
    raw["travel"]["use"] = question.mode
    # a question is asked of one travel mode (the workbench's answers use that mode's times): travel.combine is not
    # carried over, so the question's run computes the same answer
    raw["travel"]["combine"] = {"modes": None, "no_car_share": None}
    model = raw["model"]
    kind = "p-median" if site_ids is not None else question.model
    model.update(type=kind, sweep=None, explain=False, years=None)
    model["hubs"] = len(dict.fromkeys(site_ids)) if site_ids is not None else int(question.hubs)
    for owner, keys in _MODEL_ONLY.items():
        if owner != kind:
            for key in keys:
                model[key] = None
    if kind == "mclp":
        model["max_minutes"] = question.max_minutes
    if kind == "capacitated":
        model["min_population"], model["max_population"] = question.min_population, question.max_population
    if time_limit is not None:
        model["time_limit"] = time_limit
    if site_ids is not None:
        raw["sites"]["must_open"], raw["sites"]["unavailable"] = list(dict.fromkeys(site_ids)), []
        raw["appraisal"]["options"] = [{"name": raw["name"], "sites": list(dict.fromkeys(site_ids))}]
    else:
        raw["sites"]["must_open"], raw["sites"]["unavailable"] = list(question.must_open), list(question.unavailable)
        raw["appraisal"]["options"] = None
    raw["beds"]["enabled"] = False
    base = scenario.path.parent if scenario.path is not None else Path.cwd()
    return Scenario.from_dict(raw, base_dir=base)
