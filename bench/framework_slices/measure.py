"""Measure the two framework slices in a real browser: toggle to redrawn map, startup, page weight, memory.

For each slice: start its server in a subprocess, open it in headless Chromium (Playwright driving /usr/bin/chromium,
offline: no host but localhost resolves), wait for the first map, then click the toggle ``--toggles`` times (after
``--warmup`` unmeasured clicks) and time each click to the redrawn map: the moment the map's ``data-hubs`` attribute
(set by the page once the new answer is drawn) holds the new answer's hubs. Then open ``--sessions`` more browser
sessions and read the server's resident memory again (memory per session).

Baseline for the ratio: the Starlette slice (the coordinator's provisional choice), measured in the same run.

Run from the repository root, with the project's venv (Playwright) and a second venv holding Streamlit:
    python bench/framework_slices/measure.py [--streamlit-python /work/venv-streamlit/bin/python]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import math
import os
import platform
import shutil
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

from slice_data import load

import hubopt
from hubopt.render.pdf import open_chromium

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ASSETS = Path(hubopt.__file__).parent / "render" / "assets"


@dataclass
class Slice:
    """How to start one slice and where its redraw signal is."""

    name: str
    command: list[str]
    cwd: Path
    signal_frame: str | None  # CSS selector of the iframe holding the signal (None: the page itself)
    signal: str  # CSS selector of the element carrying data-hubs


@dataclass
class Figures:
    """What was measured for one slice."""

    name: str
    server_ready: float = 0.0
    first_map: float = 0.0
    page_bytes: int = 0
    page_requests: int = 0
    toggle_seconds: list[float] = field(default_factory=list)
    toggle_bytes: list[int] = field(default_factory=list)
    solve_seconds: list[float] = field(default_factory=list)
    together_seconds: list[float] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    rss_one: float = 0.0
    rss_more: float = 0.0
    peak_rss: float = 0.0
    sessions: int = 0
    failed_requests: list[str] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        """The q-quantile of the toggle times (nearest rank)."""
        return nearest_rank(self.toggle_seconds, q)


def nearest_rank(values: list[float], q: float) -> float:
    """The q-quantile of ``values`` by the nearest-rank method (p90 of 20 values: the 18th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def slices(streamlit_python: str, workdir: Path) -> list[tuple[Slice, int]]:
    """The two slices, each with its port. The Streamlit one runs from a copy in ``workdir`` with a static folder."""
    static = workdir / "static"
    static.mkdir(parents=True, exist_ok=True)
    for name in ("leaflet.js", "leaflet.css"):
        shutil.copyfile(ASSETS / name, static / name)
    shutil.copyfile(HERE / "streamlit_slice.py", workdir / "streamlit_slice.py")
    port_a, port_b = free_port(), free_port()
    starlette_slice = Slice(
        name="Starlette + uvicorn + Leaflet",
        command=[sys.executable, str(HERE / "starlette_slice.py"), "--port", str(port_a)],
        cwd=REPO,
        signal_frame=None,
        signal="#map",
    )
    streamlit_slice = Slice(
        name="Streamlit + streamlit-folium",
        command=[
            streamlit_python,
            "-m",
            "streamlit",
            "run",
            str(workdir / "streamlit_slice.py"),
            "--server.port",
            str(port_b),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.enableStaticServing",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=workdir,
        signal_frame='iframe[title="streamlit_folium.st_folium"]',
        signal=".hubs-signal",
    )
    return [(starlette_slice, port_a), (streamlit_slice, port_b)]


def toggle_together(pages: list[Any], piece: Slice, label_text: str, *, rounds: int) -> list[float]:
    """Click the toggle in every page at once; seconds until every page has redrawn, for each round."""
    seconds = []
    for _ in range(rounds):
        current = [signal_locator(p, piece, None).get_attribute("data-hubs") for p in pages]
        t0 = time.perf_counter()
        for p in pages:
            p.get_by_text(label_text, exact=True).click()
        for p, previous in zip(pages, current, strict=True):
            signal_locator(p, piece, previous).wait_for(state="attached")
        seconds.append(time.perf_counter() - t0)
        pages[0].wait_for_timeout(200)
    return seconds


@contextlib.contextmanager
def server(command: list[str], cwd: Path, url: str, timeout: float = 120) -> Iterator[tuple[subprocess.Popen, float]]:
    """Start a server; yield it and the seconds until its page answered HTTP 200; stop it on leaving."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(HERE)]))
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{command[0]} exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"{url} did not answer within {timeout} s")
            time.sleep(0.05)
        yield proc, time.perf_counter() - start
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory (MB) of a process and its children (Linux /proc)."""
    rss = peak = 0.0
    for p in [pid, *children(pid)]:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{p}/status").read_text()
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            rss += int(fields["VmRSS"].split()[0]) / 1024
            peak += int(fields["VmHWM"].split()[0]) / 1024
    return rss, peak


def children(pid: int) -> list[int]:
    """Every descendant process of ``pid``."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            for child in map(int, text):
                found += [child, *children(child)]
    return found


class ByteCounter:
    """Bytes the page received (HTTP bodies as sent, and WebSocket frames), counted by the DevTools protocol."""

    def __init__(self, page: Any) -> None:
        self.bytes = 0
        self.requests = 0
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        session.on("Network.loadingFinished", self._finished)
        session.on("Network.webSocketFrameReceived", self._frame)

    def _finished(self, event: dict[str, Any]) -> None:
        self.bytes += int(event.get("encodedDataLength", 0))
        self.requests += 1

    def _frame(self, event: dict[str, Any]) -> None:
        response = event.get("response", {})
        payload = response.get("payloadData", "")
        self.bytes += len(payload) * 3 // 4 if response.get("opcode") == 2 else len(payload.encode())


def signal_locator(page: Any, piece: Slice, previous: str | None) -> Any:
    """The element carrying a ``data-hubs`` different from ``previous`` (any, when None)."""
    selector = f"{piece.signal}[data-hubs]"
    if previous is not None:
        selector += f':not([data-hubs="{previous}"])'
    root = page.frame_locator(piece.signal_frame).last if piece.signal_frame else page
    return root.locator(selector).last


def open_session(browser: Any, url: str, piece: Slice) -> tuple[Any, ByteCounter, float]:
    """A new browser session on the slice; returns its page, byte counter and seconds to the first map."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    counter = ByteCounter(page)
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    signal_locator(page, piece, None).wait_for(state="attached")
    return page, counter, time.perf_counter() - start


def measure(
    browser: Any,
    piece: Slice,
    port: int,
    label_text: str,
    *,
    toggles: int,
    warmup: int,
    sessions: int,
    together: int = 6,
    screenshots: Path | None = None,
) -> Figures:
    """Every figure of one slice."""
    url = f"http://127.0.0.1:{port}/"
    figures = Figures(piece.name)
    with server(piece.command, piece.cwd, url) as (proc, ready):
        figures.server_ready = ready
        start = time.perf_counter()
        page, counter, _ = open_session(browser, url, piece)
        figures.first_map = ready + time.perf_counter() - start
        page.on("requestfailed", lambda request: figures.failed_requests.append(request.url))
        page.wait_for_timeout(1000)  # let the page settle (late requests count to its weight)
        figures.page_bytes, figures.page_requests = counter.bytes, counter.requests
        label = page.get_by_text(label_text, exact=True)
        current = signal_locator(page, piece, None).get_attribute("data-hubs")
        for i in range(warmup + toggles):
            before = counter.bytes
            t0 = time.perf_counter()
            label.click()
            signal = signal_locator(page, piece, current)
            signal.wait_for(state="attached")
            seconds = time.perf_counter() - t0
            current = signal.get_attribute("data-hubs")
            if i >= warmup:
                figures.toggle_seconds.append(seconds)
                figures.toggle_bytes.append(counter.bytes - before)
                figures.answers.append(current or "")
                figures.solve_seconds.append(float(signal.get_attribute("data-solve-seconds") or "nan"))
            page.wait_for_timeout(200)
        other = open_session(browser, url, piece)[0]
        figures.together_seconds = toggle_together([page, other], piece, label_text, rounds=together)
        if screenshots:
            screenshots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=screenshots / f"{piece.name.split()[0].lower()}.png")
        figures.rss_one, _ = memory_mb(proc.pid)
        pages = [open_session(browser, url, piece)[0] for _ in range(sessions)]
        page.wait_for_timeout(1000)
        figures.rss_more, figures.peak_rss = memory_mb(proc.pid)
        figures.sessions = sessions
        for each in [page, other, *pages]:
            each.context.close()  # before the server stops, so its closing is not counted as failed requests
    return figures


def versions(streamlit_python: str) -> dict[str, str]:
    """Versions of everything measured."""
    out = {"python": platform.python_version(), "hubopt": hubopt.__version__}
    for name in ("starlette", "uvicorn", "playwright"):
        out[name] = importlib.metadata.version(name)
    code = (
        "import importlib.metadata as m;"
        "print(' '.join(m.version(n) for n in ('streamlit', 'streamlit-folium', 'folium')))"
    )
    text = subprocess.run([streamlit_python, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    out.update(zip(("streamlit", "streamlit-folium", "folium"), text, strict=True))
    return out


def report(results: list[Figures], info: dict[str, str], load_before: str, load_after: str) -> None:
    """Print the figures."""
    print(
        f"date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}; load average before: {load_before}; "
        f"after: {load_after}; cores: {os.cpu_count()}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print()
    head = (
        "slice",
        "toggle median s",
        "p90 s",
        "min s",
        "max s",
        "KB per toggle",
        "two sessions at once: median s",
        "server ready s",
        "first map s",
        "page KB",
        "requests",
        "RSS MB",
        "RSS MB +N sessions",
        "MB per session",
    )
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for f in results:
        per_session = (f.rss_more - f.rss_one) / f.sessions if f.sessions else float("nan")
        cells = (
            f.name,
            f"{statistics.median(f.toggle_seconds):.3f}",
            f"{f.quantile(0.9):.3f}",
            f"{min(f.toggle_seconds):.3f}",
            f"{max(f.toggle_seconds):.3f}",
            f"{statistics.median(f.toggle_bytes) / 1024:.0f}",
            f"{statistics.median(f.together_seconds):.3f}" if f.together_seconds else "-",
            f"{f.server_ready:.2f}",
            f"{f.first_map:.2f}",
            f"{f.page_bytes / 1024:.0f}",
            str(f.page_requests),
            f"{f.rss_one:.0f}",
            f"{f.rss_more:.0f} (+{f.sessions})",
            f"{per_session:.1f}",
        )
        print("| " + " | ".join(cells) + " |")
    print()
    for f in results:
        overhead = [t - s for t, s in zip(f.toggle_seconds, f.solve_seconds, strict=True)]
        print(
            f"{f.name}: solve (server side) median {statistics.median(f.solve_seconds):.3f} s; toggle minus solve "
            f"median {statistics.median(overhead):.3f} s, p90 {nearest_rank(overhead, 0.9):.3f} s"
        )
    base, other = results[0], results[1]
    print()
    median_ratio = statistics.median(other.toggle_seconds) / statistics.median(base.toggle_seconds)
    print(
        f"ratio {other.name} / {base.name}: median {median_ratio:.1f}x, "
        f"p90 {other.quantile(0.9) / base.quantile(0.9):.1f}x"
    )
    for f in results:
        print(
            f"{f.name}: answers seen {sorted(set(f.answers))}; requests that failed (offline): "
            f"{sorted(set(f.failed_requests)) or 'none'}"
        )
    answers = [sorted(set(f.answers)) for f in results]
    print("same answers in both slices:", "yes" if answers[0] == answers[1] else f"NO: {answers}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streamlit-python", default="/work/venv-streamlit/bin/python")
    parser.add_argument("--toggles", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=4, help="extra browser sessions for the memory figure")
    parser.add_argument("--screenshots", type=Path, help="save a screenshot of each slice after the toggles here")
    parser.add_argument("--only", choices=("starlette", "streamlit"), help="measure one slice only")
    args = parser.parse_args()
    label_text = load().toggle_label
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    info = versions(args.streamlit_python)
    with tempfile.TemporaryDirectory(prefix="hubopt-slice-") as tmp, open_chromium(offline=True) as browser:
        info["chromium"] = browser.version
        results = []
        for piece, port in slices(args.streamlit_python, Path(tmp)):
            if args.only and args.only not in piece.name.lower():
                continue
            print(f"measuring {piece.name} ...", flush=True)
            figures = measure(
                browser,
                piece,
                port,
                label_text,
                toggles=args.toggles,
                warmup=args.warmup,
                sessions=args.sessions,
                screenshots=args.screenshots,
            )
            results.append(figures)
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    if len(results) == 2:
        report(results, info, " ".join(load_before), " ".join(load_after))
    else:
        for f in results:
            print(f.name, f.toggle_seconds, f.answers, f.failed_requests)


if __name__ == "__main__":
    main()
