"""Payment promises ("promesa de pago"): a client who owes is reconnected until a promised date.

One promise per billing cycle (the cycle's issue date is part of a unique key), at most
``ANTENA_PROMISE_MAX_DAYS`` ahead. The cut-off leaves a client with a live promise alone, cuts it
again once the date has passed unpaid (promise broken), and a payment of everything overdue marks
it kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from antena.core.audit import Actor, record
from antena.core.billing import overdue
from antena.core.billing.calendar import cycle_containing
from antena.core.billing.common import client_calendar
from antena.core.billing.fees import add_fee
from antena.core.billing.money import ZERO
from antena.core.billing.reactivation import Reactivation, reactivate_in, reactivation_text
from antena.core.clients.lifecycle import live_services
from antena.core.db.billing_models import ChargeKind, PaymentPromise, PromiseStatus
from antena.core.db.models import Client, ClientStatus
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _, gettext, ngettext
from antena.core.notify import events as notify_events


@dataclass
class PromiseResult:
    """The promise stored and what happened to the client's service."""

    promise_id: int
    client_id: int
    client_name: str
    until: dt.date
    reconnection_fee: Decimal = ZERO
    reactivation: Reactivation | None = None

    @property
    def queued(self) -> bool:
        return self.reactivation is not None and self.reactivation.queued

    @property
    def refused(self) -> bool:
        return self.reactivation is not None and self.reactivation.refused


def check_until(until: object, today: dt.date, max_days: int) -> dt.date:
    """Today up to ``max_days`` ahead; a clear error otherwise."""
    if isinstance(until, dt.datetime) or not isinstance(until, dt.date):
        raise InvalidInput(_("Invalid date {value}: use YYYY-MM-DD").format(value=until))
    if until < today:
        raise InvalidInput(
            _("{date} is a date in the past: a promise runs from today on").format(date=until.isoformat())
        )
    last = today + dt.timedelta(days=max_days)
    if until > last:
        raise InvalidInput(
            ngettext(
                "A promise can be at most {n} day ahead (until {last}), not {date}",
                "A promise can be at most {n} days ahead (until {last}), not {date}",
                max_days,
            ).format(n=max_days, last=last.isoformat(), date=until.isoformat())
        )
    return until


def _duplicate(client: Client, existing: PaymentPromise) -> NotAllowed:
    return NotAllowed(
        _(
            "{name} already had a payment promise in this billing cycle (until {date}); only one per cycle"
        ).format(name=client.name, date=existing.promised_until.isoformat())
    )


async def register_promise(uow: UnitOfWork, actor: Actor, client_id: int, until: dt.date) -> PromiseResult:
    """Promise payment until ``until``; a suspended client is reconnected in the same transaction."""
    app = uow.app
    today = app.clock.today()
    until = check_until(until, today, app.settings.promise_max_days)
    now = app.clock.now()
    session = uow.session
    client = (
        await session.execute(
            select(Client)
            .where(Client.id == client_id)
            .with_for_update(of=Client)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if client is None:
        raise NotFound(_("No client with id {id}").format(id=client_id))
    if client.status is ClientStatus.CANCELLED:
        raise NotAllowed(_("{name}: the client is cancelled").format(name=client.name))
    if client.status is ClientStatus.FREE:
        raise NotAllowed(_("{name} is free: never cut, no promise needed").format(name=client.name))
    if not await overdue.owes(session, client.id, today):
        raise NotAllowed(_("{name} owes nothing overdue: no promise needed").format(name=client.name))
    cycle = cycle_containing(client_calendar(client), today).issue_date
    promises = list(
        (
            await session.execute(select(PaymentPromise).where(PaymentPromise.client_id == client.id))
        ).scalars()
    )
    for p in promises:
        if p.cycle_issue_date == cycle:
            raise _duplicate(client, p)
        if p.status is PromiseStatus.ACTIVE and p.promised_until >= today:
            raise NotAllowed(
                _("{name} already has a payment promise until {date}").format(
                    name=client.name, date=p.promised_until.isoformat()
                )
            )
    # An older promise whose date passed unpaid is broken now, so the cut-off never
    # mistakes it for the new one.
    await session.execute(
        update(PaymentPromise)
        .where(
            PaymentPromise.client_id == client.id,
            PaymentPromise.status == PromiseStatus.ACTIVE,
            PaymentPromise.promised_until < today,
        )
        .values(status=PromiseStatus.BROKEN, resolved_at=now)
    )
    promise = PaymentPromise(
        client_id=client.id,
        promised_until=until,
        cycle_issue_date=cycle,
        status=PromiseStatus.ACTIVE,
        actor=actor.name,
    )
    session.add(promise)
    try:
        await session.flush()
    except IntegrityError as exc:  # a colleague registered one at the same moment
        raise NotAllowed(
            _("{name} already had a payment promise in this billing cycle; only one per cycle").format(
                name=client.name
            )
        ) from exc
    wake = client.status is ClientStatus.SUSPENDED and bool(live_services(client))
    result = PromiseResult(promise.id, client.id, client.name, until)
    if wake:
        reason = gettext("Reconnection", app.settings.locale)
        result.reconnection_fee = add_fee(session, app.settings, client, ChargeKind.RECONNECTION, reason)
    record(
        session,
        actor,
        "promise.add",
        target=f"{client.id} {client.name}",
        arguments={
            "until": until.isoformat(),
            "cycle": cycle.isoformat(),
            "reactivate": wake,
            "reconnection_fee": result.reconnection_fee,
        },
    )
    await notify_events.promise_registered(session, app, client, promise.id, until)
    if wake:
        result.reactivation = await reactivate_in(
            uow, actor, client_id, reason="promise", key=f"promise:{promise.id}"
        )
    return result


def promise_lines(result: PromiseResult) -> list[str]:
    """The answer to staff: the promise, then the service."""
    head = _("Payment promise for {name} (#{id}) until {date}").format(
        name=result.client_name, id=result.client_id, date=result.until.isoformat()
    )
    if result.reactivation is not None:
        head += "; " + reactivation_text(result.reactivation)
    lines = [head]
    if result.reconnection_fee > ZERO:
        lines.append(
            _("Reconnection fee of {amount} added to the next invoice.").format(
                amount=result.reconnection_fee
            )
        )
    return lines
