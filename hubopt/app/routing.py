"""What every route of the workbench's server shares: the app's settings, the call (session and JSON sent), and
:func:`json_route`, which turns a handler into a Starlette endpoint that answers JSON and keeps the session cookie.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hubopt import builtin
from hubopt.app.payload import RequestTooLargeError, read_json
from hubopt.app.sessions import Session, SessionStore
from hubopt.errors import HuboptError
from hubopt.workbench import Workbench

__all__ = ["COOKIE", "AppSettings", "Call", "Handler", "json_route"]

#: The cookie naming a browser's session.
COOKIE = "hubopt_session"
_log = logging.getLogger("hubopt.app")


@dataclass(frozen=True)
class AppSettings:
    """What the app serves and where it may write.

    Attributes
    ----------
    workbench : Workbench
        The opened scenario.
    work_folder : Path
        The folder relative names (a new scenario file, an export folder) are read from: where ``hubopt app``
        was started.
    explain_budget : float
        Seconds the "why this answer" panel may take.
    """

    workbench: Workbench
    work_folder: Path
    explain_budget: float = 3.0

    @property
    def scenario_path(self) -> Path | None:
        """The scenario file, or None when the scenario was not read from one."""
        return self.workbench.scenario.path

    @property
    def builtin_scenario(self) -> bool:
        """True for a scenario shipped inside hubopt: saving writes a copy, never the package's file."""
        path = self.scenario_path
        return path is None or path.resolve().is_relative_to(builtin.SCENARIOS.resolve())

    @property
    def default_export_folder(self) -> Path:
        """The folder a pack goes to unless the user names another: maps/<scenario file name>_pack."""
        stem = self.scenario_path.stem if self.scenario_path is not None else "workbench"
        return Path("maps") / f"{stem}_pack"


@dataclass
class Call:
    """One request to a route: the settings, the browser's session and the JSON it sent."""

    settings: AppSettings
    session: Session
    data: dict[str, Any]

    @property
    def workbench(self) -> Workbench:
        return self.settings.workbench


Handler = Callable[[Call], Awaitable[dict[str, Any]]]


def json_route(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint around ``handler``: finds the session, reads the JSON body, answers JSON.

    hubopt's errors become ``{"error": message}`` (status 400, or 413 for an oversized request); any other
    exception is logged with its traceback and answered as a 500 with a short message, so the page always has
    something to show.
    """

    async def endpoint(request: Request) -> Response:
        settings: AppSettings = request.app.state.settings
        store: SessionStore = request.app.state.sessions
        session = store.get(request.cookies.get(COOKIE))
        status = 200
        try:
            data = await read_json(request) if request.method == "POST" else dict(request.query_params)
            payload = await handler(Call(settings, session, data))
        except RequestTooLargeError as exc:
            status, payload = 413, {"error": str(exc)}
        except HuboptError as exc:
            status, payload = 400, {"error": str(exc)}
        except Exception as exc:
            _log.exception("the workbench failed on %s", request.url.path)
            status, payload = 500, {"error": f"something went wrong in hubopt ({type(exc).__name__}: {exc})"}
        response = JSONResponse(payload, status_code=status)
        response.set_cookie(COOKIE, session.id, httponly=True, samesite="strict")
        return response

    return endpoint
