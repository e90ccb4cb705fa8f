"""The cashiers' decisions on online payments that were not applied by themselves.

``apply`` registers the money anyway (to the client the reference names, or to the one the cashier
says for an unknown reference) against all the client's pending invoices, oldest first;
``ignore`` records that nothing is to be done; ``reverse`` takes a refunded or charged-back
payment back out of its invoices. ``decide`` is one unit of work (the bot and the CLI run it with
``app.perform``): the decision, the payment with its reconnection and messages, and the event's
outcome commit together, and a refusal changes nothing. Each event is decided once: a second
cashier's tap finds it decided. Registering goes through ``apply.register``, the one place that
calls ``register_payment``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update

from antena.core.audit import Actor, record
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment
from antena.core.db.models import Client
from antena.core.db.pay_models import EventStatus, OnlineEvent
from antena.core.db.uow import UnitOfWork
from antena.core.errors import CoreError, InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _
from antena.core.payments import apply as applying
from antena.core.payments.queries import APPLICABLE, REVERSIBLE, Action, EventView, actions_for, event_view

__all__ = ["APPLICABLE", "REVERSIBLE", "Action", "Decided", "actions_for", "decide"]
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Decided:
    view: EventView
    action: Action
    payment_id: int | None = None
    invoices: tuple[int, ...] = ()


async def _claim(uow: UnitOfWork, actor: Actor, row_id: int, to: str) -> OnlineEvent:
    """Move a review to ``to`` once; a decided one is refused naming who decided it."""
    done = await uow.session.execute(
        update(OnlineEvent)
        .where(OnlineEvent.id == row_id, OnlineEvent.status == EventStatus.REVIEW.value)
        .values(status=to, decided_at=uow.app.clock.now(), decided_by=actor.name)
    )
    row = await uow.session.get(OnlineEvent, row_id, populate_existing=True)
    if row is None:
        raise NotFound(_("No online payment event {id}").format(id=row_id))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise NotAllowed(
            _("Online payment #{id} was already decided ({status}, {who}).").format(
                id=row_id, status=row.status, who=row.decided_by or "?"
            )
        )
    return row


async def _ignore(uow: UnitOfWork, actor: Actor, row_id: int) -> None:
    row = await _claim(uow, actor, row_id, EventStatus.IGNORED.value)
    record(
        uow.session,
        actor,
        "online_payment.ignore",
        target=f"{row.provider} {row.payment_id}",
        arguments={"event": row_id, "reason": row.reason},
    )


async def _apply(uow: UnitOfWork, actor: Actor, row_id: int, client_id: int | None) -> None:
    """Claim a review and register its money (all the client's pending invoices, oldest first)."""
    row = await _claim(uow, actor, row_id, EventStatus.APPLYING.value)
    if row.reason not in APPLICABLE or row.amount is None:
        raise NotAllowed(
            _("Online payment #{id} cannot be applied: {why}").format(
                id=row_id, why=_("only a payment with an amount can be applied")
            )
        )
    target = client_id or row.client_id
    if target is None:
        raise InvalidInput(_("Say which client this payment is for."))
    client = (await uow.session.execute(select(Client.id, Client.name).where(Client.id == target))).first()
    if client is None:
        raise NotFound(_("No client with id {id}").format(id=target))
    state = await applying.payment_state(uow, row.provider, row.payment_id)
    if state is not None and state.status in applying.REVERSED_STATES:
        raise NotAllowed(_("This payment was refunded or charged back: there is nothing to apply."))
    numbers = [n for n, _b in await applying.pending_invoices(uow, client.id)]
    if not numbers:
        raise NotAllowed(
            _("{name} has no pending invoice to apply this payment to; register it by hand.").format(
                name=client.name
            )
        )
    plan = applying.ToRegister(
        row.provider,
        row.payment_id or f"event-{row.id}",
        client.id,
        numbers,
        row.amount,
        applying.method_of(row.method),
        None,
        actor,
    )
    try:
        result = await applying.register(uow, plan)
    except CoreError as exc:  # the whole decision rolls back: the payment still waits for a cashier
        raise NotAllowed(_("The payment was not registered: {error}").format(error=str(exc))) from exc
    applying.finish(uow, row, state, plan, result)


async def _reverse(uow: UnitOfWork, actor: Actor, row_id: int) -> tuple[int, tuple[int, ...]]:
    """Take a refunded payment out of its invoices: they owe again, its credit is withdrawn."""
    session = uow.session
    row = await _claim(uow, actor, row_id, EventStatus.REVERSED.value)
    if row.reason not in REVERSIBLE or row.local_payment_id is None:
        raise NotAllowed(_("Online payment #{id} has no registered payment to reverse.").format(id=row_id))
    payment = await session.get(Payment, row.local_payment_id, with_for_update=True)
    if payment is None:
        raise NotFound(_("The payment of online payment #{id} no longer exists.").format(id=row_id))
    numbers = []
    for part in payment.allocations:
        invoice = (
            await session.scalars(
                select(Invoice).where(Invoice.id == part.invoice_id).with_for_update(of=Invoice)
            )
        ).first()
        if invoice is None:
            continue
        invoice.paid_amount = max(invoice.paid_amount - part.amount, ZERO)
        if invoice.status is InvoiceStatus.PAID and invoice.paid_amount < invoice.total:
            invoice.status, invoice.paid_at = InvoiceStatus.PENDING, None
        numbers.append(invoice.number)
    client = (
        await session.scalars(select(Client).where(Client.id == payment.client_id).with_for_update(of=Client))
    ).first()
    if client is not None:
        client.balance = max(client.balance - payment.credit_added, ZERO)
    record(
        session,
        actor,
        "online_payment.reverse",
        target=f"{row.provider} {row.payment_id}",
        arguments={
            "event": row_id,
            "payment": payment.id,
            "amount": payment.amount,
            "invoices": numbers,
            "credit": payment.credit_added,
        },
    )
    row.detail = {**(row.detail or {}), "reversed_payment": payment.id, "invoices": numbers}
    await session.delete(payment)
    return payment.id, tuple(numbers)


async def decide(
    uow: UnitOfWork, actor: Actor, row_id: int, action: str, client_id: int | None = None
) -> Decided:
    """Carry out a cashier's decision on a review (``apply``, ``ignore`` or ``reverse``)."""
    try:
        chosen = Action(action)
    except ValueError:
        raise InvalidInput(
            _("Unknown decision {value}: use apply, ignore or reverse").format(value=str(action)[:40])
        ) from None
    payment_id: int | None = None
    numbers: tuple[int, ...] = ()
    if chosen is Action.IGNORE:
        await _ignore(uow, actor, row_id)
    elif chosen is Action.REVERSE:
        payment_id, numbers = await _reverse(uow, actor, row_id)
    else:
        await _apply(uow, actor, row_id, client_id)
    await uow.flush()
    view = await event_view(uow.session, row_id)
    if chosen is Action.APPLY:
        payment_id, numbers = view.local_payment_id, tuple(view.detail.get("invoices") or ())
    return Decided(view, chosen, payment_id, numbers)
