"""The unit of work: one session, rolled back unless the service commits."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.db.engine import Database


class UnitOfWork:
    """``async with UnitOfWork(db) as uow: …; await uow.commit()`` — no commit, no change."""

    session: AsyncSession

    def __init__(self, db: Database) -> None:
        self._db = db
        self.committed = False

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._db.session()
        self.committed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed; unlike rollback() it leaves the objects
        # already loaded readable (detached, not expired), so entry points can render them.
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
        self.committed = True

    async def rollback(self) -> None:
        await self.session.rollback()

    async def flush(self) -> None:
        await self.session.flush()
