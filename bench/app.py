"""Benchmark: the forum workbench (`hubopt app`) in a real browser, against what a forum needed before it.

For each case (West Kent, then Mid and South Essex): start `hubopt app SCENARIO --no-browser --port N` in a
subprocess, open it in headless Chromium (Playwright driving /usr/bin/chromium, offline: only localhost resolves),
wait for the first answer, then make ``--changes`` changes (after ``--warmup`` unmeasured ones), alternating:

- a site toggle: in the site list, a hub of the answer on screen (not one the question forces open) is set to
  "unavailable" (the sites made unavailable accumulate, so every question is new and nothing comes from a cache);
- a slider change: the number of hubs moves one up or back down (the slider's ``input`` event).

Each change is timed from the input event to (a) the fully redrawn map and figures: the page's
``body[data-answered]`` holds the new request's sequence (app.js sets it after redrawing the map, the figures, the
site list and the controls) and the browser has painted the next frame; (b) the "why this answer" panel filled
for that answer: ``#why[data-explained]`` holds that answer's sequence (answer.js sets it when it draws the
explanation or its error).

Baseline, in the same run: the same change made the way a forum needed before the app: edit the scenario file
(``sites.must_open``/``sites.unavailable`` and ``model.hubs`` set to the question the page answered), read it
(``hubopt.Scenario.from_yaml``) and run it in process (``hubopt.run``: everything the scenario asks for, nothing
written), for the first ``--baseline-runs`` changes. The figures printed: median and p90 of the app's changes, the
baseline's median, their ratios, and the server's resident and peak resident memory (``/proc/PID/status``).

Run from the repository root (PYTHONPATH=. so that this checkout's hubopt is the one imported):
    PYTHONPATH=. python bench/app.py [--case west_kent] [--changes 20] [--baseline-runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import hubopt
from hubopt import builtin
from hubopt.render.pdf import open_chromium

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Case:
    """One scenario and its target."""

    name: str
    scenario: str
    target_seconds: float
    target_includes_explanation: bool


CASES = {
    "west_kent": Case("West Kent (309 zones, 59 sites)", "builtin:west_kent_hubs", 1.0, False),
    "mid_south_essex": Case("Mid and South Essex (705 zones, 150 sites)", "builtin:mid_south_essex_hubs", 5.0, True),
}

#: Resolves once the browser has painted a frame (and run the tasks queued before it).
NEXT_PAINT = "() => new Promise(function (r) { requestAnimationFrame(function () { setTimeout(r, 0); }); })"


@dataclass
class Change:
    """One measured change."""

    kind: str
    redraw: float
    explained: float
    solve: float
    proof: str
    cut_short: bool
    question: dict[str, Any]


@dataclass
class CaseFigures:
    """Everything measured for one case."""

    case: Case
    first_answer: float = 0.0
    changes: list[Change] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    explain_errors: list[str] = field(default_factory=list)


def nearest_rank(values: list[float], q: float) -> float:
    """The q-quantile by the nearest-rank method (p90 of 20 values: the 18th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def app_server(scenario: str, port: int, workdir: Path, timeout: float = 600) -> Iterator[subprocess.Popen]:
    """Start `hubopt app SCENARIO --no-browser --port PORT` (this checkout's); yield once its page answers."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "hubopt.cli", "app", scenario, "--no-browser", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    start = time.perf_counter()
    try:
        while not _answers(f"http://127.0.0.1:{port}/"):
            if proc.poll() is not None:
                error = proc.stderr.read().decode(errors="replace")[-3000:] if proc.stderr else ""
                raise RuntimeError(f"hubopt app exited with {proc.returncode}: {error}")
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"hubopt app did not answer within {timeout} s")
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory (MB) of a process (Linux /proc)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def page_state(page: Any) -> dict[str, Any]:
    """What the page shows: the answered sequence, the question and answer on screen."""
    return page.evaluate(
        "() => ({answered: document.body.dataset.answered || null, question: HB.state.shownQuestion,"
        " hubs: HB.state.shown ? HB.state.shown.open_site_ids : [], seconds: HB.state.shown ? HB.state.shown.seconds"
        " : null, proof: HB.state.shown ? HB.state.shown.proof.text : ''})"
    )


def wait_answered(page: Any, previous: str | None, timeout_ms: float) -> None:
    """Until the page has drawn an answer newer than ``previous`` and painted it."""
    page.wait_for_function(
        "previous => (document.body.dataset.answered && document.body.dataset.answered !== previous)"
        " || !document.getElementById('message').hidden",
        arg=previous,
        timeout=timeout_ms,
    )
    message = page.evaluate("() => document.getElementById('message').hidden ? '' : document.body.innerText")
    if message:
        raise RuntimeError(f"the page shows a message instead of an answer: {message[:500]}")
    page.evaluate(NEXT_PAINT)


def wait_explained(page: Any, sequence: str, timeout_ms: float) -> None:
    """Until the "why this answer" panel holds the explanation (or its error) of answer ``sequence``."""
    page.wait_for_function(
        "sequence => document.getElementById('why').dataset.explained === sequence", arg=sequence, timeout=timeout_ms
    )


def make_change(page: Any, k: int, base_hubs: int) -> str:
    """Make change number ``k`` (even: a site toggle, odd: the slider); returns its kind. Not timed here."""
    state = page_state(page)
    question = state["question"]
    if k % 2 == 0:
        site = next(s for s in state["hubs"] if s not in question["must_open"])
        page.locator(f'select[data-site="{site}"]').select_option("unavailable")
        return "site toggle"
    hubs = base_hubs + 1 if question["hubs"] == base_hubs else base_hubs
    page.evaluate(
        "n => { const s = document.getElementById('hubs'); s.value = String(n);"
        " s.dispatchEvent(new Event('input', {bubbles: true})); }",
        hubs,
    )
    return "hubs slider"


def measure_app(browser: Any, case: Case, changes: int, warmup: int, workdir: Path) -> CaseFigures:
    """The app's figures for one case (and the questions it answered, for the baseline)."""
    figures = CaseFigures(case)
    port = free_port()
    timeout_ms = 600_000
    start = time.perf_counter()
    with app_server(case.scenario, port, workdir) as proc:
        context = browser.new_context(viewport={"width": 1500, "height": 950})
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
        wait_answered(page, None, timeout_ms)
        figures.first_answer = time.perf_counter() - start
        first = page_state(page)
        wait_explained(page, first["answered"], timeout_ms)
        base_hubs = int(first["question"]["hubs"])
        for k in range(warmup + changes):
            before = page_state(page)["answered"]
            t0 = time.perf_counter()
            kind = make_change(page, k, base_hubs)
            wait_answered(page, before, timeout_ms)
            redraw = time.perf_counter() - t0
            state = page_state(page)
            wait_explained(page, state["answered"], timeout_ms)
            explained = time.perf_counter() - t0
            facts = page.evaluate(
                "() => { const why = document.getElementById('why'); const error = why.querySelector('p.error');"
                " return [why.classList.contains('cut-short') ? '1' : '0', error ? why.textContent : '']; }"
            )
            if facts[1]:
                figures.explain_errors.append(facts[1])
            if k >= warmup:
                figures.changes.append(
                    Change(
                        kind,
                        redraw,
                        explained,
                        float(state["seconds"] or 0.0),
                        state["proof"],
                        facts[0] == "1",
                        state["question"],
                    )
                )
        figures.rss_mb, figures.peak_rss_mb = memory_mb(proc.pid)
        context.close()
    return figures


def baseline(case: Case, questions: list[dict[str, Any]], workdir: Path) -> list[float]:
    """Seconds to make each question's change the old way: edit the scenario file, read it, `hubopt.run` it."""
    source = builtin.scenario_path(case.scenario)
    seconds = []
    for i, question in enumerate(questions):
        t0 = time.perf_counter()
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        data["sites"]["must_open"] = list(question["must_open"])
        data["sites"]["unavailable"] = list(question["unavailable"])
        data["model"]["hubs"] = int(question["hubs"])
        edited = workdir / f"edited_{i}.yaml"
        edited.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        hubopt.run(hubopt.Scenario.from_yaml(edited))
        seconds.append(time.perf_counter() - t0)
        print(f"  baseline {i + 1}/{len(questions)}: {seconds[-1]:.1f} s", flush=True)
    return seconds


def report(results: list[CaseFigures], load_before: str, load_after: str, chromium: str) -> None:
    """Print the figures as a Markdown table, with the date, versions and load."""
    info = {"python": platform.python_version(), "hubopt": hubopt.__version__, "chromium": chromium}
    for name in ("starlette", "uvicorn", "highspy", "playwright"):
        info[name] = importlib.metadata.version(name)
    print()
    print(
        f"date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}; load average before: {load_before}; "
        f"after: {load_after}; cores: {os.cpu_count()}; hubopt imported from {Path(hubopt.__file__).parent}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print()
    print(
        '| case | changes | to redrawn map and figures: median s | p90 s | to "why this answer" filled: median s | '
        "p90 s | target | solve (server) median s | baseline: edit the scenario + hubopt.run, median s (runs) | "
        "ratio baseline / app (redraw) | ratio baseline / app (with explanation) | server RSS MB | "
        "server peak RSS MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for f in results:
        redraw = [c.redraw for c in f.changes]
        explained = [c.explained for c in f.changes]
        solve = [c.solve for c in f.changes]
        worst = max(explained) if f.case.target_includes_explanation else max(redraw)
        judged = nearest_rank(explained if f.case.target_includes_explanation else redraw, 0.5)
        verdict = "met" if judged < f.case.target_seconds else "NOT met"
        target = f"< {f.case.target_seconds:g} s{' incl. explanation' if f.case.target_includes_explanation else ''}"
        base = statistics.median(f.baseline) if f.baseline else float("nan")
        print(
            f"| {f.case.name} | {len(f.changes)} | {statistics.median(redraw):.3f} | {nearest_rank(redraw, 0.9):.3f} "
            f"| {statistics.median(explained):.3f} | {nearest_rank(explained, 0.9):.3f} | {target}: {verdict} "
            f"(worst {worst:.2f} s) | {statistics.median(solve):.3f} | {base:.1f} ({len(f.baseline)}) "
            f"| {base / statistics.median(redraw):.0f}x | {base / statistics.median(explained):.0f}x "
            f"| {f.rss_mb:.0f} | {f.peak_rss_mb:.0f} |"
        )
    for f in results:
        print()
        print(f"{f.case.name}: first answer {f.first_answer:.1f} s after starting the server")
        for kind in ("site toggle", "hubs slider"):
            redraw = [c.redraw for c in f.changes if c.kind == kind]
            explained = [c.explained for c in f.changes if c.kind == kind]
            if redraw:
                print(
                    f"  {kind} ({len(redraw)}): redraw median {statistics.median(redraw):.3f} s, p90 "
                    f"{nearest_rank(redraw, 0.9):.3f} s; with explanation median {statistics.median(explained):.3f} s"
                )
        rest = [c.redraw - c.solve for c in f.changes]
        print(
            f"  redraw minus the server's solve (HTTP, JSON, drawing): median {statistics.median(rest):.3f} s, "
            f"p90 {nearest_rank(rest, 0.9):.3f} s; explanation after the redraw: median "
            f"{statistics.median([c.explained - c.redraw for c in f.changes]):.3f} s"
        )
        proofs = sorted({c.proof for c in f.changes})
        print(f"  proof texts seen: {proofs}")
        print(f"  explanations cut short by their budget: {sum(c.cut_short for c in f.changes)} of {len(f.changes)}")
        if f.explain_errors:
            print(f"  explanation errors: {sorted(set(f.explain_errors))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append", help="default: both, West Kent first")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--baseline-runs", type=int, default=None, help="default: 3 (West Kent), 1 (Mid and South Essex)"
    )
    args = parser.parse_args()
    cases = [CASES[name] for name in (args.case or ["west_kent", "mid_south_essex"])]
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    results = []
    with tempfile.TemporaryDirectory(prefix="hubopt-app-bench-") as tmp, open_chromium(offline=True) as browser:
        chromium = browser.version
        for case in cases:
            print(f"measuring the app: {case.name} ...", flush=True)
            figures = measure_app(browser, case, args.changes, args.warmup, Path(tmp))
            runs = (
                args.baseline_runs
                if args.baseline_runs is not None
                else (3 if case.scenario.endswith("kent_hubs") else 1)
            )
            print(f"baseline: {case.name}, {runs} run(s) ...", flush=True)
            figures.baseline = baseline(case, [c.question for c in figures.changes[:runs]], Path(tmp))
            results.append(figures)
    load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    report(results, load_before, load_after, chromium)


if __name__ == "__main__":
    main()
