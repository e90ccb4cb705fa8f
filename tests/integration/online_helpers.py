"""Fixtures of the online payment tests: the Conekta and Mercado Pago doubles, settings pointing the
real SDKs at them, the web server (portal + webhooks) on a real TCP port the doubles call, and a
pass of the message worker that sends the cashiers' notices (as ``antena run`` does).

A test module imports the fixtures it uses (``from tests.integration.online_helpers import …``);
its ``settings`` override adds the providers to the shared ``settings`` fixture, so ``app``,
``isp`` and the bot rig (``tests.botkit``) all see them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from antena.core.bootstrap import App
from antena.core.config import Settings
from antena.core.db.billing_models import Payment
from antena.core.db.pay_models import OnlineEvent
from antena.core.notify import outbox
from antena.doubles.conekta import ConektaDouble
from antena.doubles.mercadopago import MercadoPagoDouble
from antena.portal.app import create_portal_app, web_server
from tests.helpers import free_port


@pytest.fixture
async def conekta() -> AsyncIterator[ConektaDouble]:
    async with ConektaDouble() as double:
        yield double


@pytest.fixture
async def mp() -> AsyncIterator[MercadoPagoDouble]:
    async with MercadoPagoDouble() as double:
        yield double


@pytest.fixture
def web_port() -> int:
    return free_port()


def online_settings(base: Settings, conekta: ConektaDouble, mp: MercadoPagoDouble, port: int) -> Settings:
    """Both providers on, sandbox, pointed at the doubles; the portal's public URL is the test server."""
    return base.model_copy(
        update={
            "portal_url": f"http://127.0.0.1:{port}",
            "conekta_api_key": SecretStr(conekta.api_key),
            "conekta_webhook_key": SecretStr(conekta.public_key),
            "conekta_api_url": conekta.base_url,
            "mercadopago_access_token": SecretStr(mp.access_token),
            "mercadopago_webhook_secret": SecretStr(mp.webhook_secret),
            "mercadopago_api_url": mp.base_url,
        }
    )


@contextlib.asynccontextmanager
async def serve(app: App, port: int) -> AsyncIterator[str]:
    """The web app (portal, webhooks) on ``port`` until the test ends (then the message senders
    the worker passes opened are closed)."""
    server = web_server(create_portal_app(app), f"127.0.0.1:{port}")
    serving = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "the web server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=10)
        await outbox.aclose(app)


async def worker_pass(app: App) -> list[outbox.Outcome]:
    """One pass of ``antena run``'s message worker: the cashiers' notices (and the customers'
    messages) queued so far go out through the Telegram double."""
    return await outbox.send_due(app)


async def counts(app: App) -> tuple[int, int]:
    """(stored webhook events, payments)."""
    async with app.reader() as uow:
        events = await uow.session.scalar(select(func.count()).select_from(OnlineEvent))
        payments = await uow.session.scalar(select(func.count()).select_from(Payment))
    return int(events or 0), int(payments or 0)


async def events(app: App) -> list[OnlineEvent]:
    async with app.reader() as uow:
        return list(await uow.session.scalars(select(OnlineEvent).order_by(OnlineEvent.id)))


async def payments(app: App) -> list[Payment]:
    async with app.reader() as uow:
        return list(await uow.session.scalars(select(Payment).order_by(Payment.id)))


async def wait_until(check: Any, timeout: float = 15.0) -> None:
    """Poll an async ``check`` until it returns true (the page, the router, a background send)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)
