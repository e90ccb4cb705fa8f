"""Errors a user can cause, each with a message fit to show them.

    CoreError                      one base class to catch at every entry point
    ├── NotFound                   unknown zone, router, plan, client, invoice, staff member
    ├── AlreadyExists              duplicate name, Telegram id, IP on a router
    ├── InvalidInput               bad date, day, amount, IP, phone, CSV row
    ├── NotAllowed                 role may not do this, state forbids it (cancelled client …)
    ├── Ambiguous                  several clients match a search (carries the candidates)
    └── RouterError                the router answered with a problem (carries the router's own text)
        └── RouterUnreachable      connection refused, timeout: the change is queued, not lost
            └── RouterLoginRefused the router refused our user name or password

Entry points render ``str(error)``; nothing else about an error needs to reach a user.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from antena.core.notes import Note
from antena.core.notes import text as text_note


class CoreError(Exception):
    """Base of every error whose message is meant for the person who caused it."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(CoreError):
    """Something named by the user does not exist."""


class AlreadyExists(CoreError):
    """A name or number that must be unique is taken."""


class InvalidInput(CoreError):
    """The input cannot be understood or breaks a rule."""


class NotAllowed(CoreError):
    """The user's role or the object's state forbids the action."""


class Ambiguous(CoreError):
    """Several objects match; the caller offers a pick-list."""

    def __init__(self, message: str, candidates: Sequence[Any]) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


class RouterError(CoreError):
    """The router refused a command. ``note`` says why as a code with parameters (the router's own
    words are a ``text`` note); ``message`` keeps the raw text for logs and for matching the
    router's words; ``str()`` renders the note in the reader's language."""

    def __init__(self, message: str | None = None, *, note: Note | None = None) -> None:
        self.note = note if note is not None else text_note(message or "")
        super().__init__(message if message is not None else _render(self.note, "en"))

    def __str__(self) -> str:
        return _render(self.note, None)


class RouterUnreachable(RouterError):
    """The router could not be reached (refused, timeout, dropped)."""

    exit_code = 75  # EX_TEMPFAIL: saved and queued, try again later


class RouterLoginRefused(RouterUnreachable):
    """The router answered the login with a refusal: a wrong user or password, not a network fault."""

    exit_code = 1

    def __init__(self, router: str, detail: str) -> None:
        super().__init__(note=Note("login_refused", {"router": router, "detail": detail}))
        self.router = router
        self.detail = detail


def _render(note: Note, lang: str | None) -> str:
    from antena.core.routeros.wording import render

    return render(note, lang)
