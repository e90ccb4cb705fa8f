"""The web application served by ``antena run`` at ``ANTENA_PORTAL_BIND``: the customer portal, a
health check and, when ``ANTENA_TELEGRAM_WEBHOOK_URL`` is set, the Telegram webhook (a route the
bot's runner hands in through ``routers``: the portal itself knows nothing of the bot)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from antena.core.bootstrap import App
from antena.core.errors import CoreError, NotAllowed, NotFound
from antena.core.i18n import language
from antena.portal import cfdi, fieldwork, my_payments, payments, twilio_status, whatsapp_cloud
from antena.portal import usage as usage_page
from antena.portal.guard import PortalGuard
from antena.portal.routes import build_router, signed_in
from antena.portal.web import (
    HERE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    PortalError,
    RateLimit,
    render,
    request_language,
)

log = logging.getLogger(__name__)


class Portal:
    """What the portal's routes share: the token rate limit and the bot's username for t.me links."""

    def __init__(self, app: App, limiter: RateLimit | None = None) -> None:
        self.app = app
        self._username: str | None = app.settings.telegram_bot_username
        self.limiter = limiter or RateLimit(limit=10, window=60)

    async def bot_username(self) -> str | None:
        """``ANTENA_TELEGRAM_BOT_USERNAME``, else asked once with getMe (core's Telegram channel)."""
        if self._username is None and self.app.settings.telegram_token is not None:
            from antena.core.notify.channels import TelegramChannel

            channel = TelegramChannel(self.app.settings)
            try:
                self._username = (await channel.bot.me()).username
            except Exception:  # Telegram unreachable: no link this time, ask again next time
                log.warning("getMe failed; set ANTENA_TELEGRAM_BOT_USERNAME", exc_info=True)
            finally:
                await channel.aclose()
        return self._username


def create_portal_app(
    app: App, *, limiter: RateLimit | None = None, routers: Sequence[APIRouter] = ()
) -> FastAPI:
    """The portal; ``routers`` adds routes served beside it (``antena run``: the Telegram webhook)."""
    web = FastAPI(title="Antena", docs_url=None, redoc_url=None, openapi_url=None)
    portal = Portal(app, limiter)
    web.state.portal = portal

    @web.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"ok": True}

    for extra in routers:
        web.include_router(extra)
    web.include_router(build_router(app, portal))
    web.include_router(usage_page.make_router(app))  # "Mi consumo"
    web.include_router(my_payments.make_router(app))  # "My payments"
    web.include_router(twilio_status.make_router(app))  # Twilio's delivery reports
    web.include_router(fieldwork.build_router(app, portal))  # contract signing, Soporte, Mis documentos
    web.include_router(whatsapp_cloud.make_router(app))  # Meta's WhatsApp Cloud webhook (wt-cfdi)
    web.include_router(cfdi.make_router(app))  # the customer's CFDIs, XML and PDF (wt-cfdi)
    web.include_router(payments.make_router(app, portal))  # online payments: webhooks, /portal/pagar
    web.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @web.exception_handler(CoreError)
    async def core_error(request: Request, exc: CoreError) -> Response:
        """The portal's one error handler: the message fit to show, on a page, with a 4xx."""
        status = getattr(exc, "status_code", None) or (
            404 if isinstance(exc, NotFound) else 403 if isinstance(exc, NotAllowed) else 400
        )
        return render(app, request, "error.html", status_code=status, message=str(exc))

    @web.middleware("http")
    async def speak_their_language(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        with language(request_language(request, app.settings.locale)):
            response = await call_next(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    web.add_middleware(PortalGuard, app=app, signed_in=lambda r: signed_in(app, r))  # inside the session
    web.add_middleware(
        SessionMiddleware,
        secret_key=app.settings.signing_key(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=app.settings.portal_url.startswith("https://"),
    )
    return web


__all__ = ["PortalError", "create_portal_app", "serve_until", "web_server"]


class QuietServer(uvicorn.Server):
    """Uvicorn inside ``antena run``: the command owns Ctrl-C, not the web server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_until(server: uvicorn.Server, stop: asyncio.Event) -> None:
    """Serve until ``stop`` is set, then let uvicorn finish the requests in flight."""

    async def stopper() -> None:
        await stop.wait()
        server.should_exit = True

    waiting = asyncio.create_task(stopper())
    try:
        await server.serve()
    finally:
        waiting.cancel()


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
