"""The browser sessions of the workbench: each one's question, answer and pinned options, kept on the server.

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
from hubopt.workbench.answer import Answer
from hubopt.workbench.compare import PinnedOption
from hubopt.workbench.question import Question

__all__ = ["MAX_NAME_CHARS", "MAX_PINNED", "MAX_SESSIONS", "Session", "SessionStore"]

#: Browser sessions kept at once; a new one beyond this forgets the least recently used.
MAX_SESSIONS = 64
#: Pinned options per session.
MAX_PINNED = 8
#: Longest name of a pinned option, in characters.
MAX_NAME_CHARS = 80


@dataclass
class Session:
    """One browser's state: the question on screen, its answer, and the options it pinned.

    Attributes
    ----------
    id : str
        The cookie value naming it.
    question : Question or None
        The question of the answer on screen (None before the first answer).
    answer : Answer or None
        The answer on screen.
    pinned : list of PinnedOption
        Pinned options, in the order they were pinned.
    solved : int
        The sequence number of the request whose answer is on screen: an older request that finishes later (the
        slider moved on) does not replace it.
    """

    id: str
    question: Question | None = None
    answer: Answer | None = None
    pinned: list[PinnedOption] = field(default_factory=list)
    solved: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def keep_answer(self, answer: Answer, sequence: int) -> bool:
        """Make ``answer`` the one on screen unless a later request's answer already is; True when kept."""
        with self.lock:
            if sequence < self.solved:
                return False
            self.question, self.answer, self.solved = answer.question, answer, sequence
            return True

    def pin(self, name: str) -> PinnedOption:
        """Pin the answer on screen as an option called ``name``.

        Raises
        ------
        InputError
            When there is no answer yet, the name is empty, too long or already used, or :data:`MAX_PINNED`
            options are pinned.
        """
        name = " ".join(name.split())
        with self.lock:
            if self.answer is None:
                raise InputError("there is no answer to pin yet", hint="wait for the map to show an answer")
            if not name:
                raise InputError("the option needs a name", hint="type a name, e.g. 'Pembury instead of Grosvenor'")
            if len(name) > MAX_NAME_CHARS:
                raise InputError(
                    f"the option's name is {len(name)} characters long",
                    hint=f"use a name of at most {MAX_NAME_CHARS} characters",
                )
            if any(option.name == name for option in self.pinned):
                raise InputError(f"an option is already pinned as '{name}'", hint="choose another name")
            if len(self.pinned) >= MAX_PINNED:
                raise InputError(f"{MAX_PINNED} options are pinned already", hint="remove one before pinning another")
            option = PinnedOption(name=name, question=self.answer.question, site_ids=self.answer.open_site_ids)
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
