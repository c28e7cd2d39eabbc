"""The routes that keep the forum's work: save the pinned options into a scenario file, and export a consultation
pack (the usual run folder) for the answer on screen or a pinned option.

Both write only where hubopt may: the scenario file is rewritten atomically keeping its comments, a built-in
scenario is never written (a copy is, under a new name the user gives), and a pack goes to a new folder or one that
holds an earlier hubopt run, never over files hubopt did not write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from hubopt.app.api import CURRENT, question_on_screen
from hubopt.app.payload import text_field
from hubopt.app.routing import Call, json_route
from hubopt.errors import InputError
from hubopt.workbench.save import save_options

__all__ = ["routes"]


def routes() -> list[Route]:
    """The routes of this module, under ``/api/``."""
    return [
        Route("/api/save", json_route(_save), methods=["POST"]),
        Route("/api/export", json_route(_export), methods=["POST"]),
    ]


async def _save(call: Call) -> dict[str, Any]:
    """Write the pinned options into the scenario's ``appraisal.options`` (a built-in scenario: into a copy)."""
    options = list(call.session.pinned)
    if not options:
        raise InputError("no option is pinned yet", hint="pin the answer on screen first ('Pin this answer')")
    settings = call.settings
    target: Path | None = None
    if settings.builtin_scenario:
        target = _new_scenario_file(text_field(call.data, "file_name", limit=500), settings.work_folder)
    written = await run_in_threadpool(lambda: save_options(settings.scenario_path, options, target=target))
    return {"written": str(written), "options": [option.name for option in options]}


async def _export(call: Call) -> dict[str, Any]:
    """Write a consultation pack for the answer on screen (or a pinned option) into the folder named."""
    settings = call.settings
    name = text_field(call.data, "option", default=CURRENT, limit=1000) or CURRENT
    folder_text = text_field(call.data, "folder", limit=1000).strip() or str(settings.default_export_folder)
    folder = (settings.work_folder / Path(folder_text).expanduser()).resolve()
    overwrite = call.data.get("overwrite", False) is True
    site_ids: tuple[str, ...] | None = None  # the answer on screen: the optimiser's sites for its question
    if name == CURRENT:
        question, label = question_on_screen(call), ""
    else:
        (option,) = call.session.options([name])
        question, site_ids, label = option.question, option.site_ids, option.name
    written = await run_in_threadpool(
        lambda: call.workbench.export_pack(question, folder, site_ids=site_ids, name=label, overwrite=overwrite)
    )
    files = sorted(p.name for p in Path(written).iterdir()) if Path(written).is_dir() else []
    return {"folder": str(written), "files": files}


def _new_scenario_file(file_name: str, work_folder: Path) -> Path:
    """The scenario file a built-in scenario's options are saved to: a .yaml name in an existing folder (an
    existing file is written only when it is a scenario of the same study: ``save_options`` checks)."""
    name = file_name.strip()
    if not name:
        raise InputError(
            "this is a built-in scenario, which hubopt never changes: the options go into a copy of it",
            hint="type a file name for the copy, e.g. west_kent_options.yaml",
        )
    path = (work_folder / Path(name).expanduser()).resolve()
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(f"'{name}' is not a YAML file name", hint="end the name with .yaml")
    if not path.parent.is_dir():
        raise InputError(f"the folder {path.parent} does not exist", hint="create it, or choose another folder")
    return path
