"""Shared by the message outbox tests: an ISP with clients that have phones, and a worker loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select

from antena.core.bootstrap import App, bootstrap
from antena.core.config import Settings
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import Client
from antena.core.notify import events, outbox
from tests.billing_helpers import add_client, set_client


@asynccontextmanager
async def outbox_app(settings: Settings) -> AsyncIterator[App]:
    """An ``App`` on ``settings`` whose message senders are closed with it."""
    application = bootstrap(settings)
    try:
        yield application
    finally:
        await outbox.aclose(application)
        await application.aclose()


async def phone_client(app: App, isp: Any, name: str, phone: str, **columns: Any) -> Client:
    client = await add_client(app, isp, name, phone=phone)
    if columns:
        await set_client(app, client.id, **columns)
    async with app.uow() as uow:
        return (await uow.session.execute(select(Client).where(Client.id == client.id))).scalar_one()


async def queue_portal_link(app: App, client_id: int) -> None:
    async with app.uow() as uow:
        client = await uow.session.get(Client, client_id)
        assert client is not None
        await events.portal_link(uow.session, app, client)
        await uow.commit()


async def drain(app: App, *, rounds: int = 50, pause: float = 0.05) -> list[outbox.Outcome]:
    """Run worker passes until nothing is pending (retries included)."""
    done: list[outbox.Outcome] = []
    for _ in range(rounds):
        done += await outbox.send_due(app)
        if not await messages(app, MessageStatus.PENDING):
            break
        await asyncio.sleep(pause)
    return done


async def messages(app: App, status: MessageStatus | None = None) -> list[Message]:
    async with app.uow() as uow:
        query = select(Message).order_by(Message.id)
        if status is not None:
            query = query.where(Message.status == status)
        return list((await uow.session.execute(query)).scalars())
