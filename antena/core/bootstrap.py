"""Wiring: the one place that builds the database, clock and adapters (tests pass overrides)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from antena.core.clock import Clock
from antena.core.config import Settings, get_settings
from antena.core.db.engine import Database
from antena.core.db.uow import UnitOfWork
from antena.core.routeros.ops import RouterGateway


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
        return UnitOfWork(self.db)

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
