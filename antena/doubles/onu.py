"""An ONU gateway's Wi-Fi endpoint (the manual's container on port 7000) for tests and the demo:
an aiohttp server that keeps every JSON body it receives and can be told to fail."""

from __future__ import annotations

from typing import Any

from aiohttp import web


class OnuDouble:
    """``async with OnuDouble() as onu: … onu.received``; ``onu.fail_with = 500`` makes it refuse."""

    def __init__(self, path: str = "/wifi") -> None:
        self.path = path
        self.received: list[Any] = []
        self.fail_with: int | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "expected JSON"}, status=400)
        if self.fail_with is not None:
            return web.json_response({"error": "wifi update failed"}, status=self.fail_with)
        self.received.append(body)
        return web.json_response({"status": "ok"})

    async def start(self) -> int:
        application = web.Application()
        application.router.add_post(self.path, self._handle)
        self._runner = web.AppRunner(application, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> OnuDouble:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
