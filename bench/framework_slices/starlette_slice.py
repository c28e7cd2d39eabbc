"""The framework slice in Starlette + uvicorn: one page with the embedded Leaflet, a JSON re-solve (bench only).

The page (``slice_page.html``) loads Leaflet from this server (the copy hubopt ships in ``hubopt/render/assets``:
no CDN), draws the zones once, and on each toggle asks ``/solve`` for the new answer and restyles the zones in
place. When the redraw is painted it sets ``data-hubs`` on ``#map`` (the measurement waits on it).

Run: PYTHONPATH=. python bench/framework_slices/starlette_slice.py --port 8601
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from slice_data import SliceData, load
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import hubopt.render

PAGE = Path(__file__).with_name("slice_page.html")
ASSETS = Path(hubopt.render.__file__).with_name("assets")


def create_app(data: SliceData) -> Starlette:
    """The slice's web app over ``data``."""

    async def page(_request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.read_text(encoding="utf-8").replace("{{LABEL}}", data.toggle_label))

    async def start(_request: Request) -> JSONResponse:
        answer = await run_in_threadpool(data.solve, False)
        return JSONResponse(
            {"zones": data.zones_geojson, "sites": data.sites, "bounds": data.bounds, "answer": answer}
        )

    async def solve(request: Request) -> JSONResponse:
        toggled_off = request.query_params.get("off") == "1"
        return JSONResponse(await run_in_threadpool(data.solve, toggled_off))

    return Starlette(
        routes=[
            Route("/", page),
            Route("/start", start),
            Route("/solve", solve),
            Mount("/assets", StaticFiles(directory=ASSETS)),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8601)
    args = parser.parse_args()
    uvicorn.run(create_app(load()), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
