"""``hubopt app``: the forum workbench served as a local web app (Starlette + uvicorn, Leaflet embedded).

A thin layer over :mod:`hubopt.workbench`: no model or travel logic here.
"""
