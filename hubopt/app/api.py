"""The routes that ask the workbench: solve a question, explain the answer, pin options, compare them, and say who
is better or worse off between two.

Each one is a thin call of :class:`~hubopt.workbench.session.Workbench`, run in a worker thread
(``run_in_threadpool``) so that a slow solve in one browser session does not hold up another.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from hubopt.app.payload import question_from_json, text_field
from hubopt.app.routing import Call, json_route
from hubopt.errors import InputError
from hubopt.workbench.answer import Answer
from hubopt.workbench.question import Question

__all__ = ["CURRENT", "MAX_COMPARED", "OPTIMISER", "routes"]

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
    """The question a link names (``?query=hubs=6&must=...``), or the session's, or the scenario's default."""
    query = text_field(call.data, "query", limit=8000).lstrip("?")
    if query:
        question = call.workbench.question_from_query(query)
    else:
        question = call.session.question or call.workbench.default_question()
    return {"question": question.to_json(), "query": question.to_query()}


async def _answer(call: Call) -> dict[str, Any]:
    """Solve the question sent; keep it as the session's answer unless a later request's answer is on screen."""
    question = question_from_json(
        call.data.get("question"), call.workbench.default_question(), site_count=len(call.workbench.sites)
    )
    sequence = _sequence(call.data)
    answer = await run_in_threadpool(call.workbench.answer, question)
    call.session.keep_answer(answer, sequence)
    return _answer_json(answer, sequence)


async def _explain(call: Call) -> dict[str, Any]:
    """Why the answer on screen: its cheapest swaps and the next-best answers, within the app's time budget."""
    sequence = _sequence(call.data)
    answer = call.session.answer
    if answer is None or call.session.solved != sequence:
        return {"stale": True, "sequence": sequence}
    budget = call.settings.explain_budget
    explanation = await run_in_threadpool(lambda: call.workbench.explain(answer, budget_seconds=budget))
    return {"explanation": explanation.to_json(), "sequence": sequence}


async def _pinned(call: Call) -> dict[str, Any]:
    return {"pinned": _pinned_json(call)}


async def _pin(call: Call) -> dict[str, Any]:
    call.session.pin(text_field(call.data, "name", limit=1000))
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
    basis = _basis(call)
    comparison = await run_in_threadpool(call.workbench.compare, options, basis)
    return {"comparison": comparison.to_json(), "names": names}


async def _shift(call: Call) -> dict[str, Any]:
    """Who is better or worse off going from answer ``a`` to answer ``b`` (each a pinned option's name,
    :data:`CURRENT` or :data:`OPTIMISER`)."""
    a_name, b_name = text_field(call.data, "a", limit=1000), text_field(call.data, "b", limit=1000)
    if a_name == b_name:
        raise InputError("choose two different answers to set side by side")
    basis = _basis(call)

    def shift() -> dict[str, Any]:
        a, b = _named_answer(call, a_name, basis), _named_answer(call, b_name, basis)
        return call.workbench.better_or_worse(a, b).to_json()

    return {"shift": await run_in_threadpool(shift), "a": a_name, "b": b_name}


def _named_answer(call: Call, name: str, basis: Question) -> Answer:
    if name == CURRENT:
        answer = call.session.answer
        assert answer is not None  # _basis checked there is one
        return answer
    if name == OPTIMISER:
        return call.workbench.answer(basis)
    (option,) = call.session.options([name])
    return call.workbench.evaluate(basis, option.site_ids, label=option.name)


def _basis(call: Call) -> Question:
    """The question on screen, which comparisons are made under."""
    question = call.session.question
    if question is None:
        raise InputError("there is no answer on screen yet", hint="wait for the map to show an answer")
    return question


def _answer_json(answer: Answer, sequence: int) -> dict[str, Any]:
    return {
        "answer": answer.to_json(),
        "question": answer.question.to_json(),
        "query": answer.question.to_query(),
        "sequence": sequence,
    }


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
