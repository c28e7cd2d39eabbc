"""Print the report to PDF in headless Chromium, driven by Playwright.

The PDF is printed by the same HTML engine a reader's browser uses, so it looks like the report on screen (with the
report's print style sheet). Two things are needed, neither installed by ``pip install hubopt`` alone:

- the Python package Playwright: ``pip install 'hubopt[pdf]'``. Only its driver is used; it downloads no browser
  (never run ``playwright install``);
- a Chromium or Chrome on the machine: Debian's package ``chromium`` (``/usr/bin/chromium``), or ``$HUBOPT_CHROMIUM``
  naming one.

:func:`open_chromium` starts that browser, offline, with the options used here; the browser tests of the map and the
report use it too, so that they check the pages in the browser that prints them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from hubopt.errors import HuboptError

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
except ImportError:  # the optional extra 'pdf' is not installed: print_pdf says how to install it
    sync_playwright = None  # type: ignore[assignment]

    class PlaywrightError(Exception):  # type: ignore[no-redef]
        """Stands in for Playwright's error when Playwright is missing (nothing raises it then)."""


if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = [
    "CHROMIUM_FLAGS",
    "BrowserError",
    "PlaywrightError",
    "find_chromium",
    "open_chromium",
    "outside_event_loop",
    "page_url",
    "pdf_printer_missing",
    "print_pdf",
]

#: Chromium's switches: as root it needs ``--no-sandbox``; the rest keep it from reaching for the network (this and
#: many NHS machines have none: without them Chromium keeps trying Google's hosts) and from using a GPU or a profile.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
)
#: Resolve no host name but the machine's own, so that an offline page never waits on the network.
_OFFLINE_RULES = "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"
_NO_CHROMIUM = (
    "Chromium is not installed: install Debian's package 'chromium' (apt-get install chromium), or set "
    "HUBOPT_CHROMIUM to a Chrome/Chromium executable"
)
_NO_PLAYWRIGHT = (
    "the Python package playwright is not installed: pip install 'hubopt[pdf]' (it uses the Chromium on this "
    "machine and downloads no browser)"
)

_T = TypeVar("_T")


class BrowserError(HuboptError):
    """Chromium or Playwright is missing, or the browser could not be started or could not print."""


def find_chromium() -> str | None:
    """The Chromium executable: ``$HUBOPT_CHROMIUM``, ``/usr/bin/chromium``, or chromium/chrome on the PATH.

    Returns
    -------
    str or None
        The path, or None when no browser is installed.
    """
    candidates = [os.environ.get("HUBOPT_CHROMIUM", ""), "/usr/bin/chromium"]
    candidates += [shutil.which(name) or "" for name in ("chromium", "chromium-browser", "google-chrome", "chrome")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def pdf_printer_missing() -> str | None:
    """Why a PDF cannot be printed on this machine (what to install), or None when it can.

    Returns
    -------
    str or None
        The missing pieces and how to install each, or None when Playwright and a Chromium are both there.
    """
    missing = [_NO_PLAYWRIGHT] if sync_playwright is None else []
    if find_chromium() is None:
        missing.append(_NO_CHROMIUM)
    return "; and ".join(missing) or None


def page_url(page: str | Path) -> str:
    """The address of a page: an ``http(s)://`` or ``file://`` URL as given, a file path as a ``file://`` URL.

    Raises
    ------
    BrowserError
        When the file does not exist.
    """
    text = str(page)
    if text.startswith(("http://", "https://", "file://")):
        return text
    path = Path(text).resolve()
    if not path.exists():
        raise BrowserError(f"page not found: {path}")
    return path.as_uri()


@contextmanager
def open_chromium(*, offline: bool = True, timeout: float = 60) -> Iterator[Browser]:
    """Start headless Chromium under Playwright; close it on leaving the block.

    Parameters
    ----------
    offline : bool
        Resolve no external host (requests to the internet fail at once).
    timeout : float
        Seconds allowed for the browser to start.

    Yields
    ------
    playwright.sync_api.Browser

    Raises
    ------
    BrowserError
        When Playwright or Chromium is missing, or Chromium does not start.
    """
    executable = find_chromium()
    if executable is None:
        raise BrowserError(_NO_CHROMIUM)
    if sync_playwright is None:
        raise BrowserError(_NO_PLAYWRIGHT)
    args = list(CHROMIUM_FLAGS)
    if offline:
        args.append(f"--host-resolver-rules={_OFFLINE_RULES}")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=args, timeout=timeout * 1000
            )
        except PlaywrightError as err:
            raise BrowserError(f"could not start Chromium ({executable}): {_first_line(err)}") from None
        try:
            yield browser
        finally:
            browser.close()


def print_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 60, offline: bool = True) -> Path:
    """Print a page to PDF with headless Chromium (A4 unless the page's CSS sets ``@page size``).

    Works from a notebook too: inside a running event loop the browser is driven from a worker thread.

    Parameters
    ----------
    html_path : str or Path
        The HTML file.
    pdf_path : str or Path
        The PDF to write (its folder is created when missing).
    timeout : float
        Seconds before giving up on loading or printing the page.
    offline : bool
        Resolve no external host.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    BrowserError
        When Playwright or Chromium is missing, or the page could not be printed.
    """
    url = page_url(html_path)
    out = Path(pdf_path)

    def print_page() -> Path:
        with open_chromium(offline=offline, timeout=timeout) as browser:
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 1600})
                page.set_default_timeout(timeout * 1000)
                page.goto(url, wait_until="load")
                out.parent.mkdir(parents=True, exist_ok=True)
                # tagged: a PDF with its headings, lists and tables marked, for screen readers
                page.pdf(path=out, format="A4", print_background=True, prefer_css_page_size=True, tagged=True)
            except PlaywrightError as err:
                raise BrowserError(f"could not print {html_path} to PDF: {_first_line(err)}") from None
        return out

    return outside_event_loop(print_page)


def outside_event_loop(work: Callable[[], _T]) -> _T:
    """Run ``work`` here, or in a worker thread when this thread runs an asyncio loop (a notebook does).

    Playwright's synchronous interface refuses to run inside an event loop; a thread of its own has none.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubopt-chromium") as pool:
        return pool.submit(work).result()


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
