"""Questions: the URL round trip, site states, impossible combinations refused in plain words, and the proof
status read from the solver (never "proven" for an answer stopped by its time limit)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from hubopt.errors import InputError, ModelError
from hubopt.scenario import Scenario
from hubopt.workbench import session
from hubopt.workbench.question import Question
from hubopt.workbench.session import Workbench


def test_query_round_trip(west_kent: Workbench) -> None:
    q = replace(west_kent.default_question(), model="mclp", max_minutes=15.0, unavailable=("G82041",))
    text = q.to_query()
    assert text.startswith("hubs=5&model=mclp&mode=drive&year=2030")
    assert "must=RYYD9" in text
    assert Question.from_query(text, west_kent.default_question()) == q
    assert west_kent.question_from_query("?hubs=7") == replace(west_kent.default_question(), hubs=7)
    # an emptied set is written, so it does not come back from the default
    cleared = replace(west_kent.default_question(), must_open=())
    assert west_kent.question_from_query(cleared.to_query()) == cleared


@pytest.mark.parametrize(
    ("query", "match"),
    [("colour=red", "unknown setting 'colour'"), ("hubs=five", "hubs must be a whole number"),
     ("must=NOPE1", "unknown site ID.*NOPE1"), ("model=best", "unknown model 'best'"),
     ("mode=bike", "no travel mode 'bike'"), ("year=1999", "not 1999")],
)  # fmt: skip
def test_bad_links_are_refused(west_kent: Workbench, query: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        west_kent.question_from_query(query)


def test_site_states() -> None:
    q = Question(hubs=3, must_open=("B", "A"))
    assert q.must_open == ("A", "B")
    assert q.site_state("A") == "must_open" and q.site_state("Z") == "free"
    r = q.with_site_state("A", "unavailable")
    assert r.must_open == ("B",) and r.unavailable == ("A",) and r.site_state("A") == "unavailable"
    assert r.with_site_state("A", "free") == Question(hubs=3, must_open=("B",))
    with pytest.raises(InputError, match="unknown site state"):
        q.with_site_state("A", "maybe")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"hubs": 1, "must_open": ("RYYD9", "RWFTW")}, "only 1 hub is asked for.*ask for at least 2"),
        ({"must_open": ("RYYD9",), "unavailable": ("RYYD9",)}, "both a must-open site and unavailable"),
        ({"must_open": ("RYYD9", "XX999")}, "unknown site ID.*XX999"),
        ({"unavailable": ("NOPE",)}, "unknown site ID.*NOPE"),
        ({"model": "mclp", "max_minutes": 0.5}, "no available site is within 0.5 minutes.*raise the MCLP minutes"),
        ({"model": "mclp", "max_minutes": None}, "the MCLP needs its minutes"),
        ({"model": "capacitated", "min_population": 200_000.0}, "at least 200,000 people.*lower the minimum"),
        ({"model": "capacitated", "max_population": 50_000.0}, "at most 50,000 people.*raise the maximum"),
        ({"hubs": 0}, "0 hubs cannot be chosen from 59 available sites.*from 1 to 59"),
        ({"hubs": 60}, "60 hubs cannot be chosen"),
        ({"hubs": 59, "unavailable": ("G82041",)}, "59 hubs cannot be chosen from 58"),
        ({"year": 2050}, "covers 2017 to 2047, not 2050.*choose a year from 2017 to 2047"),
        ({"year": 2000}, "not 2000"),
        ({"mode": "helicopter"}, "no travel mode 'helicopter'.*drive"),
        ({"model": "lscp"}, "unknown model 'lscp'.*p-median, mclp, p-center, capacitated"),
    ],
)
def test_impossible_questions_say_what_to_change(west_kent: Workbench, change: dict[str, Any], match: str) -> None:
    question = replace(west_kent.default_question(), **change)
    with pytest.raises(InputError, match="(?s)" + match):
        west_kent.answer(question)


def test_a_model_the_solver_finds_infeasible_is_refused_in_plain_words(
    west_kent: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bounds the totals allow can still be impossible for whole catchments (a partitioning problem the solver must
    # prove, which takes minutes on West Kent): its ModelError is stood in here, and must come back as an
    # InputError saying what to change, so the page shows a message and keeps the previous answer.
    def infeasible(*_args: object, **_kwargs: object) -> None:
        raise ModelError("the capacitated hub model is infeasible: the rules cannot all be met together (minimum)")

    monkeypatch.setattr(session, "solve_scenario_model", infeasible)
    q = replace(west_kent.default_question(), model="capacitated", min_population=107_000.0, max_population=108_000.0)
    with pytest.raises(InputError, match=r"(?s)infeasible.*change the question"):
        west_kent.answer(q)


def test_evaluate_refuses_unknown_and_empty_options(west_kent: Workbench) -> None:
    q = west_kent.default_question()
    with pytest.raises(InputError, match=r"unknown site ID.*ZZZ"):
        west_kent.evaluate(q, ["RYYD9", "ZZZ"])
    with pytest.raises(InputError, match="at least one site"):
        west_kent.evaluate(q, [])


def test_proof_of_a_proven_answer(west_kent: Workbench) -> None:
    proof = west_kent.answer(west_kent.default_question()).proof
    assert proof.proven and proof.status == "optimal" and proof.text == "best possible: proven"


def test_time_limited_answer_is_never_called_proven(clock: Any) -> None:
    wb = Workbench.open(Scenario.from_yaml("builtin:west_kent_hubs"), time_limit=600)
    clock.run_out()  # the time limit has passed by the solver's first check, however fast the machine
    answer = wb.answer(replace(wb.default_question(), hubs=8))
    assert answer.proof.status == "time_limit"
    assert not answer.proof.proven
    assert "time limit reached: not proven" in answer.proof.text
    assert "proven" not in answer.proof.text.replace("not proven", "")
    assert len(answer.open_site_ids) == 8  # still an answer, labelled honestly
    assert answer.to_json()["proof"]["proven"] is False
