"""The web application served by ``antena run`` at ``ANTENA_PORTAL_BIND``.

For now it carries the Telegram webhook (when ``ANTENA_TELEGRAM_WEBHOOK_URL`` is set) and a health
check; the customer portal's pages join it with the notifications issue.
"""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import Iterator
from typing import Any

import uvicorn
from aiogram import Bot, Dispatcher
from fastapi import FastAPI, Request, Response

from antena.bot.runner import WEBHOOK_PATH, feed_webhook, webhook_secret
from antena.core.bootstrap import App

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def create_portal_app(app: App, *, bot: Bot | None = None, dp: Dispatcher | None = None) -> FastAPI:
    web = FastAPI(title="Antena", docs_url=None, redoc_url=None, openapi_url=None)

    @web.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"ok": True}

    if bot is not None and dp is not None:
        secret = webhook_secret(app)

        @web.post(WEBHOOK_PATH)
        async def telegram_webhook(request: Request) -> Response:
            """Only Telegram knows the secret we gave it in setWebhook; anyone else gets 401."""
            if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
                return Response(status_code=401)
            try:
                update = await request.json()
            except ValueError:
                return Response(status_code=400)
            await feed_webhook(bot, dp, update)
            return Response(status_code=200)

    return web


class QuietServer(uvicorn.Server):
    """Uvicorn inside ``antena run``: the command owns Ctrl-C, not the web server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def web_server(web: FastAPI, bind: str) -> QuietServer:
    host, _, port = bind.rpartition(":")
    config = uvicorn.Config(
        web,
        host=host or "127.0.0.1",
        port=int(port or 8080),
        log_level="warning",
        lifespan="off",
        access_log=False,
    )
    return QuietServer(config)
