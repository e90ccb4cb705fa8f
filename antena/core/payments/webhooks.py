"""A provider's webhook, from the HTTP request to the outcome: verified, stored, then processed once.

Nothing is stored for a request whose signature fails or whose body is junk. The event is stored
in a transaction of its own, then resolved through the provider's API (network I/O, outside any
transaction), then processed as one unit of work (``apply.process``: the payment, the client's
reconnection, the messages and the cashiers' notice commit together). A stored event that could
not be processed yet (the provider's API down, a crash before that commit) stays ``received``: the
provider delivers it again (both retry until they get a 2xx) and it is processed then. A delivery
of an event already processed changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from antena.core.bootstrap import App
from antena.core.db.pay_models import EventStatus, OnlineEvent
from antena.core.db.uow import UnitOfWork
from antena.core.payments.apply import OPEN, process
from antena.core.payments.port import Notice, WebhookRequest
from antena.core.payments.providers import provider as get_provider


@dataclass(frozen=True)
class WebhookOutcome:
    event: int  # our row id
    status: str  # an EventStatus value
    repeated: bool = False  # this event had been delivered before


@dataclass(frozen=True)
class Stored:
    row_id: int
    status: str
    new: bool


async def store_notice(uow: UnitOfWork, provider: str, notice: Notice) -> Stored:
    """Keep the event as received (once: the provider's event id is unique per provider)."""
    session = uow.session
    found = (
        await session.scalars(
            select(OnlineEvent).where(
                OnlineEvent.provider == provider, OnlineEvent.event_id == notice.event_id
            )
        )
    ).first()
    if found is not None:
        return Stored(found.id, found.status, new=False)
    row = OnlineEvent(
        provider=provider,
        event_id=notice.event_id,
        event_type=notice.event_type,
        payment_id=notice.payment_id,
        received_at=uow.app.clock.now(),
        body=notice.body,
        status=EventStatus.RECEIVED.value,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same event delivered twice at the same moment
        again = (
            await session.scalars(
                select(OnlineEvent).where(
                    OnlineEvent.provider == provider, OnlineEvent.event_id == notice.event_id
                )
            )
        ).one()
        return Stored(again.id, again.status, new=False)
    return Stored(row.id, row.status, new=True)


async def receive(app: App, provider_name: str, request: WebhookRequest) -> WebhookOutcome:
    """Verify, store, resolve and process one delivery (errors are ``PaymentsError`` with a status)."""
    provider = get_provider(app, provider_name)
    provider.verify(request)
    notice = provider.parse(request)
    stored = await app.perform(store_notice, provider.name, notice)
    if stored.status not in OPEN:
        return WebhookOutcome(stored.row_id, stored.status, repeated=True)
    event = await provider.resolve(notice)
    status = await app.perform(process, stored.row_id, event)
    return WebhookOutcome(stored.row_id, status, repeated=not stored.new)
