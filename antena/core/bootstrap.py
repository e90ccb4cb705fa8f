"""Wiring: the one place that builds the database, clock and adapters (tests pass overrides)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from antena.core.clock import Clock
from antena.core.config import Settings, get_settings
from antena.core.db.engine import Database
from antena.core.db.uow import UnitOfWork
from antena.core.routeros.ops import RouterGateway

T = TypeVar("T")


@dataclass
class App:
    """What an entry point needs: settings, the database, the clock and the outside systems."""

    settings: Settings
    db: Database
    clock: Clock
    router_gateway: RouterGateway | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def gateway(self) -> RouterGateway:
        """The real RouterOS gateway unless a test or the demo passed another one."""
        if self.router_gateway is None:
            from antena.core.routeros.gateway import LibrouterosGateway

            self.router_gateway = LibrouterosGateway(self.settings)
        return self.router_gateway

    def uow(self) -> UnitOfWork:
        """A unit of work that may write (``BEGIN IMMEDIATE`` on SQLite)."""
        return UnitOfWork(self.db, self)

    def reader(self) -> UnitOfWork:
        """A unit of work that only reads: never waits for writers, cannot commit."""
        return UnitOfWork(self.db, self, read_only=True)

    async def perform(self, service: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Run one business event: ``service(uow, *args, **kwargs)`` in a new unit of work, commit,
        then its after-commit hooks (router and message delivery). What entry points call."""
        async with self.uow() as uow:
            result = await service(uow, *args, **kwargs)
            await uow.commit()
        return result

    async def aclose(self) -> None:
        await self.db.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    gateway: RouterGateway | None = None,
) -> App:
    settings = settings or get_settings()
    return App(
        settings=settings,
        db=db or Database(settings.database_url),
        clock=clock or Clock(tz=settings.tz),
        router_gateway=gateway,
    )
