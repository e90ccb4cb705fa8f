"""The errors of the RouterOS API emulator: :class:`RouterOSTrap` and the router's own trap messages.

Why apart: the tables (:mod:`antena.core.routeros.emulator_tables`), their query language
(:mod:`antena.core.routeros.emulator_query`) and the server all raise these; a module of their
own lets each of them import it without importing the others.
"""

from __future__ import annotations

NO_SUCH_ITEM = "no such item"
NO_SUCH_COMMAND = "no such command"
NO_SUCH_COMMAND_PREFIX = "no such command prefix"
DUP_ENTRY = "failure: already have such entry"
DUP_NAME = "failure: already have such name"
DUP_INTERFACE = "failure: already have interface with such name"


class RouterOSTrap(Exception):
    """A failure that the emulator reports to the client as ``!trap``."""

    def __init__(self, message: str, category: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.category = category
