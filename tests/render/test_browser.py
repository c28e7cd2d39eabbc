"""Browser checks: the West Kent demo map and the report render in headless Chromium with no JavaScript errors.

Needs Debian's ``chromium`` (``apt-get install chromium``) and the Python package Playwright (in the ``test`` and
``pdf`` extras), which drives it; the tests that need them skip, saying so, when either is absent. Nothing is
downloaded: Playwright uses the machine's Chromium, and host names do not resolve in the browser (map tiles fail,
and are reported as network errors, not script errors). Set HUBOPT_SCREENSHOTS to a folder to keep the screenshots.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path
from typing import Literal

import pytest
from browser_page import needs_chromium, screenshot

from hubopt.render import pdf
from hubopt.render.folium_map import LAYER_CATCHMENTS, LAYER_DEPRIVATION, LAYER_DISTRICTS, LAYER_TRAVEL_TIME
from hubopt.render.pdf import BrowserError, print_pdf

REPO = Path(__file__).resolve().parents[2]


def keep(path: Path) -> None:
    """Copy a screenshot to $HUBOPT_SCREENSHOTS when set (to look at it)."""
    folder = os.environ.get("HUBOPT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """The West Kent demo run, written to a temporary folder, with its report beside it."""
    if not (REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml").exists():
        pytest.skip("the West Kent demo scenario is not in this checkout")
    from hubopt.pipeline import run_scenario
    from hubopt.render.report import write_report
    from hubopt.render.static_map import write_static_maps
    from hubopt.results import map_caption
    from hubopt.scenario import load_scenario

    folder = tmp_path_factory.mktemp("demo") / "west_kent_hubs"
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        run = run_scenario(load_scenario("builtin:west_kent_hubs"), out=folder)
    finally:
        os.chdir(cwd)
    title = f"{run.scenario.name}: {len(run.result.hubs)} local care hubs"
    maps = write_static_maps(run, folder / "report", title=title, caption=map_caption(run), formats=["png"])
    report = write_report(run, folder / "report", static_maps=maps)
    return run, folder, report


def test_demo_report_contents(demo) -> None:
    run, _, report = demo
    page = report.read_text(encoding="utf-8")
    assert f"{run.access['population']:,.0f}" in page
    for heading in ("Summary", "Maps", "Access by deprivation", "Community beds", "Assumptions and data sources"):
        assert f">{heading}</h2>" in page
    assert "Proven optimal" in page or "NOT proven optimal" in page
    assert "Hawkhurst Community Hospital" in page  # bed placement
    assert "ILLUSTRATIVE" in page and "Open Government Licence" in page
    assert page.count("data:image/png;base64,") == 3
    assert "Border services (other areas&#x27; sites)" in page or "Border services (other areas' sites)" in page
    assert "Darent Valley Hospital" in page and f"{len(run.result.hubs)} local care hubs were chosen" in page


def test_missing_chromium_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    page = tmp_path / "p.html"
    page.write_text("<p>hi</p>", encoding="utf-8")
    with pytest.raises(BrowserError, match="apt-get install chromium"):
        screenshot(page, tmp_path / "p.png")
    with pytest.raises(BrowserError, match="apt-get install chromium"):
        print_pdf(page, tmp_path / "p.pdf")
    assert "apt-get install chromium" in (pdf.pdf_printer_missing() or "")
    assert not (tmp_path / "p.pdf").exists()


def test_missing_playwright_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf, "sync_playwright", None)  # as when the extra 'pdf' is not installed
    page = tmp_path / "p.html"
    page.write_text("<p>hi</p>", encoding="utf-8")
    with pytest.raises(BrowserError, match=r"pip install 'hubopt\[pdf\]'"):
        print_pdf(page, tmp_path / "p.pdf")
    assert "pip install 'hubopt[pdf]'" in (pdf.pdf_printer_missing() or "")
    assert not (tmp_path / "p.pdf").exists()


@needs_chromium
def test_pdf_prints_inside_an_event_loop(tmp_path: Path) -> None:
    """From a notebook (a running asyncio loop), where Playwright's synchronous interface alone refuses to run."""
    page = tmp_path / "p.html"
    page.write_text("<!DOCTYPE html><title>t</title><h1>Printed from a notebook</h1>", encoding="utf-8")

    async def in_a_notebook() -> Path:
        return print_pdf(page, tmp_path / "p.pdf")

    printed = asyncio.run(in_a_notebook())
    assert printed == tmp_path / "p.pdf" and printed.read_bytes().startswith(b"%PDF")


@needs_chromium
def test_script_errors_are_caught(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><title>Bad page</title><p id=x>Hello</p><script>"
        "console.error('boom ' + 42); document.getElementById('x').textContent += ' world';"
        "undefinedFunction();</script>",
        encoding="utf-8",
    )
    result = screenshot(page, tmp_path / "bad.png", width=400, height=300, settle=0.2)
    assert result.rendered and result.title == "Bad page"
    assert "Hello world" in result.dom_text
    assert any("boom 42" in e for e in result.console_errors)
    assert any("undefinedFunction" in e for e in result.console_errors)


@needs_chromium
def test_demo_map_renders_with_layers_and_key(demo, tmp_path: Path) -> None:
    run, folder, _ = demo
    result = screenshot(folder / "map.html", tmp_path / "demo_map.png")
    keep(tmp_path / "demo_map.png")
    assert result.rendered, result.error
    assert result.console_errors == []
    assert (tmp_path / "demo_map.png").read_bytes().startswith(b"\x89PNG")
    text = result.dom_text
    for layer in (LAYER_TRAVEL_TIME, LAYER_CATCHMENTS, LAYER_DEPRIVATION, LAYER_DISTRICTS, "Chosen hubs"):
        assert layer in text, layer
    for entry in (
        "Under 10 minutes",
        "Chosen hub (number as in the list of hubs)",
        "GP practice",
        "District boundary",
    ):
        assert entry in text, entry
    for name in run.sites.loc[run.sites["chosen"], "name"]:
        assert str(name) in text
    # The border service (Darent Valley, status external) has a layer, a key entry and a symbol of its own, and is
    # listed after the hubs, tagged: it serves its nearest zones but is not one of the 5 hubs.
    assert "Border services (other areas')" in text
    assert "Another area's service at the border: serves its nearest zones, not one of the hubs" in text
    assert "Darent Valley Hospital" in text and "border service: another area's, not one of the hubs" in text
    assert 'aria-label="Darent Valley Hospital, ' in result.dom_html
    # the map's panes were built by Leaflet (its scripts ran)
    assert "leaflet-overlay-pane" in result.dom_html and "leaflet-marker-icon" in result.dom_html


@needs_chromium
def test_demo_report_renders_offline_and_prints(demo, tmp_path: Path) -> None:
    _, _, report = demo
    result = screenshot(report, tmp_path / "demo_report.png", width=1200, full_page=True)
    keep(tmp_path / "demo_report.png")
    assert result.rendered, result.error
    assert result.console_errors == []
    assert result.network_errors == []  # self-contained: nothing fetched
    assert "Access by deprivation" in result.dom_text and "Most deprived fifth (deciles 1-2)" in result.dom_text
    printed = print_pdf(report, tmp_path / "demo_report.pdf")
    assert printed.read_bytes().startswith(b"%PDF") and printed.stat().st_size > 100_000
    assert b"/StructTreeRoot" in printed.read_bytes()  # a tagged PDF: headings and tables marked for screen readers
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", printed.read_bytes())
    assert boxes and all(  # every page A4: 210 x 297 mm = 595.3 x 841.9 points
        float(w) == pytest.approx(595.3, abs=1) and float(h) == pytest.approx(841.9, abs=1) for w, h in boxes
    )


# --- Issue 12: layout at common screen sizes, tables that fit the page -------------------------------------------

#: The map's furniture, by CSS selector: none may overlap another, and each must lie within the window.
_MAP_PARTS = {
    "title": ".hubopt-title",
    "key": ".hubopt-legend",
    "layers": ".leaflet-control-layers",
    "scale": ".leaflet-control-scale",
    "zoom": ".leaflet-control-zoom",
    "credits": ".leaflet-control-attribution",
}
_MEASURE_MAP = (
    "(function () {"
    "  function measure() {"
    "    var out = {w: window.innerWidth, h: window.innerHeight, parts: {}};"
    f"    var parts = {_MAP_PARTS!r};".replace("'", '"')
    + "    Object.keys(parts).forEach(function (k) {"
    "      var el = document.querySelector(parts[k]); if (!el) { return; }"
    "      var r = el.getBoundingClientRect();"
    "      out.parts[k] = {left: r.left, top: r.top, right: r.right, bottom: r.bottom,"
    "        scroll: el.scrollHeight, client: el.clientHeight, overflow: getComputedStyle(el).overflowY};"
    "    });"
    "    return out;"
    "  }"
    "  var first = measure();"
    "  var details = document.querySelector('.hubopt-legend details');"
    "  var wasOpen = details.open; details.open = true;"
    "  return new Promise(function (done) { setTimeout(function () {"
    "    done({first: first, keyOpen: measure(), wasOpen: wasOpen}); }, 300); });"
    "})()"
)


def _overlaps(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"] - 0.5
        and b["left"] < a["right"] - 0.5
        and a["top"] < b["bottom"] - 0.5
        and (b["top"] < a["bottom"] - 0.5)
    )


def _check_map_layout(layout: dict, label: str) -> None:
    parts = layout["parts"]
    assert set(parts) == set(_MAP_PARTS), (label, sorted(parts))
    shown = {k: r for k, r in parts.items() if r["right"] - r["left"] > 0 and r["bottom"] - r["top"] > 0}
    names = sorted(shown)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not _overlaps(shown[a], shown[b]), (label, a, b, shown[a], shown[b])
    for k, r in shown.items():
        assert r["left"] >= -0.5 and r["top"] >= -0.5, (label, k, r)
        assert r["right"] <= layout["w"] + 0.5 and r["bottom"] <= layout["h"] + 0.5, (label, k, r)
    key = parts["key"]
    if key["scroll"] > key["client"] + 1:  # cut to the room left: it must scroll
        assert key["overflow"] in ("auto", "scroll"), (label, key)


@needs_chromium
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (390, 844)], ids=["projector", "desktop", "phone"])
def test_map_furniture_never_overlaps(demo, tmp_path: Path, size: tuple[int, int]) -> None:
    _, folder, _ = demo
    width, height = size
    png = tmp_path / f"demo_map_{width}x{height}.png"
    result = screenshot(folder / "map.html", png, width=width, height=height, evaluate=_MEASURE_MAP)
    keep(png)
    assert result.rendered, result.error
    assert result.console_errors == []
    layout = result.evaluated
    _check_map_layout(layout["first"], f"{width}x{height}")
    _check_map_layout(layout["keyOpen"], f"{width}x{height} with the key open")
    assert layout["wasOpen"] is (width >= 640)  # on a phone the key starts folded into its button


_MEASURE_TABLES = (
    "(function () {"
    "  var main = document.querySelector('main').getBoundingClientRect();"
    "  var out = {page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],"
    "    main: main.right, wide: [], headers: []};"
    "  document.querySelectorAll('.scroll, table, th, td').forEach(function (el) {"
    "    var r = el.getBoundingClientRect();"
    "    if (el.scrollWidth > el.clientWidth + 1 || r.right > main.right + 1) {"
    "      out.wide.push([el.tagName, el.className, el.innerText.slice(0, 60), el.scrollWidth, el.clientWidth]);"
    "    }"
    "  });"
    "  document.querySelectorAll('table.options thead th').forEach(function (th) {"
    "    out.headers.push(th.innerText); });"
    "  return out;"
    "})()"
)


@needs_chromium
@pytest.mark.parametrize("media", ["screen", "print"])
def test_report_tables_fit_the_page(demo, tmp_path: Path, media: Literal["screen", "print"]) -> None:
    run, folder, _ = demo
    assert run.appraisal is not None and len(run.appraisal) >= 4
    # on screen at 1280 px; in print at the width of an A4 page inside its 14 mm margins (182 mm = 688 px)
    width = 1280 if media == "screen" else 688
    png = tmp_path / f"demo_report_{media}.png"
    result = screenshot(
        folder / "report.html", png, width=width, full_page=True, evaluate=_MEASURE_TABLES, media=media
    )
    keep(png)
    assert result.rendered, result.error
    facts = result.evaluated
    assert facts["page"][0] <= facts["page"][1], facts["page"]  # no horizontal scroll
    assert facts["wide"] == []  # no table, row or cell wider than the page or scrolled
    # every option is shown, by name, with its number of hubs
    headers = [h for h in facts["headers"] if h.strip()]
    for option, n in zip(run.appraisal["option"], run.appraisal["n_hubs"], strict=True):
        assert any(h.startswith(option) and f"{n:.0f} hub" in h for h in headers), option
    # sites by name before their codes
    assert "Sevenoaks Community Hospital (RYYD9)" in result.dom_text


_MEASURE_LABELS = (
    "(function () {"
    "  function box(el, by) { var r = el.getBoundingClientRect();"
    "    return {left: r.left - by, top: r.top - by, right: r.right + by, bottom: r.bottom + by, w: r.width,"
    "      text: el.innerText || el.getAttribute('aria-label') || ''}; }"
    "  var labels = [], symbols = [], hidden = 0;"
    "  document.querySelectorAll('.leaflet-container .hubopt-beds, .leaflet-container .hubopt-district-label')"
    "    .forEach(function (el) {"
    "      if (getComputedStyle(el).visibility === 'hidden') { hidden += 1; return; }"
    "      var b = box(el, 0); if (b.w > 0) { labels.push(b); } });"
    "  document.querySelectorAll('.hubopt-site-icon, .hubopt-site-dot').forEach(function (el) {"
    "    var b = box(el, 0); if (b.w > 0) { symbols.push(b); } });"
    "  return {labels: labels, symbols: symbols, hidden: hidden};"
    "})()"
)


@needs_chromium
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["projector", "desktop"])
def test_map_labels_do_not_collide(demo, tmp_path: Path, size: tuple[int, int]) -> None:
    _, folder, _ = demo
    width, height = size
    png = tmp_path / f"demo_map_labels_{width}x{height}.png"
    result = screenshot(folder / "map.html", png, width=width, height=height, evaluate=_MEASURE_LABELS)
    keep(png)
    assert result.rendered, result.error
    facts = result.evaluated
    labels, symbols = facts["labels"], facts["symbols"]
    assert len(labels) >= 4  # the district names and bed badges are shown, not all hidden
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not _overlaps(a, b), (a["text"], b["text"])
        for s in symbols:
            assert not _overlaps(a, s), (a["text"], s["text"])
