"""The :class:`Workbench`: a scenario's study, sites and travel times loaded once, answering questions live.

It prepares what a run prepares (:func:`hubopt.pipeline.steps.prepare_run`) and solves with the run's own model step
(:func:`hubopt.pipeline.model_step.solve_scenario_model` on :meth:`Workbench.scenario_for`'s scenario), so an answer
is the answer ``hubopt run`` gives for the same settings. It is read-only once open: several threads (browser
sessions) may ask it questions at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubopt.demand.zones import ZoneDemand
from hubopt.errors import InputError, ModelError
from hubopt.locate import registry
from hubopt.locate.options import SiteRules, SolverOptions
from hubopt.locate.solution import nearest_open_assignment, site_label
from hubopt.pipeline.map_layers import growth_pct
from hubopt.pipeline.model_step import solve_scenario_model
from hubopt.pipeline.steps import PreparedRun, prepare_run, run_scenario, zone_table
from hubopt.scenario import Scenario, as_scenario
from hubopt.workbench.answer import Answer, figures_of, fixed_proof, proof_of
from hubopt.workbench.checks import (
    QuestionContext,
    check_model_mode_year,
    check_model_settings,
    check_question,
    check_site_ids,
)
from hubopt.workbench.compare import (
    MAX_OPTIONS,
    OPTIMISER_COLUMN,
    Comparison,
    PinnedOption,
    Shift,
    comparison_table,
    option_sentences,
    shift_between,
)
from hubopt.workbench.explanation import ExplainInputs, Explanation, bounded_explanation, explanation_sentences
from hubopt.workbench.geojson import SIMPLIFY_METRES, zones_feature_collection
from hubopt.workbench.question import SITE_STATES, WORKBENCH_MODELS, Question
from hubopt.workbench.scenario_of import question_label, question_scenario

__all__ = ["Workbench"]

#: Answers kept per workbench (the most recent), so a toggle back to an earlier question is instant.
ANSWER_CACHE_SIZE = 64

#: Hubs of the default question when the scenario names none (the set-covering model chooses its own number).
DEFAULT_HUBS = 5


def _quiet(_message: str) -> None:
    """Progress that goes nowhere."""


class Workbench:
    """A scenario opened for live questions (see the module notes).

    Make one with :meth:`open`. Attributes: ``scenario`` (the scenario opened), ``sites`` (the candidate sites:
    ``site_id``, ``name``, ``label`` (name, code second), ``type``, ``status``, ``lon``, ``lat``, ``default_state``
    (free, must_open or unavailable in the scenario) and ``locked`` (the register's status decides the state)),
    ``time_limit`` (seconds per solve).
    """

    def __init__(self, scenario: Scenario, prepared: PreparedRun, *, time_limit: float | None) -> None:
        self.scenario = scenario
        self.time_limit = scenario.time_limit if time_limit is None else float(time_limit)
        self._prepared = prepared
        self.study = prepared.study
        self.candidates = prepared.candidates
        self.modes = prepared.modes
        self.zone_ids = self.study.zones["zone_id"].astype(str).tolist()
        self.thresholds = list(scenario.thresholds)
        self.sites = _site_frame(prepared)
        self.site_ids: list[str] = self.sites["site_id"].tolist()
        self._demand_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._explanations: dict[Hashable, Explanation] = {}
        self._geojson: dict[str, Any] | None = None
        last = int(self.study.projections["year"].max()) if not self.study.projections.empty else self.study.base_year
        if scenario.beyond_projection == "hold":
            last = max(last, scenario.year)
        self.context = QuestionContext(self.sites, list(self.modes), int(self.study.base_year), last)

    @classmethod
    def open(
        cls,
        scenario: Scenario | str | Path,
        *,
        time_limit: float | None = None,
        progress: Callable[[str], None] = _quiet,
    ) -> Workbench:
        """Load the scenario's study, candidate sites and the travel times of every mode.

        Parameters
        ----------
        scenario : Scenario, str or Path
            A validated scenario, or a scenario file's path (its model, hubs, mode, year and site rules make the
            default question).
        time_limit : float, optional
            Seconds per solve (default: the scenario's ``model.time_limit``); a time-limited answer says so.
        progress : callable
            Called with a short message at each step.

        Returns
        -------
        Workbench
        """
        scenario = as_scenario(scenario)
        prepared = prepare_run(scenario, beds=False, progress=progress)
        return cls(scenario, prepared, time_limit=time_limit)

    # --- inputs ----------------------------------------------------------------------------------------------

    def demand(self, year: int) -> ZoneDemand:
        """The scenario's demand in ``year`` (worked out once per year; safe from several threads)."""
        with self._demand_lock:
            return self._prepared.demand_for_year(int(year))

    def default_question(self) -> Question:
        """The scenario's own question: its model (p-median when the workbench does not offer it), hubs, mode, year
        and site rules."""
        s = self.scenario
        model = s.model_type if s.model_type in WORKBENCH_MODELS else "p-median"
        available = len(self.site_ids) - len(self.candidates.unavailable) - len(self.candidates.external)
        hubs = s.hubs if s.hubs is not None else min(DEFAULT_HUBS, available)
        return Question(
            hubs=int(hubs),
            model=model,
            mode=s.travel_use,
            year=int(s.year),
            max_minutes=s.model.max_minutes if model == "mclp" else None,
            min_population=s.model.min_population if model == "capacitated" else None,
            max_population=s.model.max_population if model == "capacitated" else None,
            must_open=tuple(self.site_ids[j] for j in self.candidates.must_open),
            unavailable=tuple(self.site_ids[j] for j in self.candidates.unavailable),
        )

    def question_from_query(self, text: str) -> Question:
        """The question of a link's query string; what it lacks comes from :meth:`default_question`.

        Raises
        ------
        InputError
            On an unknown setting, model, travel mode or site, or a year the population does not cover.
        """
        question = Question.from_query(text, self.default_question(), site_ids=set(self.site_ids))
        check_model_mode_year(question, self.context)
        return question

    def choices(self) -> dict[str, Any]:
        """What a question may ask, for the page's controls (plain JSON values).

        Returns
        -------
        dict
            ``scenario`` (name, description, source), ``models`` (name and summary), ``modes``, ``years``
            (``first``, ``last`` and ``marks``: the base year, the projected years and the scenario's), ``hubs``
            (``min``, ``max``), ``thresholds``, ``mclp_minutes`` (a default), ``capacity_unit``, ``site_states``,
            ``sites`` (one record per site) and ``default_question``.
        """
        s = self.scenario
        marks = {self.context.first_year, s.year}
        if not self.study.projections.empty:
            marks |= {int(y) for y in self.study.projections["year"].unique()}
        marks = {y for y in marks if self.context.first_year <= y <= self.context.last_year}
        return {
            "scenario": {"name": s.name, "description": s.description.strip(), "source": s.source},
            "models": [{"name": m, "summary": registry.MODELS[m].summary} for m in WORKBENCH_MODELS],
            "modes": list(self.modes),
            "years": {"first": self.context.first_year, "last": self.context.last_year, "marks": sorted(marks)},
            "hubs": {
                "min": 1,
                "max": len(self.site_ids) - len(self.candidates.unavailable) - len(self.candidates.external),
            },
            "thresholds": [float(t) for t in self.thresholds],
            "mclp_minutes": float(s.model.max_minutes or self.thresholds[0]),
            "capacity_unit": "people" if s.model.capacity_measure == "population" else "demand",
            "site_states": list(SITE_STATES),
            "sites": [
                {k: (v.item() if isinstance(v, np.generic) else v) for k, v in rec.items()}
                for rec in self.sites.to_dict("records")
            ],
            "default_question": self.default_question().to_json(),
        }

    def zones_geojson(self) -> dict[str, Any]:
        """The zones as a WGS84 GeoJSON FeatureCollection, simplified for the browser, in the study's zone order.

        Boundaries are simplified by :data:`hubopt.workbench.geojson.SIMPLIFY_METRES` metres (topology preserved).
        Properties: ``zone_id``, ``zone_name``, ``district``, ``population`` and ``growth_pct`` (the scenario's year
        against the base year) and ``imd_decile``. Worked out once.
        """
        with self._cache_lock:
            if self._geojson is None:
                z = self.study.zones
                demand = self.demand(self.scenario.year)
                frame = z[["zone_id", "zone_name", "district_name", "imd_decile", "geometry"]].rename(
                    columns={"district_name": "district"}
                )
                frame["population"] = demand.population["population"].to_numpy(dtype=float).round(0)
                growth = growth_pct(demand, self.demand(self.study.base_year))
                frame["growth_pct"] = np.round(growth, 2)
                columns = ["zone_id", "zone_name", "district", "population", "imd_decile", "growth_pct"]
                self._geojson = zones_feature_collection(frame, columns)
                self._geojson["simplified_metres"] = SIMPLIFY_METRES
            return self._geojson

    # --- answers ---------------------------------------------------------------------------------------------

    def scenario_for(self, question: Question, site_ids: Sequence[str] | None = None, *, name: str = "") -> Scenario:
        """A scenario that ``hubopt run`` computes the same answer from.

        See :func:`hubopt.workbench.scenario_of.question_scenario`: the scenario with the question's settings, no
        sweep, explanation, beds or appraisal; for a fixed set of sites (``site_ids``), those sites forced open with
        as many hubs, and the set as the appraisal's option.
        """
        return question_scenario(self.scenario, question, site_ids, name=name, time_limit=self.time_limit)

    def _cached(self, key: Hashable) -> Answer | None:
        with self._cache_lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def _keep(self, key: Hashable, answer: Answer) -> Answer:
        with self._cache_lock:
            self._answers[key] = answer
            while len(self._answers) > ANSWER_CACHE_SIZE:
                self._answers.popitem(last=False)
        return answer

    def answer(self, question: Question) -> Answer:
        """The optimiser's answer to ``question``, solved by the run's own model step.

        Raises
        ------
        InputError
            On an impossible combination (see :func:`hubopt.workbench.checks.check_question` and
            :func:`~hubopt.workbench.checks.check_model_settings`), or a model that cannot be solved as asked, with
            a plain message saying what to change.
        """
        key = ("answer", question)
        if (found := self._cached(key)) is not None:
            return found
        start = time.perf_counter()
        must, unavailable = check_question(question, self.context)
        demand = self.demand(question.year)
        minutes = self.modes[question.mode].minutes
        by_people = self.scenario.model.capacity_measure == "population"
        total = float(demand.population["population"].sum()) if by_people else float(np.sum(demand.demand))
        check_model_settings(question, minutes, unavailable, total, "people" if by_people else "demand")
        scenario = self.scenario_for(question)
        try:
            outcome = solve_scenario_model(
                scenario, minutes, demand, self.candidates.sites, must, unavailable, self.zone_ids, self.demand
            )
        except ModelError as exc:
            raise InputError(
                str(exc), hint="change the question: fewer must-open sites, other bounds or more hubs"
            ) from None
        result = outcome.result
        zones = zone_table(self.study, demand, self.candidates.sites, result)
        figures = figures_of(
            zones["minutes"].to_numpy(),
            result.assignment,
            zones["population"].to_numpy(),
            zones["imd_decile"].to_numpy(dtype=float),
            self.site_ids,
            result.hubs,
            self.thresholds,
            external=result.external,
        )
        answer = Answer(
            question=question,
            open_site_ids=tuple(self.site_ids[j] for j in sorted(int(j) for j in result.hubs)),
            zone_hub=np.asarray(result.assignment, dtype=int),
            zone_minutes=np.asarray(result.assigned_cost, dtype=float),
            figures=figures,
            proof=proof_of(result.report),
            seconds=time.perf_counter() - start,
            notes=tuple(outcome.notes),
            label=question_label(question),
            outcome=outcome,
        )
        # An answer not proven (a time limit) is not kept: asked again, the solver may do better.
        return self._keep(key, answer) if answer.proof.proven else answer

    def evaluate(self, question: Question, site_ids: Sequence[str], *, label: str = "") -> Answer:
        """A fixed set of hubs measured under ``question``'s travel mode and year: each zone at its nearest hub.

        The measures are those of :func:`hubopt.analysis.appraise.evaluate_option` (an appraisal's option); the
        question's model and site rules do not apply (a note names sites it rules out).

        Raises
        ------
        InputError
            On an empty set or unknown site IDs, an unknown mode or a year the population does not cover.
        """
        chosen = tuple(dict.fromkeys(str(s) for s in site_ids))
        if not chosen:
            raise InputError("an option needs at least one site", hint="choose one or more hub sites")
        check_site_ids(chosen, self.site_ids, what="the option")
        check_model_mode_year(question, self.context)
        key = ("evaluate", question.mode, question.year, tuple(sorted(chosen)), label)
        if (found := self._cached(key)) is not None:
            return replace(found, question=question)
        start = time.perf_counter()
        demand = self.demand(question.year)
        index = {s: j for j, s in enumerate(self.site_ids)}
        cols = sorted(index[s] for s in chosen)
        # Border services (external sites) are open in every option, as in a run and its appraisal; not hubs.
        serving = sorted({*cols, *self.candidates.external})
        zone_hub, zone_minutes = nearest_open_assignment(self.modes[question.mode].minutes, serving)
        figures = figures_of(
            zone_minutes,
            zone_hub,
            demand.population["population"].to_numpy(dtype=float),
            self.study.zones["imd_decile"].to_numpy(dtype=float),
            self.site_ids,
            cols,
            self.thresholds,
            external=self.candidates.external,
        )
        ruled_out = [s for s in chosen if s in question.unavailable]
        notes = (
            (f"the question rules out {', '.join(self.label_of(s) for s in ruled_out)}; measured as given",)
            if ruled_out
            else ()
        )
        answer = Answer(
            question=question,
            open_site_ids=tuple(self.site_ids[j] for j in cols),
            zone_hub=np.asarray(zone_hub, dtype=int),
            zone_minutes=np.asarray(zone_minutes, dtype=float),
            figures=figures,
            proof=fixed_proof(),
            seconds=time.perf_counter() - start,
            notes=notes,
            label=label or f"Chosen sites: {', '.join(self.label_of(s) for s in chosen)}",
        )
        return self._keep(key, answer)

    def explain(self, answer: Answer, *, budget_seconds: float = 3.0) -> Explanation:
        """Why this answer: the cheapest swap for each hub and the next-best distinct answers, in words.

        Worked out within about ``budget_seconds`` (see :func:`hubopt.workbench.explanation.bounded_explanation`);
        when the budget runs out first, ``cut_short`` is True and the sentences say so.

        Parameters
        ----------
        answer : Answer
            An answer of :meth:`answer` (a site set of :meth:`evaluate` has nothing to explain).
        budget_seconds : float
            Seconds to spend.

        Returns
        -------
        Explanation
        """
        start = time.perf_counter()
        if answer.outcome is None:
            text = "These sites were chosen by hand and measured as given: ask the optimiser why its answer is best."
            return Explanation(pd.DataFrame(), pd.DataFrame(), [text], False, 0.0)
        key = ("explain", answer.question, float(budget_seconds))
        with self._cache_lock:
            kept = self._explanations.get(key)
        if kept is not None:
            return kept
        q = answer.question
        must, unavailable = check_question(q, self.context)
        entry = registry.lookup(q.model)
        scenario = self.scenario_for(q)
        settings = entry.scenario_settings(scenario.model, self.candidates.sites)
        inputs = ExplainInputs(
            minutes=self.modes[q.mode].minutes,
            weights=answer.outcome.weights,
            result=answer.outcome.result,
            # Border services (external sites) stay open in every swap and next-best answer, never counted in N.
            rules=SiteRules.of(must, unavailable, answer.outcome.result.external),
            site_ids=self.site_ids,
            site_names=self.sites["name"].tolist(),
            n_hubs=len(answer.outcome.result.hubs) if entry.hubs != "forbidden" else None,
            max_minutes=q.max_minutes if entry.needs_max_minutes else None,
            model_kwargs=settings if entry.swaps == "re-solve" else None,
            options=SolverOptions(scenario.solver, self.time_limit, scenario.mip_gap),
        )
        try:
            swaps, next_best, cut_short = bounded_explanation(inputs, budget_seconds)
        except ModelError as exc:
            raise InputError(str(exc), hint="ask another question, or explain a simpler one") from None
        sentences = explanation_sentences(
            swaps, next_best, self.label_of, cut_short=cut_short, budget_seconds=budget_seconds,
            max_minutes=inputs.max_minutes,
        )  # fmt: skip
        found = Explanation(swaps, next_best, sentences, cut_short, time.perf_counter() - start)
        if not cut_short:
            with self._cache_lock:
                self._explanations[key] = found
        return found

    def compare(self, options: Sequence[PinnedOption], basis: Question) -> Comparison:
        """Pinned options beside the optimiser's answer, each with its cost against it in words.

        The optimiser's column is :meth:`answer` of ``basis`` with the scenario's default site states; each
        option's sites are measured (:meth:`evaluate`) under ``basis``'s travel mode and year.

        Raises
        ------
        InputError
            On more than :data:`~hubopt.workbench.compare.MAX_OPTIONS` options, or an option the checks refuse.
        """
        if len(options) > MAX_OPTIONS:
            raise InputError(
                f"{len(options)} options cannot be compared at once", hint=f"choose up to {MAX_OPTIONS} options"
            )
        default = self.default_question()
        optimiser = self.answer(replace(basis, must_open=default.must_open, unavailable=default.unavailable))
        names = [OPTIMISER_COLUMN]
        answers = [optimiser]
        sentences = []
        for option in options:
            name = option.name
            while name in names:
                name += " (2)"
            names.append(name)
            answer = self.evaluate(basis, option.site_ids, label=option.name)
            answers.append(answer)
            shift = self.better_or_worse(optimiser, answer)
            sentences.append(option_sentences(optimiser, answer, shift, option.name, self.label_of))
        return Comparison(comparison_table(answers, names, self.label_of), sentences, answers)

    def better_or_worse(self, a: Answer, b: Answer, *, threshold_minutes: float = 5.0) -> Shift:
        """Who is better or worse off from answer ``a`` to answer ``b``: people and zones whose journey rises or
        falls, by how much, by IMD decile (people of ``b``'s year; a note says so when the years differ)."""
        demand = self.demand(b.question.year)
        zones = self.study.zones
        shift = shift_between(
            a.zone_minutes,
            b.zone_minutes,
            demand.population["population"].to_numpy(dtype=float),
            zones["imd_decile"].to_numpy(dtype=float),
            self.zone_ids,
            zones["zone_name"].astype(str).tolist(),
            threshold_minutes=threshold_minutes,
        )
        if a.question.year != b.question.year:
            shift.sentences.append(
                f"The answers are for different years ({a.question.year} and {b.question.year}): people are "
                f"counted as in {b.question.year}."
            )
        return shift

    def label_of(self, site_id: str) -> str:
        """A site as people read it: its name, then its code."""
        return self.context.label(site_id)

    def export_pack(
        self,
        question: Question,
        folder: Path,
        *,
        site_ids: Sequence[str] | None = None,
        name: str = "",
        overwrite: bool = False,
        progress: Callable[[str], None] = _quiet,
    ) -> Path:
        """Write the usual run folder (map, print maps, report, workbook, manifest, results.gpkg) for an answer.

        :func:`hubopt.pipeline.steps.run_scenario` on :meth:`scenario_for`'s scenario: the question's answer, or a
        fixed set of sites (``site_ids``). The folder is protected as a run protects it (see ``run_scenario``).

        Returns
        -------
        Path
            The folder written.
        """
        if site_ids is None:
            check_question(question, self.context)
        else:
            check_site_ids(site_ids, self.site_ids, what="the option")
            check_model_mode_year(question, self.context)
        run = run_scenario(
            self.scenario_for(question, site_ids, name=name), out=Path(folder), overwrite=overwrite, progress=progress
        )
        assert run.folder is not None
        return Path(run.folder)


def _site_frame(prepared: PreparedRun) -> pd.DataFrame:
    """The candidate sites for the page: IDs, names, kinds, WGS84 points and their default states."""
    sites = prepared.candidates.sites
    ids = sites["site_id"].astype(str).tolist()
    state = np.array(["free"] * len(ids), dtype=object)
    state[prepared.candidates.must_open] = "must_open"
    state[prepared.candidates.unavailable] = "unavailable"
    points = sites.geometry.to_crs(4326)
    status = sites["status"].astype(str)
    names = sites["name"].astype(str).tolist()
    return pd.DataFrame(
        {
            "site_id": ids,
            "name": names,
            "label": [site_label(n, s) for n, s in zip(names, ids, strict=True)],
            "type": sites["type"].astype(str).to_numpy(),
            "status": status.to_numpy(),
            "lon": points.x.round(6).to_numpy(),
            "lat": points.y.round(6).to_numpy(),
            "default_state": state,
            "locked": status.isin(["must-keep", "unavailable", "external"]).to_numpy(),  # external: a border service
        }
    )
