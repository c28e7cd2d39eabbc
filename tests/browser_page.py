"""Check a page in a real browser for the tests: render it in headless Chromium, take a screenshot, collect errors.

Chromium is started by :func:`hubopt.render.pdf.open_chromium` (Playwright driving Debian's chromium, offline: no
host name resolves) and the page's console, uncaught exceptions and failed requests are sorted into script errors
and network errors, kept apart (a map tile that cannot load offline is not a script error).

Imported by the tests as ``browser_page`` (pytest puts ``tests/`` on the import path).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from hubopt.render.pdf import PlaywrightError, open_chromium, outside_event_loop, page_url, pdf_printer_missing

__all__ = ["BrowserResult", "needs_chromium", "screenshot"]

#: What this machine lacks to run a browser (Chromium or Playwright, and how to install it), or None.
MISSING = pdf_printer_missing()

#: Skips a test, saying what to install, when Chromium or Playwright is not on this machine (CI installs both).
needs_chromium = pytest.mark.skipif(
    MISSING is not None,
    reason=f"browser checks skipped: {MISSING} (CI installs both: .ci/run and pip install -e '.[test]')",
)

#: Chromium logs every failed request as a console error with this text; those are network errors, not script ones.
_NETWORK_LOG = "Failed to load resource:"


@dataclass
class BrowserResult:
    """What the browser saw.

    Attributes
    ----------
    rendered : bool
        True when the page loaded and the screenshot was written.
    path : Path or None
        The screenshot written.
    console_errors : list of str
        JavaScript errors: ``console.error``/``console.assert`` calls and uncaught exceptions, with where they were.
    network_errors : list of str
        Requests that failed (e.g. map tiles when offline). Not script errors.
    console_messages : list of str
        Every console message, for the record ("level: text").
    title : str
        The page title.
    dom_text : str
        The visible text of the page after its scripts ran (``document.body.innerText``).
    dom_html : str
        The serialised DOM after its scripts ran (``document.documentElement.outerHTML``).
    seconds : float
        Wall-clock time.
    error : str or None
        Why the page did not render, when it did not.
    evaluated : Any
        The value of the ``evaluate`` expression (JSON-decoded), when one was given.
    """

    rendered: bool
    path: Path | None
    console_errors: list[str] = field(default_factory=list)
    network_errors: list[str] = field(default_factory=list)
    console_messages: list[str] = field(default_factory=list)
    title: str = ""
    dom_text: str = ""
    dom_html: str = ""
    seconds: float = 0.0
    error: str | None = None
    evaluated: Any = None


def screenshot(
    html_path: str | Path,
    png_path: str | Path,
    *,
    width: int = 1400,
    height: int = 1000,
    timeout: float = 60,
    settle: float = 1.0,
    full_page: bool = False,
    offline: bool = True,
    evaluate: str | None = None,
    media: Literal["screen", "print"] | None = None,
) -> BrowserResult:
    """Render a page in headless Chromium, save a PNG screenshot and report script errors and the DOM text.

    Parameters
    ----------
    html_path : str or Path
        The HTML file (or an ``http(s)://`` / ``file://`` URL).
    png_path : str or Path
        The screenshot to write (folder created when missing).
    width, height : int
        Window size in CSS pixels.
    timeout : float
        Seconds allowed for each step (loading, evaluating, capturing) before giving up (``rendered`` is then False).
    settle : float
        Seconds to wait after the load event for scripts and layout to settle.
    full_page : bool
        Capture the whole page height, not only the window.
    offline : bool
        Resolve no external host (requests to the internet fail at once and are listed in ``network_errors``).
    evaluate : str, optional
        A JavaScript expression run after the page settled (a promise is awaited); its value, which must survive
        ``JSON.stringify``, is returned in ``evaluated``. Used to measure the layout (e.g. bounding boxes).
    media : str, optional
        CSS media type to emulate, ``"screen"`` or ``"print"`` (to lay the page out as it prints).

    Returns
    -------
    BrowserResult

    Raises
    ------
    hubopt.render.pdf.BrowserError
        When Chromium or Playwright is not installed, or Chromium does not start.
    """
    url = page_url(html_path)
    out = Path(png_path)
    start = time.monotonic()
    result = BrowserResult(rendered=False, path=None)

    def render() -> None:
        with open_chromium(offline=offline, timeout=timeout) as browser:
            page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
            page.set_default_timeout(timeout * 1000)
            requested: set[str] = set()
            page.on("request", lambda request: requested.add(request.url))
            page.on("console", lambda message: _console(message, requested, result))
            page.on("pageerror", lambda error: result.console_errors.append(_uncaught(error)))
            page.on("requestfailed", lambda request: _failed(request, result))
            try:
                page.goto(url, wait_until="load")
                if media:
                    page.emulate_media(media=media)
                page.wait_for_timeout(settle * 1000)
                if evaluate:
                    raw = page.evaluate(
                        f"Promise.resolve({evaluate}).then(function (v) {{ return JSON.stringify(v); }})"
                    )
                    result.evaluated = json.loads(raw) if raw is not None else None
                facts = page.evaluate(
                    "() => ({title: document.title, text: document.body ? document.body.innerText : '',"
                    " html: document.documentElement.outerHTML})"
                )
                result.title, result.dom_text, result.dom_html = facts["title"], facts["text"], facts["html"]
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=out, full_page=full_page)
                result.path, result.rendered = out, True
            except PlaywrightError as err:
                result.error = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__

    outside_event_loop(render)
    result.seconds = time.monotonic() - start
    return result


def _console(message: Any, requested: set[str], result: BrowserResult) -> None:
    """Sort a console message: a script's error, a failed request's log line, or only for the record."""
    level, text = message.type, message.text
    where = message.location or {}
    result.console_messages.append(f"{level}: {text} {where.get('url', '')}".strip())
    if level not in ("error", "assert"):
        return
    if text.startswith(_NETWORK_LOG) and where.get("url") in requested:
        line = f"{text} {where['url']}"
        if line not in result.network_errors:
            result.network_errors.append(line)
        return
    place = f" ({where.get('url', '')}:{where.get('lineNumber', 0) + 1})" if where.get("url") else ""
    result.console_errors.append(f"console.{level}: {text}{place}")


def _uncaught(error: Any) -> str:
    """An uncaught exception, as its first line and where it was thrown."""
    stack = [line.strip() for line in (error.stack or "").splitlines() if line.strip().startswith("at ")]
    where = f" ({stack[0][3:]})" if stack else ""
    return f"uncaught: {error.name}: {error.message}".splitlines()[0] + where


def _failed(request: Any, result: BrowserResult) -> None:
    line = f"{request.failure or 'failed'} {request.url}".strip()
    if line not in result.network_errors:
        result.network_errors.append(line)
