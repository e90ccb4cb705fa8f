"""Wiring: the one place that builds the database, clock and adapters (tests pass overrides)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from antena.core.clock import Clock
from antena.core.config import Settings, get_settings
from antena.core.db.engine import Database
from antena.core.db.uow import UnitOfWork


@dataclass
class App:
    """What an entry point needs: settings, the database, the clock and the outside systems."""

    settings: Settings
    db: Database
    clock: Clock
    extras: dict[str, Any] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db)

    async def aclose(self) -> None:
        await self.db.dispose()


def bootstrap(
    settings: Settings | None = None, *, clock: Clock | None = None, db: Database | None = None
) -> App:
    settings = settings or get_settings()
    return App(
        settings=settings,
        db=db or Database(settings.database_url),
        clock=clock or Clock(tz=settings.tz),
    )
