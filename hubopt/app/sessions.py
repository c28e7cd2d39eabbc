"""The browser sessions of the workbench: each one's pinned options, kept on the server.

A session is named by a random id in a cookie. The store is bounded: at most :data:`MAX_SESSIONS` sessions (the
least recently used one is forgotten when a new browser arrives) and :data:`MAX_PINNED` pinned options each, so a
long-running app holds bounded memory whatever its visitors do.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from hubopt.errors import InputError
from hubopt.workbench import Answer, PinnedOption

__all__ = ["MAX_NAME_CHARS", "MAX_PINNED", "MAX_SESSIONS", "Session", "SessionStore"]

#: Browser sessions kept at once; a new one beyond this forgets the least recently used.
MAX_SESSIONS = 64
#: Pinned options per session.
MAX_PINNED = 8
#: Longest name of a pinned option, in characters.
MAX_NAME_CHARS = 80


@dataclass
class Session:
    """One browser's options: the answers it pinned, by name.

    The question on screen is not kept here: the page sends it with every request that needs it, so two tabs of
    one browser (one cookie) each pin, compare and export what they show.

    Attributes
    ----------
    id : str
        The cookie value naming it.
    pinned : list of PinnedOption
        Pinned options, in the order they were pinned.
    """

    id: str
    pinned: list[PinnedOption] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def pin(self, name: str, answer: Answer) -> PinnedOption:
        """Pin ``answer`` as an option called ``name`` (spaces tidied).

        Raises
        ------
        InputError
            When the name is empty, too long or already used, or :data:`MAX_PINNED` options are pinned.
        """
        name = " ".join(name.split())
        if not name:
            raise InputError("the option needs a name", hint="type a name, e.g. 'Pembury instead of Grosvenor'")
        if len(name) > MAX_NAME_CHARS:
            raise InputError(
                f"the option's name is {len(name)} characters long",
                hint=f"use a name of at most {MAX_NAME_CHARS} characters",
            )
        with self.lock:
            if any(option.name == name for option in self.pinned):
                raise InputError(f"an option is already pinned as '{name}'", hint="choose another name")
            if len(self.pinned) >= MAX_PINNED:
                raise InputError(f"{MAX_PINNED} options are pinned already", hint="remove one before pinning another")
            option = PinnedOption(name=name, question=answer.question, site_ids=answer.open_site_ids)
            self.pinned.append(option)
            return option

    def unpin(self, name: str) -> None:
        """Remove the pinned option called ``name`` (nothing happens when there is none)."""
        with self.lock:
            self.pinned = [option for option in self.pinned if option.name != name]

    def options(self, names: list[str]) -> list[PinnedOption]:
        """The pinned options called ``names``, in that order.

        Raises
        ------
        InputError
            When one of the names is not pinned (e.g. removed in another tab).
        """
        with self.lock:
            by_name = {option.name: option for option in self.pinned}
        missing = [name for name in names if name not in by_name]
        if missing:
            raise InputError(
                f"no option is pinned as {', '.join(repr(n) for n in missing)}",
                hint="pin it again, or choose among the pinned options",
            )
        return [by_name[name] for name in names]


class SessionStore:
    """The sessions of one app, at most ``limit`` of them (least recently used forgotten first); thread-safe."""

    def __init__(self, limit: int = MAX_SESSIONS) -> None:
        self.limit = limit
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str | None) -> Session:
        """The session named ``session_id``, or a new one when there is none (unknown, forgotten or no cookie)."""
        with self._lock:
            if session_id is not None and session_id in self._sessions:
                self._sessions.move_to_end(session_id)
                return self._sessions[session_id]
            session = Session(id=secrets.token_urlsafe(24))
            self._sessions[session.id] = session
            while len(self._sessions) > self.limit:
                self._sessions.popitem(last=False)
            return session
