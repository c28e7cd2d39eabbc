"""What the page sends: a JSON body of bounded size, and the question in it, checked before anything is solved.

Every check fails with an :class:`~hubopt.errors.InputError` whose message the page shows as it is.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from starlette.requests import Request

from hubopt.errors import InputError
from hubopt.workbench import WORKBENCH_MODELS, Question

__all__ = [
    "MAX_BODY_BYTES",
    "RequestTooLargeError",
    "question_from_json",
    "read_json",
    "text_field",
]

#: The largest request body accepted, in bytes (a question with every site listed is a few kilobytes).
MAX_BODY_BYTES = 64 * 1024

_WHOLE_FIELDS = ("hubs", "year")
_NUMBER_FIELDS = ("max_minutes", "min_population", "max_population")
_TEXT_FIELDS = ("model", "mode")
_SITE_FIELDS = ("must_open", "unavailable")


class RequestTooLargeError(InputError):
    """A request body larger than :data:`MAX_BODY_BYTES`."""


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object, read no further than :data:`MAX_BODY_BYTES`.

    Raises
    ------
    RequestTooLargeError
        When the body (as announced, or as read) is larger.
    InputError
        When it is not a JSON object, or not sent as JSON (``Content-Type: application/json``).
    """
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        # A page of another site can post a plain-text form here without asking; it cannot post JSON.
        raise InputError("the request must be JSON (Content-Type: application/json)", hint="reload the page")
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > MAX_BODY_BYTES:
        raise RequestTooLargeError(f"the request is too large ({int(announced):,} bytes; at most {MAX_BODY_BYTES:,})")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise RequestTooLargeError(f"the request is too large (more than {MAX_BODY_BYTES:,} bytes)")
    try:
        data = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError("the request is not JSON", hint="reload the page") from None
    if not isinstance(data, dict):
        raise InputError("the request is not a JSON object", hint="reload the page")
    return data


def text_field(data: dict[str, Any], key: str, *, default: str = "", limit: int = 1000) -> str:
    """The text ``data[key]`` (``default`` when absent), at most ``limit`` characters."""
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InputError(f"'{key}' must be text, not {type(value).__name__}")
    if len(value) > limit:
        raise InputError(f"'{key}' is {len(value):,} characters long; at most {limit:,}")
    return value


def question_from_json(data: object, default: Question, *, site_count: int) -> Question:
    """The question the page asks: its fields over ``default``'s.

    Parameters
    ----------
    data : object
        A JSON object with some of the fields of :class:`Question` (``hubs``, ``model``, ``mode``, ``year``,
        ``max_minutes``, ``min_population``, ``max_population``, ``must_open``, ``unavailable``), as
        ``Question.to_json()`` writes them (its ``query`` is ignored).
    default : Question
        The fields not given.
    site_count : int
        How many candidate sites the workbench has (a list of sites longer than that is refused unread).

    Raises
    ------
    InputError
        Naming the field that is unknown or of the wrong kind. (Whether the sites exist and the combination is
        possible is the workbench's to say, when it answers.)
    """
    if data is None:
        raise InputError("there is no answer on screen yet", hint="wait for the map to show an answer")
    if not isinstance(data, dict):
        raise InputError("the question must be a JSON object", hint="reload the page")
    known = {f.name for f in dataclasses.fields(Question)}
    data = {key: value for key, value in data.items() if key != "query"}  # Question.to_json() adds its link
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        raise InputError(f"unknown question field(s): {', '.join(unknown)}", hint="reload the page")
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key in _WHOLE_FIELDS:
            changes[key] = _whole(key, value)
        elif key in _NUMBER_FIELDS:
            changes[key] = None if value is None else _number(key, value)
        elif key in _TEXT_FIELDS:
            changes[key] = _text(key, value)
        elif key in _SITE_FIELDS:
            changes[key] = _site_ids(key, value, site_count)
    if changes.get("model", default.model) not in WORKBENCH_MODELS:
        raise InputError(f"unknown model '{changes['model']}'", hint=f"choose one of: {', '.join(WORKBENCH_MODELS)}")
    return dataclasses.replace(default, **changes)


def _whole(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        raise InputError(f"'{key}' must be a whole number, not {value!r}")
    return int(value)


def _number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"'{key}' must be a number, not {value!r}")
    return float(value)


def _text(key: str, value: object) -> str:
    if not isinstance(value, str) or len(value) > 100:
        raise InputError(f"'{key}' must be a short text, not {value!r:.60}")
    return value


def _site_ids(key: str, value: object, site_count: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and len(item) <= 100 for item in value):
        raise InputError(f"'{key}' must be a list of site IDs")
    if len(value) > site_count:
        raise InputError(f"'{key}' lists {len(value):,} sites; the scenario has {site_count:,}")
    return tuple(sorted(set(value)))
