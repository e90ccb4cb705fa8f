"""What every local HTTP double shares: an aiohttp server on ``host``/``port`` (port 0 picks a
free one, read back after binding), ``start``/``stop`` and ``async with``. A double adds its
routes in :meth:`HttpDouble.routes` and keeps its state and fault injection to itself."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web


class HttpDouble:
    host: str
    port: int
    #: Largest request body the double accepts (aiohttp's default is 1 MiB).
    client_max_size = 1024**2
    _runner: web.AppRunner | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> str:
        """Serve; returns :attr:`base_url`."""
        app = web.Application(client_max_size=self.client_max_size)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"
