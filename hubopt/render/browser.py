"""Check a page in a real browser: render it in headless Chromium, take a screenshot, collect JavaScript errors.

Used to check that the interactive map and the report render with no script errors, and to print the report to PDF.

Chromium is driven through the DevTools protocol over ``--remote-debugging-pipe`` with a small client written here
on the standard library: no TCP port is opened (so parallel runs on a shared machine cannot collide and nothing
listens on the network), no browser is downloaded (Playwright's Python package wants its own browser build, which
cannot be fetched here) and no Python dependency is added. The protocol gives what the command-line switches
(``--screenshot``, ``--dump-dom``) cannot: console errors and uncaught exceptions with their messages, the DOM text
after the scripts ran, and failed network requests, kept apart from script errors.

Debian's package ``chromium`` provides the browser (``/usr/bin/chromium``).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubopt.errors import HuboptError

__all__ = ["BrowserError", "BrowserResult", "find_chromium", "print_pdf", "screenshot"]

_FLAGS = (
    "--headless",
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
#: Resolve no host name but the machine's own, so that an offline check never waits on the network.
_OFFLINE_RULES = "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"


class BrowserError(HuboptError):
    """Chromium is missing, or could not be started or driven."""


@dataclass
class BrowserResult:
    """What the browser saw.

    Attributes
    ----------
    rendered : bool
        True when the page loaded and the screenshot (or PDF) was written.
    path : Path or None
        The screenshot (or PDF) written.
    console_errors : list of str
        JavaScript errors: ``console.error`` calls and uncaught exceptions, with their source and line.
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
    media: str | None = None,
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
        Seconds before giving up (the browser is then stopped and ``rendered`` is False).
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
        CSS media type to emulate, e.g. ``"print"`` to lay the page out as it prints.

    Returns
    -------
    BrowserResult

    Raises
    ------
    BrowserError
        When Chromium is not installed or does not start.
    """
    return _run(html_path, Path(png_path), "png", width, height, timeout, settle, full_page, offline, evaluate, media)


def print_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 60, offline: bool = True) -> Path:
    """Print a page to PDF with headless Chromium (A4 unless the page's CSS sets ``@page size``).

    Parameters
    ----------
    html_path : str or Path
        The HTML file.
    pdf_path : str or Path
        The PDF to write.
    timeout : float
        Seconds before giving up.
    offline : bool
        Resolve no external host.

    Returns
    -------
    Path

    Raises
    ------
    BrowserError
        When Chromium is missing, or the page could not be printed.
    """
    result = _run(html_path, Path(pdf_path), "pdf", 1200, 1600, timeout, 0.3, False, offline)
    if not result.rendered or result.path is None:
        raise BrowserError(f"could not print {html_path} to PDF: {result.error}")
    return result.path


# --------------------------------------------------------------------------------------------------------------------
# The DevTools-protocol session over a pipe
# --------------------------------------------------------------------------------------------------------------------


class _Pipe:
    """A DevTools-protocol connection over Chromium's ``--remote-debugging-pipe`` (fd 3 in, fd 4 out, NUL-framed)."""

    def __init__(self, executable: str, args: list[str]) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Move the child's ends above 10 (close-on-exec), then place them at 3 and 4 in the child only.
        high_r = _dup_high(to_browser_r)
        high_w = _dup_high(from_browser_w)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def place_fds() -> None:  # runs in the child between fork and exec
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        try:
            # close_fds=False keeps fds 3 and 4; every other fd Python opens is close-on-exec (PEP 446).
            self.process = subprocess.Popen(
                [executable, *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                close_fds=False,
                preexec_fn=place_fds,
                start_new_session=True,
            )
        except OSError as err:
            raise BrowserError(f"could not start Chromium ({executable}): {err}") from None
        finally:
            os.close(high_r)
            os.close(high_w)
        self._stderr: list[str] = []
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._replies: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._next_id = 0
        self._closed = False
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._from_browser, "rb", buffering=0) as stream:
            while True:
                chunk = stream.read(1 << 16)
                if not chunk:
                    break
                buffer += chunk
                while b"\0" in buffer:
                    raw, buffer = buffer.split(b"\0", 1)
                    try:
                        message = json.loads(raw)
                    except ValueError:
                        continue
                    if "id" in message:
                        with self._cond:
                            self._replies[message["id"]] = message
                            self._cond.notify_all()
                    else:
                        self._events.put(message)
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if len(self._stderr) < 200:
                self._stderr.append(line.decode("utf-8", "replace").rstrip())

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None, deadline: float
    ) -> dict[str, Any]:
        """Send a command and wait for its reply; raise BrowserError on a protocol error or the deadline."""
        with self._cond:
            self._next_id += 1
            message_id = self._next_id
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(message).encode("utf-8") + b"\0")
        except OSError as err:
            raise BrowserError(f"Chromium closed the connection ({err}); {self.stderr_tail()}") from None
        with self._cond:
            while message_id not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BrowserError(f"Chromium did not answer {method} in time")
                if self._closed:
                    raise BrowserError(f"Chromium stopped while answering {method}; {self.stderr_tail()}")
                self._cond.wait(min(left, 0.5))
            reply = self._replies.pop(message_id)
        if "error" in reply:
            raise BrowserError(f"{method} failed: {reply['error'].get('message', reply['error'])}")
        return reply.get("result", {})

    def events(self) -> list[dict[str, Any]]:
        out = []
        while True:
            try:
                out.append(self._events.get_nowait())
            except queue.Empty:
                return out

    def wait_event(self, method: str, session: str, deadline: float, sink: list[dict[str, Any]]) -> bool:
        """Wait for an event (keeping every event seen in ``sink``); False at the deadline."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                event = self._events.get(timeout=min(left, 0.25))
            except queue.Empty:
                if self._closed:
                    return False
                continue
            sink.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return True

    def stderr_tail(self) -> str:
        return " | ".join(self._stderr[-5:]) or "no message from Chromium"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._to_browser, json.dumps({"id": 10**9, "method": "Browser.close"}).encode() + b"\0")
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        with contextlib.suppress(OSError):
            os.close(self._to_browser)


def _dup_high(fd: int) -> int:
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)


def _url(page: str | Path) -> str:
    text = str(page)
    if text.startswith(("http://", "https://", "file://")):
        return text
    path = Path(text).resolve()
    if not path.exists():
        raise BrowserError(f"page not found: {path}")
    return path.as_uri()


def _run(
    page: str | Path,
    out: Path,
    kind: str,
    width: int,
    height: int,
    timeout: float,
    settle: float,
    full_page: bool,
    offline: bool,
    evaluate: str | None = None,
    media: str | None = None,
) -> BrowserResult:
    executable = find_chromium()
    if executable is None:
        raise BrowserError(
            "Chromium is not installed: install Debian's package 'chromium' (apt-get install chromium), or set "
            "HUBOPT_CHROMIUM to a Chrome/Chromium executable"
        )
    url = _url(page)
    start = time.monotonic()
    deadline = start + timeout
    profile = tempfile.mkdtemp(prefix="hubopt-chromium-")
    args = [
        *_FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "--remote-debugging-pipe",
    ]
    if offline:
        args.append(f"--host-resolver-rules={_OFFLINE_RULES}")
    args.append("about:blank")
    result = BrowserResult(rendered=False, path=None)
    events: list[dict[str, Any]] = []
    pipe: _Pipe | None = None
    try:
        pipe = _Pipe(executable, args)
        target = pipe.send("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
        session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True}, deadline=deadline)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            pipe.send(f"{domain}.enable", session=session, deadline=deadline)
        pipe.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
            deadline=deadline,
        )
        navigation = pipe.send("Page.navigate", {"url": url}, session=session, deadline=deadline)
        if navigation.get("errorText"):
            raise BrowserError(f"could not open {url}: {navigation['errorText']}")
        if not pipe.wait_event("Page.loadEventFired", session, deadline, events):
            raise BrowserError(f"the page did not finish loading within {timeout:g} s")
        if media:
            pipe.send("Emulation.setEmulatedMedia", {"media": media}, session=session, deadline=deadline)
        settle_until = min(time.monotonic() + settle, deadline)
        pipe.wait_event("(settle)", session, settle_until, events)
        if evaluate:
            value = pipe.send(
                "Runtime.evaluate",
                {
                    "expression": f"Promise.resolve({evaluate}).then(function (v) {{ return JSON.stringify(v); }})",
                    "awaitPromise": True,
                    "returnByValue": True,
                },
                session=session,
                deadline=deadline,
            )
            if "exceptionDetails" in value:
                details = value["exceptionDetails"]
                raise BrowserError(
                    f"the expression failed: {details.get('exception', {}).get('description') or details}"
                )
            raw = value.get("result", {}).get("value")
            result.evaluated = json.loads(raw) if raw is not None else None
        info = pipe.send(
            "Runtime.evaluate",
            {
                "expression": "JSON.stringify({title: document.title, text: document.body ? document.body.innerText"
                " : '', html: document.documentElement.outerHTML, height: Math.ceil(Math.max("
                "document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0))})",
                "returnByValue": True,
            },
            session=session,
            deadline=deadline,
        )
        facts = json.loads(info.get("result", {}).get("value") or "{}")
        result.title = facts.get("title", "")
        result.dom_text = facts.get("text", "")
        result.dom_html = facts.get("html", "")
        out.parent.mkdir(parents=True, exist_ok=True)
        if kind == "png":
            params: dict[str, Any] = {"format": "png"}
            if full_page:
                full = max(int(facts.get("height") or height), height)
                pipe.send(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": min(full, 16000), "deviceScaleFactor": 1, "mobile": False},
                    session=session,
                    deadline=deadline,
                )
                params["captureBeyondViewport"] = True
            data = pipe.send("Page.captureScreenshot", params, session=session, deadline=deadline)["data"]
        else:
            data = pipe.send(
                "Page.printToPDF",
                {"printBackground": True, "preferCSSPageSize": True, "paperWidth": 8.27, "paperHeight": 11.69},
                session=session,
                deadline=deadline,
            )["data"]
        out.write_bytes(base64.b64decode(data))
        result.path = out
        result.rendered = True
    except BrowserError as err:
        result.error = str(err)
        if pipe is None:
            raise
    finally:
        if pipe is not None:
            events.extend(pipe.events())
            pipe.close()
        shutil.rmtree(profile, ignore_errors=True)
    _collect(events, result)
    result.seconds = time.monotonic() - start
    return result


def _collect(events: list[dict[str, Any]], result: BrowserResult) -> None:
    """Sort the protocol events into console messages, script errors and network failures."""
    requests: dict[str, str] = {}
    for event in events:
        method = event.get("method")
        params = event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(_remote_text(a) for a in params.get("args", []))
            level = params.get("type", "log")
            result.console_messages.append(f"{level}: {text}")
            if level in ("error", "assert"):
                frames = params.get("stackTrace", {}).get("callFrames", [])
                where = f" ({frames[0].get('url', '')}:{frames[0].get('lineNumber', 0) + 1})" if frames else ""
                result.console_errors.append(f"console.{level}: {text}{where}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            description = details.get("exception", {}).get("description") or details.get("text", "exception")
            where = f" ({details.get('url', '')}:{details.get('lineNumber', 0) + 1})"
            result.console_errors.append(f"uncaught: {description.splitlines()[0]}{where}")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            text = f"{entry.get('level')}: {entry.get('text', '')} {entry.get('url', '')}".strip()
            result.console_messages.append(text)
            if entry.get("level") == "error":
                if entry.get("source") == "network":
                    result.network_errors.append(f"{entry.get('text', '')} {entry.get('url', '')}".strip())
                elif entry.get("source") in ("javascript", "console-api"):
                    result.console_errors.append(text)
        elif method == "Network.requestWillBeSent":
            requests[params.get("requestId", "")] = params.get("request", {}).get("url", "")
        elif method == "Network.loadingFailed":
            url = requests.get(params.get("requestId", ""), "")
            line = f"{params.get('errorText', 'failed')} {url}".strip()
            if line not in result.network_errors:
                result.network_errors.append(line)


def _remote_text(arg: dict[str, Any]) -> str:
    if "value" in arg:
        return str(arg["value"])
    return str(arg.get("description") or arg.get("unserializableValue") or arg.get("type", ""))
