"""The routes that ask the workbench: solve a question, explain the answer, pin options, compare them, and say who
is better or worse off between two.

Each one is a thin call of :class:`~hubopt.workbench.session.Workbench`, run in a worker thread
(``run_in_threadpool``) so that a slow solve in one browser session does not hold up another.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from hubopt.app.payload import question_from_json, text_field
from hubopt.app.routing import Call, json_route
from hubopt.errors import InputError
from hubopt.workbench import Answer, PinnedOption, Question

__all__ = ["CURRENT", "MAX_COMPARED", "OPTIMISER", "question_on_screen", "routes"]

#: Options compared at once, beside the optimiser's answer.
MAX_COMPARED = 4
#: The names the better-or-worse view gives the answer on screen and the optimiser's answer.
CURRENT = "Current answer"
OPTIMISER = "Optimiser's answer"


def routes() -> list[Route]:
    """The routes of this module, under ``/api/``."""
    return [
        Route("/api/question", json_route(_question), methods=["GET"]),
        Route("/api/answer", json_route(_answer), methods=["POST"]),
        Route("/api/explain", json_route(_explain), methods=["POST"]),
        Route("/api/pinned", json_route(_pinned), methods=["GET"]),
        Route("/api/pin", json_route(_pin), methods=["POST"]),
        Route("/api/unpin", json_route(_unpin), methods=["POST"]),
        Route("/api/compare", json_route(_compare), methods=["POST"]),
        Route("/api/shift", json_route(_shift), methods=["POST"]),
    ]


async def _question(call: Call) -> dict[str, Any]:
    """The question a link names (``?query=hubs=6&must=...``), or the scenario's own."""
    query = text_field(call.data, "query", limit=8000).lstrip("?")
    question = call.workbench.question_from_query(query) if query else call.workbench.default_question()
    return {"question": question.to_json(), "query": question.to_query()}


async def _answer(call: Call) -> dict[str, Any]:
    """Solve the question sent. ``sequence`` (the page's count of requests) comes back with the answer, so the page
    draws only the newest."""
    question = question_on_screen(call)
    answer = await run_in_threadpool(call.workbench.answer, question)
    return {
        "answer": answer.to_json(),
        "question": question.to_json(),
        "query": question.to_query(),
        "sequence": _sequence(call.data),
    }


async def _explain(call: Call) -> dict[str, Any]:
    """Why the answer to the question sent: its cheapest swaps and the next-best answers, within the app's time
    budget (the workbench keeps recent answers, so this does not solve again)."""
    question = question_on_screen(call)
    budget = call.settings.explain_budget

    def explain() -> dict[str, Any]:
        return call.workbench.explain(call.workbench.answer(question), budget_seconds=budget).to_json()

    return {"explanation": await run_in_threadpool(explain), "sequence": _sequence(call.data)}


async def _pinned(call: Call) -> dict[str, Any]:
    return {"pinned": _pinned_json(call)}


async def _pin(call: Call) -> dict[str, Any]:
    """Pin the answer to the question sent (the one on screen) under the name sent."""
    name = text_field(call.data, "name", limit=1000)
    answer = await run_in_threadpool(call.workbench.answer, question_on_screen(call))
    call.session.pin(name, answer)
    return {"pinned": _pinned_json(call)}


async def _unpin(call: Call) -> dict[str, Any]:
    call.session.unpin(text_field(call.data, "name", limit=1000))
    return {"pinned": _pinned_json(call)}


async def _compare(call: Call) -> dict[str, Any]:
    """The optimiser's answer beside up to four pinned options, under the question on screen."""
    names = _names(call.data.get("names"))
    if not names:
        raise InputError("choose at least one pinned option to compare", hint="tick the options to compare")
    if len(names) > MAX_COMPARED:
        raise InputError(
            f"{len(names)} options are chosen; at most {MAX_COMPARED} are compared at once",
            hint="untick some of them",
        )
    options = call.session.options(names)
    basis = question_on_screen(call)
    comparison = await run_in_threadpool(call.workbench.compare, options, basis)
    return {"comparison": comparison.to_json(), "names": names}


async def _shift(call: Call) -> dict[str, Any]:
    """Who is better or worse off going from answer ``a`` to answer ``b`` (each a pinned option's name,
    :data:`CURRENT` or :data:`OPTIMISER`), under the question on screen."""
    a_name, b_name = text_field(call.data, "a", limit=1000), text_field(call.data, "b", limit=1000)
    if a_name == b_name:
        raise InputError("choose two different answers to set side by side")
    basis = question_on_screen(call)
    named = {name: option for name, option in zip((a_name, b_name), _known(call, a_name, b_name), strict=True)}

    def shift() -> dict[str, Any]:
        a, b = (_named_answer(call, name, named[name], basis) for name in (a_name, b_name))
        return call.workbench.better_or_worse(a, b).to_json()

    return {"shift": await run_in_threadpool(shift), "a": a_name, "b": b_name}


def _known(call: Call, *names: str) -> list[PinnedOption | None]:
    """The pinned option of each name (None for the answer on screen and the optimiser's)."""
    pinned = [name for name in names if name not in (CURRENT, OPTIMISER)]
    by_name = {option.name: option for option in call.session.options(pinned)}
    return [by_name.get(name) for name in names]


def _named_answer(call: Call, name: str, option: PinnedOption | None, basis: Question) -> Answer:
    if name == CURRENT:
        return call.workbench.answer(basis)
    if option is None:  # the optimiser's answer, as the comparison's first column: the scenario's site rules
        default = call.workbench.default_question()
        return call.workbench.answer(replace(basis, must_open=default.must_open, unavailable=default.unavailable))
    return call.workbench.evaluate(basis, option.site_ids, label=option.name)


def question_on_screen(call: Call) -> Question:
    """The question the page sends (``question``): the one whose answer it shows."""
    workbench = call.workbench
    return question_from_json(
        call.data.get("question"), workbench.default_question(), site_count=len(workbench.sites)
    )


def _pinned_json(call: Call) -> list[dict[str, Any]]:
    return [
        {"name": option.name, "site_ids": list(option.site_ids), "query": option.question.to_query()}
        for option in call.session.pinned
    ]


def _names(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise InputError("'names' must be a list of option names")
    return list(dict.fromkeys(value))


def _sequence(data: dict[str, Any]) -> int:
    value = data.get("sequence", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError("'sequence' must be a whole number")
    return value
