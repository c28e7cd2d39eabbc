"""The workbench in a real browser: headless Chromium (Playwright) on the app served by uvicorn over West Kent.

One server for the module (in a thread, on a free port, writing under a temporary folder); each test opens its own
browser context (its own cookie: its own session). The figures on the page are checked against `hubopt run`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_page import needs_chromium

import hubopt
from hubopt.app.serve import Server, bind
from hubopt.app.server import create_app
from hubopt.render.pdf import open_chromium
from hubopt.workbench import Workbench

pytestmark = needs_chromium

PEMBURY = "RWFTW"  # Tunbridge Wells Hospital at Pembury (an acute hospital)
GROSVENOR = "G82041"  # Grosvenor & St James Medical Centre (a hub of the default answer)
SEVENOAKS = "RYYD9"  # must open in the built-in scenario
TIMEOUT_MS = 60_000
#: How far a figure shown on the page may be from the run's: shown to 0.1 after the server's rounding to 0.01.
TOLERANCE = 0.05 + 0.005 + 1e-9


@pytest.fixture(scope="module")
def served(workbench: Workbench, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("app_work")
    server = Server(create_app(workbench, work_folder=folder), bind(0))
    url = server.start()
    try:
        yield url, folder
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with open_chromium(offline=True) as chromium:
        yield chromium


class Page:
    """A page of the workbench in its own browser context, collecting script errors."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)
        self.open(url)

    def _console(self, message: Any) -> None:
        # A 400 answer (bad input, shown in the page) is logged by Chromium as a failed resource: not a script error.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_function("document.body.dataset.answered !== undefined")

    def answered(self) -> int:
        return int(self.page.evaluate("Number(document.body.dataset.answered)"))

    def wait_for_answer(self, after: int) -> None:
        """Wait until an answer newer than request ``after`` is drawn and no request is in flight."""
        self.page.wait_for_function(
            f"Number(document.body.dataset.answered) > {after} && !document.body.classList.contains('solving')"
        )

    def hubs(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "#per-hub tr:not(.border-service)", "rows => rows.map(r => r.dataset.site)"
        )

    def figure(self, name: str) -> float:
        text = self.page.inner_text(f'td[data-figure="{name}"]')
        return float(re.sub(r"[^0-9.]", "", text))

    def tab(self, name: str) -> None:
        self.page.click(f'#tabs button[data-tab="{name}"]')

    def shot(self, path: Path) -> None:
        self.page.screenshot(path=str(path))

    def close(self) -> None:
        """Close the page once the server has finished what it asked (no solve or explanation left running)."""
        for page in self.context.pages:
            page.wait_for_function(
                "!document.body.classList.contains('solving') && !document.body.classList.contains('explaining')"
            )
        self.context.close()


def test_a_forum_session_in_the_browser(
    browser: Any, served: tuple[str, Path], workbench: Workbench, tmp_path: Path
) -> None:
    url, folder = served
    app = Page(browser, url)
    page = app.page
    assert page.title() == "hubopt workbench · West Kent local care hubs"
    assert "best possible: proven" in page.inner_text("#proof")
    assert len(app.hubs()) == 5 and SEVENOAKS in app.hubs()
    # The neighbour's border service (Darent Valley Hospital) is listed apart, with the people it serves.
    border = page.inner_text('#per-hub tr.border-service[data-site="RN707"]')
    assert "border service, not one of the hubs" in border and re.search(r"\d", border)
    assert "border service (not a hub)" in page.inner_text(".key-symbols")
    app.shot(tmp_path / "1_opened.png")

    # The street map is off by default; asked for with no internet, the page says it cannot load.
    page.check("#tiles")
    page.wait_for_selector("#tiles-note:not([hidden])")
    assert "cannot load" in page.inner_text("#tiles-note")
    page.uncheck("#tiles")

    # A site clicked on the map: its menu sets it to must open, and the answer includes it.
    before = app.answered()
    pembury = next(s for s in workbench.sites.itertuples() if s.site_id == PEMBURY)
    page.click(f'.leaflet-marker-icon[title="{pembury.name}"]')
    page.click('.site-menu button[data-state="must_open"]')
    app.wait_for_answer(before)
    assert PEMBURY in app.hubs()
    assert page.eval_on_selector(f'#site-list li[data-site="{PEMBURY}"]', "li => li.dataset.state") == "must_open"

    # A site found in the list by its code and made unavailable: it is no longer a hub.
    before = app.answered()
    page.fill("#site-search", GROSVENOR)
    assert page.locator("#site-list li.site:visible").count() == 1
    page.select_option(f'#site-list li[data-site="{GROSVENOR}"] select', "unavailable")
    app.wait_for_answer(before)
    assert GROSVENOR not in app.hubs()
    page.fill("#site-search", "")

    # Six hubs with the slider.
    before = app.answered()
    page.fill("#hubs", "6")
    app.wait_for_answer(before)
    assert len(app.hubs()) == 6 and page.inner_text("#hubs-value") == "6"

    # The figures on the page are those of `hubopt run` on the same settings. The page shows 0.1 minute / 0.1 % of
    # figures the server rounded to 0.01 minute / 0.01 %: within 0.05 + 0.005 of the run's.
    question = workbench.question_from_query(page.input_value("#link").split("?", 1)[1])
    run = hubopt.run(workbench.scenario_for(question))
    assert set(app.hubs()) == set(run.sites.loc[run.sites["chosen"], "site_id"])
    assert app.figure("mean") == pytest.approx(run.access["mean_minutes"], abs=TOLERANCE)
    assert app.figure("p95") == pytest.approx(run.access["p95_minutes"], abs=TOLERANCE)
    assert app.figure("within-15") == pytest.approx(100 * run.access["within_15_share"], abs=TOLERANCE)
    assert app.figure("within-30") == pytest.approx(100 * run.access["within_30_share"], abs=TOLERANCE)

    # "Why this answer" arrives after the answer.
    app.tab("why")
    page.wait_for_selector("#why ul.sentences li")
    # The panel says which answer it explains: the one on screen.
    page.wait_for_function(
        "() => document.getElementById('why').dataset.explained === document.body.dataset.answered"
    )
    app.shot(tmp_path / "2_why.png")

    # Pin two options and compare them beside the optimiser's answer.
    app.tab("options")
    page.fill("#pin-name", "Pembury, six hubs")
    page.click("#pin")
    page.wait_for_selector('li.pinned[data-option="Pembury, six hubs"]')
    before = app.answered()
    page.fill("#hubs", "5")
    app.wait_for_answer(before)
    page.fill("#pin-name", "Pembury, five hubs")
    page.click("#pin")
    page.wait_for_selector('li.pinned[data-option="Pembury, five hubs"]')
    link = page.input_value("#link")
    page.click("#compare")
    page.wait_for_selector("#compare-body .small-map.leaflet-container >> nth=2")
    headers = page.eval_on_selector_all("#compare-body table.compare-table thead th", "t => t.map(h => h.innerText)")
    assert headers[1:4] == ["Optimiser's answer", "Pembury, six hubs", "Pembury, five hubs"]
    assert page.locator("#compare-body .small-map.leaflet-container").count() == 3
    assert page.locator("#compare-body ul.sentences li").count() >= 1
    app.shot(tmp_path / "3_compare.png")

    # Who is better or worse off, from the optimiser's answer to the five-hub option.
    page.click("#compare-close")
    page.select_option("#shift-a", "Optimiser's answer")
    page.select_option("#shift-b", "Pembury, five hubs")
    page.click("#shift")
    page.wait_for_selector("#compare-body ul.sentences li")
    assert "decile" in page.inner_text("#compare-body").lower()
    app.shot(tmp_path / "4_better_worse.png")
    page.click("#compare-close")

    # Export the consultation pack for the five-hub option.
    page.select_option("#export-option", "Pembury, five hubs")
    page.fill("#export-folder", "pack")
    page.click("#export")
    page.wait_for_function(
        "document.getElementById('export-result').innerText.startsWith('Written')", timeout=300_000
    )
    for name in ("map.html", "report.html", "manifest.json", "results.gpkg", "results.xlsx"):
        assert (folder / "pack" / name).is_file(), name

    # The link reopens the workbench on the same question (in another tab of the same browser).
    again = app.context.new_page()
    again.goto(link)
    again.wait_for_function("document.body.dataset.answered !== undefined", timeout=TIMEOUT_MS)
    assert again.input_value("#hubs") == "5"
    assert again.input_value(f'#site-list li[data-site="{PEMBURY}"] select') == "must_open"
    assert again.input_value(f'#site-list li[data-site="{GROSVENOR}"] select') == "unavailable"
    assert again.inner_text("#per-hub") == page.inner_text("#per-hub")

    # Another browser (its own cookie) has its own, empty, list of options.
    other = Page(browser, url)
    other.tab("options")
    assert other.page.locator("li.pinned").count() == 0
    assert "Nothing pinned yet." in other.page.inner_text("#pinned")
    assert app.page.locator("li.pinned").count() == 2
    other.close()
    assert app.errors == [] and other.errors == []
    app.close()


def test_save_the_pinned_options_into_a_copy_of_the_scenario(browser: Any, served: tuple[str, Path]) -> None:
    url, folder = served
    app = Page(browser, url)
    page = app.page
    app.tab("options")
    page.fill("#pin-name", "Five hubs")  # the scenario's question
    page.click("#pin")
    page.wait_for_selector('li.pinned[data-option="Five hubs"]')
    before = app.answered()
    page.fill("#hubs", "7")
    app.wait_for_answer(before)
    page.fill("#pin-name", "Seven hubs")
    page.click("#pin")
    page.wait_for_selector('li.pinned[data-option="Seven hubs"]')
    # A built-in scenario goes into a new copy, its comments kept.
    page.fill("#save-file", "wk_forum.yaml")
    page.click("#save")
    page.wait_for_function("document.getElementById('save-result').innerText.startsWith('Saved')")
    saved = (folder / "wk_forum.yaml").read_text(encoding="utf-8")
    assert "Five hubs" in saved and "Seven hubs" in saved
    assert "# hubopt scenario: where should West Kent's local care hubs go?" in saved
    assert app.errors == []
    app.close()


def test_bad_input_shows_a_message_and_keeps_the_answer(
    browser: Any, served: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = served
    app = Page(browser, url)
    page = app.page
    before = app.answered()
    page.select_option(f'#site-list li[data-site="{PEMBURY}"] select', "must_open")
    app.wait_for_answer(before)
    hubs = app.hubs()
    # One hub, but two sites must open: the server says why, the page keeps the answer and the slider.
    page.fill("#hubs", "1")
    page.wait_for_selector("#message:not([hidden])")
    assert "must" in page.inner_text("#message-text")
    page.wait_for_function("!document.body.classList.contains('solving')")
    assert app.hubs() == hubs
    assert page.input_value("#hubs") == str(len(hubs))
    assert "previous" in page.inner_text("#status")
    app.shot(tmp_path / "bad_input.png")
    assert app.errors == []
    app.close()


def test_a_solve_stopped_by_its_time_limit_says_not_proven(
    browser: Any, served: tuple[str, Path], clock: Any
) -> None:
    url, _ = served
    app = Page(browser, url)
    page = app.page
    assert "best possible: proven" in page.inner_text("#proof")
    clock.run_out()  # from now on every deadline has passed: the next solve stops at its time limit
    before = app.answered()
    page.fill("#hubs", "8")  # a question no other test of the shared workbench asks (its answers are kept)
    app.wait_for_answer(before)
    assert "not proven" in page.inner_text("#proof")
    assert "proven" not in page.get_attribute("#proof", "class").replace("not-proven", "")
    assert len(app.hubs()) == 8
    assert app.errors == []
    app.close()
