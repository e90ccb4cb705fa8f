"""The unit of work: one session, one transaction, rolled back unless the service's caller commits.

A business event (a payment, a cut-off, a cancellation) is one unit of work: the service changes
the database and writes what must happen outside (router tasks, messages) as outbox rows in the
same transaction. Outside I/O starts only after the commit, from hooks the service registered
with ``after_commit``: nothing leaves the process for a transaction that then rolls back, and a
crash after the commit is repaired from the outbox rows by the worker.

On SQLite a unit of work that may write begins with ``BEGIN IMMEDIATE`` (see ``engine``); a
``read_only`` one begins deferred and never waits for writers.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.db.engine import Database

if TYPE_CHECKING:
    from antena.core.bootstrap import App

LOG = logging.getLogger(__name__)
Hook = Callable[[], Awaitable[Any]]
# session.info flag set by the message outbox when a row was queued; app.extras key of the event
# that wakes this process's message worker (so a receipt goes out now, not at the next poll).
MESSAGES_QUEUED = "antena_messages_queued"
WAKE_MESSAGES = "notify_wake"
EVENT = "antena_event"  # session.info: this unit of work's event id (outbox keys derive from it)


def next_key(session: AsyncSession, what: str) -> str:
    """A key for one effect of this unit of work's business event: ``<event>:<n>:<what>``.

    Services that know their event name it (``payment:12``) and pass their own keys; every other
    outbox row still gets one that is unique to its event and stable for the event's lifetime."""
    info = session.info
    event = info.setdefault(EVENT, uuid.uuid4().hex)
    n = info["antena_event_n"] = info.get("antena_event_n", 0) + 1
    return f"{event}:{n}:{what}"


class UnitOfWork:
    """``async with app.uow() as uow: result = await service(uow, …); await uow.commit()``.

    No commit, no change. ``commit`` runs the after-commit hooks in the order they were added,
    once the transaction is durable; a hook that fails is logged and does not undo the commit
    (what it was delivering is still in an outbox and the worker retries it).
    """

    session: AsyncSession

    def __init__(self, db: Database, app: App | None = None, *, read_only: bool = False) -> None:
        self._db = db
        self._app = app
        self.read_only = read_only
        self.committed = False
        self._hooks: list[Hook] = []

    @property
    def app(self) -> App:
        """Settings, clock and adapters for the service running in this unit of work."""
        if self._app is None:
            raise RuntimeError("this unit of work was made without an App")
        return self._app

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._db.session(read_only=self.read_only)
        self.committed = False
        self._hooks = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed; unlike rollback() it leaves the objects
        # already loaded readable (detached, not expired), so entry points can render them.
        self._hooks = []
        await self.session.close()

    def after_commit(self, hook: Hook) -> None:
        """Run ``hook`` once this unit of work has committed (never if it rolls back)."""
        self._hooks.append(hook)

    async def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit changes")
        await self.session.commit()
        self.committed = True
        if self.session.info.pop(MESSAGES_QUEUED, False) and self._app is not None:
            wake = self._app.extras.get(WAKE_MESSAGES)
            if wake is not None:
                wake.set()
        hooks, self._hooks = self._hooks, []
        for hook in hooks:
            try:
                await hook()
            except Exception:  # the commit stands; the outbox row behind the hook is retried
                LOG.exception("after-commit hook %r failed", getattr(hook, "__qualname__", hook))

    async def rollback(self) -> None:
        self._hooks = []
        await self.session.rollback()

    async def flush(self) -> None:
        await self.session.flush()
