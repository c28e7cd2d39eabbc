"""The workbench's web server: a Starlette app over one :class:`~hubopt.workbench.session.Workbench`.

The page (``static/index.html`` with its scripts) asks the server everything through small JSON routes under
``/api/``; each route is a thin call of the workbench, run in a worker thread so that one browser's slow solve never
holds up another's. Leaflet is served from the copy hubopt ships (``hubopt/render/assets``): nothing comes from the
internet except the optional street-map tiles.

Every route answers JSON. A mistake in what was asked (an unknown site, more must-open sites than hubs, no site
within the MCLP minutes, a capacity no set of hubs meets) is a 400 answer whose ``error`` the page shows as it is,
keeping the previous answer on screen; nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hubopt.app import api, keep
from hubopt.app.routing import AppSettings, Call, json_route
from hubopt.app.sessions import MAX_PINNED, MAX_SESSIONS, SessionStore
from hubopt.app.style import map_style, site_list
from hubopt.render.offline import ASSETS
from hubopt.workbench import Workbench

__all__ = ["ALLOWED_HOSTS", "STATIC", "create_app"]

#: The page and its scripts and styles (package data).
STATIC = Path(__file__).with_name("static")
#: Host names the app answers to (it listens on 127.0.0.1 only; other names would be a DNS-rebinding page).
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]


async def _setup(call: Call) -> dict[str, Any]:
    """Everything the page needs once: the scenario, its choices, the sites, the map style, the app's limits."""
    settings = call.settings
    sites, symbols = site_list(call.workbench.sites)
    return {
        "scenario": call.workbench.scenario.name,
        "scenario_file": str(settings.scenario_path) if settings.scenario_path else None,
        "builtin_scenario": settings.builtin_scenario,
        "choices": call.workbench.choices(),
        "sites": sites,
        "symbols": symbols,
        "style": map_style(),
        "export_folder": str(settings.default_export_folder),
        "limits": {"pinned": MAX_PINNED, "compare": 4},
    }


async def _zones(call: Call) -> dict[str, Any]:
    return call.workbench.zones_geojson()


async def _index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


def create_app(
    workbench: Workbench,
    *,
    work_folder: Path | None = None,
    explain_budget: float = 3.0,
    max_sessions: int = MAX_SESSIONS,
) -> Starlette:
    """The workbench's web app over an opened workbench.

    Parameters
    ----------
    workbench : Workbench
        The scenario to serve (opened once; every browser session shares it, read-only).
    work_folder : Path, optional
        Where relative file and folder names the user types are read from (default: the current folder).
    explain_budget : float
        Seconds the "why this answer" panel may take for one answer.
    max_sessions : int
        Browser sessions kept at once (the least recently used is forgotten beyond it).

    Returns
    -------
    starlette.applications.Starlette
        Serve it with uvicorn (``hubopt app`` does: :func:`hubopt.app.serve.serve`) or test it with Starlette's
        ``TestClient``.
    """
    settings = AppSettings(workbench, (work_folder or Path.cwd()).resolve(), explain_budget)
    routes = [
        Route("/", _index),
        Route("/api/setup", json_route(_setup)),
        Route("/api/zones", json_route(_zones)),
        *api.routes(),
        *keep.routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Mount("/leaflet", StaticFiles(directory=ASSETS), name="leaflet"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=ALLOWED_HOSTS)])
    app.state.settings = settings
    app.state.sessions = SessionStore(max_sessions)
    return app
