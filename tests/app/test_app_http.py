"""The workbench's web server over the real West Kent workbench, through Starlette's TestClient (no browser)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx  # the HTTP client Starlette 1.x's TestClient uses (test extra: httpx2)
import pytest
from starlette.testclient import TestClient

import hubopt
from hubopt import builtin
from hubopt.app.payload import MAX_BODY_BYTES
from hubopt.app.serve import Server, bind
from hubopt.app.server import create_app
from hubopt.app.sessions import MAX_PINNED
from hubopt.workbench import Question, Workbench

PEMBURY = "RWFTW"  # Tunbridge Wells Hospital at Pembury
SEVENOAKS = "RYYD9"  # Sevenoaks Community Hospital: must open in the built-in scenario


def solve(client: TestClient, sequence: int = 1, **fields: Any) -> httpx.Response:
    return client.post("/api/answer", json={"question": fields, "sequence": sequence})


def pin(client: TestClient, name: str, **fields: Any) -> httpx.Response:
    """Pin the answer to the question ``fields`` (over the scenario's), as the page does for the answer it shows."""
    return client.post("/api/pin", json={"name": name, "question": fields})


def test_setup_gives_the_sites_their_symbols_and_the_default_question(client: TestClient) -> None:
    setup = client.get("/api/setup").json()
    assert setup["scenario"] == "West Kent local care hubs"
    assert setup["builtin_scenario"] is True  # saving asks for a new file name
    assert len(setup["sites"]) == 60  # 59 of West Kent's and its border service, Darent Valley (status external)
    border = next(s for s in setup["sites"] if s["id"] == "RN707")
    assert border["free"] == "external" and border["default_state"] == "free"
    for site in setup["sites"]:
        assert site["free"] in setup["symbols"] and site["unavailable"] in setup["symbols"]
    pembury = next(s for s in setup["sites"] if s["id"] == PEMBURY)
    assert pembury["type"] == "Acute hospital" and pembury["free"] == "acute_hospital"
    default = setup["choices"]["default_question"]
    assert default["hubs"] == 5 and default["must_open"] == [SEVENOAKS] and default["model"] == "p-median"
    style = setup["style"]
    assert len(style["time_colours"]) == len(style["time_labels"]) == len(style["time_bands"])


def test_the_answer_is_the_workbench_answer_aligned_with_the_zones(client: TestClient, workbench: Workbench) -> None:
    zones = client.get("/api/zones").json()
    response = solve(client)
    assert response.status_code == 200, response.text
    data = response.json()
    expected = workbench.answer(workbench.default_question())
    assert data["answer"]["open_site_ids"] == list(expected.open_site_ids)
    assert len(data["answer"]["zone_minutes"]) == len(zones["features"]) == len(expected.zone_minutes)
    assert data["answer"]["figures"]["mean_minutes"] == pytest.approx(expected.figures.mean_minutes, abs=0.005)
    assert data["answer"]["proof"]["proven"] is True
    assert data["query"] == workbench.default_question().to_query()


def test_the_figures_agree_with_hubopt_run(client: TestClient, workbench: Workbench) -> None:
    """Six hubs with Pembury forced open: the app's figures are those of `hubopt run` on the same settings."""
    data = solve(client, hubs=6, must_open=[PEMBURY, SEVENOAKS]).json()
    question = Question.from_query(data["query"], workbench.default_question())
    run = hubopt.run(workbench.scenario_for(question))
    figures = data["answer"]["figures"]
    assert set(data["answer"]["open_site_ids"]) == set(run.sites.loc[run.sites["chosen"], "site_id"])
    # The JSON rounds minutes to 2 decimals and shares to 4: within those roundings of the run's figures.
    assert figures["mean_minutes"] == pytest.approx(run.access["mean_minutes"], abs=0.005)
    assert figures["p95_minutes"] == pytest.approx(run.access["p95_minutes"], abs=0.005)
    assert figures["within"]["15"] == pytest.approx(run.access["within_15_share"], abs=0.00005)
    assert figures["within"]["30"] == pytest.approx(run.access["within_30_share"], abs=0.00005)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hubs": 2, "must_open": [SEVENOAKS, PEMBURY, "RWF03"]}, "must"),
        ({"must_open": ["NOSUCH"]}, "NOSUCH"),
        ({"model": "mclp", "max_minutes": 0.01}, "minutes"),
        ({"model": "capacitated", "min_population": 400000, "max_population": 500000}, "people each need"),
        ({"hubs": "five"}, "'hubs' must be a whole number"),
        ({"colour": "red"}, "unknown question field(s): colour"),
        ({"model": "cheapest"}, "unknown model 'cheapest'"),
    ],
)
def test_bad_input_is_a_plain_message_and_nothing_is_kept(
    client: TestClient, fields: dict[str, Any], message: str
) -> None:
    response = solve(client, sequence=2, **fields)
    assert response.status_code == 400
    error = response.json()["error"]
    assert message in error and "Traceback" not in error
    # The page keeps the previous answer on screen: it can still pin it; nothing was pinned or written.
    assert pin(client, "Bad", **fields).status_code == 400
    assert client.get("/api/pinned").json()["pinned"] == []
    assert pin(client, "Previous").status_code == 200


def test_why_this_answer_comes_with_the_sequence_of_its_request(client: TestClient) -> None:
    explained = client.post("/api/explain", json={"sequence": 3, "question": {"hubs": 4}}).json()
    assert explained["sequence"] == 3 and explained["explanation"]["sentences"]
    assert isinstance(explained["explanation"]["cut_short"], bool)


def test_pin_compare_and_who_is_better_or_worse_off(client: TestClient) -> None:
    forced = {"must_open": [PEMBURY, SEVENOAKS]}
    assert [p["name"] for p in pin(client, "Optimised").json()["pinned"]] == ["Optimised"]
    pinned = pin(client, "  Pembury   forced ", **forced).json()["pinned"]
    assert [p["name"] for p in pinned] == ["Optimised", "Pembury forced"]
    assert PEMBURY in pinned[1]["site_ids"]
    assert "already pinned" in pin(client, "Optimised").json()["error"]

    both = {"names": ["Optimised", "Pembury forced"], "question": forced}
    comparison = client.post("/api/compare", json=both).json()["comparison"]
    assert len(comparison["answers"]) == 3  # the optimiser's answer first, then each option
    assert comparison["sentences"]

    shift = client.post("/api/shift", json={"a": "Optimised", "b": "Pembury forced", "question": forced}).json()
    assert shift["shift"]["sentences"] and shift["a"] == "Optimised"
    on_screen = {"a": "Optimiser's answer", "b": "Current answer", "question": forced}
    assert client.post("/api/shift", json=on_screen).json()["shift"]["sentences"]
    same = client.post("/api/shift", json={"a": "Optimised", "b": "Optimised", "question": {}})
    assert same.status_code == 400 and "two different" in same.json()["error"]

    too_many = client.post("/api/compare", json={"names": ["a", "b", "c", "d", "e"], "question": {}})
    assert too_many.status_code == 400 and "at most 4" in too_many.json()["error"]
    unknown = client.post("/api/compare", json={"names": ["Nothing"], "question": {}})
    assert unknown.status_code == 400 and "no option is pinned as 'Nothing'" in unknown.json()["error"]
    no_answer = client.post("/api/compare", json={"names": ["Optimised"]})
    assert no_answer.status_code == 400 and "no answer on screen yet" in no_answer.json()["error"]
    assert [p["name"] for p in client.post("/api/unpin", json={"name": "Optimised"}).json()["pinned"]] == [
        "Pembury forced"
    ]


def test_pinned_options_are_bounded(client: TestClient) -> None:
    for k in range(MAX_PINNED):
        assert pin(client, f"Option {k}").status_code == 200
    response = pin(client, "One more")
    assert response.status_code == 400 and f"{MAX_PINNED} options are pinned already" in response.json()["error"]


def test_two_browser_sessions_are_independent(workbench: Workbench, tmp_path: Path) -> None:
    app = create_app(workbench, work_folder=tmp_path)
    with TestClient(app) as first, TestClient(app) as second:
        pin(first, "Four hubs", hubs=4)
        pin(second, "Seven hubs", hubs=7)
        assert [p["name"] for p in first.get("/api/pinned").json()["pinned"]] == ["Four hubs"]
        assert [p["name"] for p in second.get("/api/pinned").json()["pinned"]] == ["Seven hubs"]


def test_sessions_are_bounded_least_recently_used_forgotten(workbench: Workbench, tmp_path: Path) -> None:
    app = create_app(workbench, work_folder=tmp_path, max_sessions=2)
    with TestClient(app) as a, TestClient(app) as b, TestClient(app) as c:
        for client in (a, b, c):
            pin(client, "Mine")
        assert len(app.state.sessions) == 2
        assert a.get("/api/pinned").json()["pinned"] == []  # the oldest session was forgotten: a new one
        assert len(c.get("/api/pinned").json()["pinned"]) == 1


def test_an_oversized_request_is_refused(client: TestClient) -> None:
    body = b'{"name": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = client.post("/api/pin", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "too large" in response.json()["error"]


def test_a_post_that_is_not_json_is_refused(client: TestClient) -> None:
    """A page of another site may post a plain-text form to 127.0.0.1 without asking: it is not obeyed."""
    response = client.post("/api/export", content=b'{"folder": "x"}', headers={"Content-Type": "text/plain"})
    assert response.status_code == 400 and "must be JSON" in response.json()["error"]


def test_another_host_name_is_refused(client: TestClient) -> None:
    assert client.get("/api/setup", headers={"Host": "attacker.example"}).status_code == 400


def test_a_link_restores_its_question(client: TestClient) -> None:
    query = "hubs=6&model=p-median&mode=drive&year=2035&must=RWFTW,RYYD9&unavailable=G82041"
    question = client.get("/api/question", params={"query": query}).json()["question"]
    assert question["hubs"] == 6 and question["year"] == 2035
    assert question["must_open"] == [PEMBURY, SEVENOAKS] and question["unavailable"] == ["G82041"]
    bad = client.get("/api/question", params={"query": "hubs=6&must=NOSUCH"})
    assert bad.status_code == 400 and "NOSUCH" in bad.json()["error"]
    page = client.get("/", params={"hubs": "6"})
    assert page.status_code == 200 and "hubopt workbench" in page.text


def test_the_page_and_leaflet_are_served_from_the_package(client: TestClient) -> None:
    page = client.get("/").text
    for path in ("/leaflet/leaflet.js", "/leaflet/leaflet.css", "/static/app.css", "/static/app.js"):
        assert path in page
        assert client.get(path).status_code == 200
    assert client.get("/leaflet/images/marker-icon.png").status_code == 200
    assert "https://" not in page  # nothing from a CDN


def test_a_time_limited_answer_says_not_proven(client: TestClient, clock: Any) -> None:
    clock.run_out()  # every deadline has passed: the solve stops at its time limit
    data = solve(client, hubs=9, unavailable=["G82041"]).json()
    proof = data["answer"]["proof"]
    assert proof["proven"] is False and "not proven" in proof["text"]


def test_save_writes_the_options_into_the_scenario_keeping_its_comments(
    client: TestClient, workbench: Workbench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "wk.yaml"
    builtin.copy_scenario("west_kent_hubs", copy)
    monkeypatch.setattr(workbench.scenario, "path", copy)  # as if `hubopt app wk.yaml`
    assert client.post("/api/save", json={}).json()["error"].startswith("no option is pinned yet")
    pin(client, "Pembury forced", must_open=[PEMBURY, SEVENOAKS])
    saved = client.post("/api/save", json={})
    assert saved.status_code == 200, saved.text
    assert Path(saved.json()["written"]) == copy
    text = copy.read_text(encoding="utf-8")
    assert "Pembury forced" in text and PEMBURY in text
    assert "# hubopt scenario: where should West Kent's local care hubs go?" in text  # comments kept


def test_save_of_a_builtin_scenario_asks_for_a_new_file(client: TestClient, tmp_path: Path) -> None:
    pin(client, "Optimised")
    asked = client.post("/api/save", json={"file_name": ""})
    assert asked.status_code == 400 and "built-in scenario" in asked.json()["error"]
    (tmp_path / "mine.yaml").write_text("# my own file\n", encoding="utf-8")
    refused = client.post("/api/save", json={"file_name": "mine.yaml"})
    assert refused.status_code == 400 and "does not overwrite it" in refused.json()["error"]
    assert (tmp_path / "mine.yaml").read_text(encoding="utf-8") == "# my own file\n"
    not_yaml = client.post("/api/save", json={"file_name": "notes.txt"})
    assert not_yaml.status_code == 400 and "not a YAML file name" in not_yaml.json()["error"]
    saved = client.post("/api/save", json={"file_name": "wk_options.yaml"})
    assert saved.status_code == 200, saved.text
    assert "Optimised" in (tmp_path / "wk_options.yaml").read_text(encoding="utf-8")
    # Saving again into the same copy adds the new option to it (a scenario of the same study).
    pin(client, "Pembury forced", must_open=[PEMBURY, SEVENOAKS])
    assert client.post("/api/save", json={"file_name": "wk_options.yaml"}).status_code == 200
    text = (tmp_path / "wk_options.yaml").read_text(encoding="utf-8")
    assert "Optimised" in text and "Pembury forced" in text
    assert builtin.DEMO_SCENARIO.read_text(encoding="utf-8").count("Optimised") == 0


def test_export_refuses_a_folder_of_other_files(client: TestClient, tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "minutes.docx").write_bytes(b"not hubopt's")
    response = client.post("/api/export", json={"folder": "papers", "question": {}})
    assert response.status_code == 400 and "Traceback" not in response.json()["error"]
    assert sorted(p.name for p in folder.iterdir()) == ["minutes.docx"]


# --- a slow solve in one session does not hold up another (a real uvicorn server, two threads) -----------------


class _SlowNineHubs:
    """The West Kent workbench, except that a 9-hub answer waits until the test releases it."""

    def __init__(self, workbench: Workbench) -> None:
        self._workbench = workbench
        self.started = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._workbench, name)

    def answer(self, question: Question) -> Any:
        if question.hubs == 9:
            self.started.set()
            self.release.wait(60)
        return self._workbench.answer(question)


@pytest.fixture
def slow_server(workbench: Workbench, tmp_path: Path) -> Iterator[tuple[str, _SlowNineHubs]]:
    slow = _SlowNineHubs(workbench)
    server = Server(create_app(slow, work_folder=tmp_path), bind(0))  # type: ignore[arg-type]
    url = server.start()
    try:
        yield url, slow
    finally:
        slow.release.set()
        server.stop()


def test_a_slow_solve_does_not_block_another_session(slow_server: tuple[str, _SlowNineHubs]) -> None:
    url, slow = slow_server
    slow_result: list[httpx.Response] = []

    def slow_session() -> None:
        with httpx.Client(base_url=url, timeout=60) as browser:
            slow_result.append(browser.post("/api/answer", json={"question": {"hubs": 9}, "sequence": 1}))

    thread = threading.Thread(target=slow_session)
    thread.start()
    try:
        assert slow.started.wait(30), "the slow solve never started"
        with httpx.Client(base_url=url, timeout=30) as other:
            quick = other.post("/api/answer", json={"question": {"hubs": 4}, "sequence": 1})
        assert quick.status_code == 200 and len(quick.json()["answer"]["open_site_ids"]) == 4
        assert not slow_result  # the other session was answered while this one was still solving
    finally:
        slow.release.set()
        thread.join(60)
    assert slow_result[0].status_code == 200 and len(slow_result[0].json()["answer"]["open_site_ids"]) == 9
