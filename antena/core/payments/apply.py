"""What an online payment event does: decide (apply, ask the cashiers, or nothing), register the
payment, record the outcome. Processing happens once per provider payment.

The guard is the ``provider_payments`` row: its unique insert claims a provider payment for the
first event that names it, so a repeated event, its twin (``charge.paid`` beside ``order.paid``),
or one arriving after a refund changes nothing. An event is applied only when the client is known
and the amount pays exactly the client's oldest pending invoices (or, for a checkout link, the
balance of the invoice it was made for); anything else waits for a cashier. The payment is
registered by ``register_payment`` in exactly one place, ``register``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from antena.core.audit import Actor, record
from antena.core.billing.payments import PaymentResult, register_payment
from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment, PaymentMethod
from antena.core.db.models import Client
from antena.core.db.pay_models import EventStatus, OnlineEvent, ProviderPayment, ReviewReason
from antena.core.db.uow import UnitOfWork
from antena.core.errors import CoreError, NotFound
from antena.core.i18n import _
from antena.core.payments import references
from antena.core.payments.port import AmountProblem, EventKind, PaymentsError, ProviderEvent
from antena.core.payments.providers import sandbox

ZERO = Decimal("0.00")
LEASE = dt.timedelta(minutes=2)  # an "applying" claim older than this was left by a crash
OPEN = (EventStatus.RECEIVED.value, EventStatus.APPLYING.value)


class Busy(PaymentsError):
    """Another delivery of the same payment is being applied right now: the provider retries."""

    status_code = 503


@dataclass(frozen=True)
class ToRegister:
    """Everything ``register`` needs, decided inside the claiming transaction."""

    row_id: int
    provider: str
    payment_id: str
    client_id: int
    numbers: list[int]
    amount: Decimal
    method: str
    when: dt.datetime | None
    actor: Actor


@dataclass(frozen=True)
class Decision:
    status: str
    register: ToRegister | None = None


def method_of(method: str | None) -> str:
    """The payment method to register: the provider's (oxxo, spei, mercadopago, tarjeta), else a transfer."""
    known = {m.value for m in PaymentMethod}
    return method if method is not None and method in known else PaymentMethod.TRANSFER.value


def online_actor(provider: str) -> Actor:
    """Who registers a payment that arrived by webhook (the daily report lists it as a cashier)."""
    return Actor(name=provider, channel="webhook")


async def pending_invoices(uow: UnitOfWork, client_id: int) -> list[tuple[int, Decimal]]:
    """``(number, balance)`` of the client's pending invoices, oldest first (as payments allocate)."""
    rows = await uow.session.execute(
        select(Invoice.number, Invoice.total - Invoice.paid_amount)
        .where(Invoice.client_id == client_id, Invoice.status == InvoiceStatus.PENDING)
        .order_by(Invoice.due_date, Invoice.number)
    )
    return [(n, Decimal(b).quantize(Decimal("0.01"))) for n, b in rows if Decimal(b) > ZERO]


def matching(invoices: list[tuple[int, Decimal]], amount: Decimal) -> list[int] | None:
    """The oldest invoices the amount pays exactly (1, 2, … of them), else None."""
    total = ZERO
    for i, (_number, balance) in enumerate(invoices):
        total += balance
        if total == amount:
            return [n for n, _b in invoices[: i + 1]]
        if total > amount:
            return None
    return None


def _when(uow: UnitOfWork, occurred: dt.datetime | None) -> dt.datetime | None:
    now = uow.app.clock.now()
    return None if occurred is None or occurred > now else occurred


async def _client_of(uow: UnitOfWork, event: ProviderEvent) -> Client | None:
    session = uow.session
    if event.client_hint is not None:
        return await session.get(Client, event.client_hint)
    ref = (
        await references.find_by_reference(session, event.method, event.reference)
        if event.reference
        else None
    )
    if ref is None and event.customer_id:
        ref = await references.find_by_customer(session, event.customer_id)
    return await session.get(Client, ref.client_id) if ref is not None else None


def _review(row: OnlineEvent, reason: ReviewReason, **detail: object) -> Decision:
    row.status, row.reason = EventStatus.REVIEW.value, reason.value
    row.detail = {**(row.detail or {}), **{k: v for k, v in detail.items() if v is not None}}
    return Decision(row.status)


async def decide(uow: UnitOfWork, row_id: int, event: ProviderEvent) -> Decision:
    """Record what the event says and decide; a payment to register is claimed here."""
    session = uow.session
    row = await session.get(OnlineEvent, row_id, with_for_update=True)
    if row is None:
        raise NotFound(_("No online payment event {id}").format(id=row_id))
    if row.status not in OPEN:
        return Decision(row.status)
    row.kind, row.method, row.amount = event.kind.value, event.method, event.amount
    row.reference, row.occurred_at = event.reference, event.occurred_at
    row.payment_id = event.payment_id or row.payment_id
    row.processed_at = uow.app.clock.now()
    if event.livemode is not None and event.livemode == sandbox(uow.app, row.provider):
        row.status, row.detail = (
            EventStatus.IGNORED.value,
            {"note": "livemode" if event.livemode else "testmode"},
        )
        return Decision(row.status)
    if event.kind is EventKind.OTHER or not row.payment_id:
        row.status = EventStatus.IGNORED.value
        return Decision(row.status)
    client = await _client_of(uow, event)
    row.client_id = client.id if client is not None else None
    state = (
        await session.scalars(
            select(ProviderPayment)
            .where(ProviderPayment.provider == row.provider, ProviderPayment.payment_id == row.payment_id)
            .with_for_update()
        )
    ).first()
    if event.kind is EventKind.PAID:
        return await _paid(uow, row, event, client, state)
    return await _reversal(uow, row, event, state)


async def _claim(uow: UnitOfWork, row: OnlineEvent, status: str) -> ProviderPayment:
    state = ProviderPayment(
        provider=row.provider, payment_id=row.payment_id, status=status, claimed_at=uow.app.clock.now()
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(state)
    except IntegrityError:  # a concurrent delivery claimed it first
        raise Busy(_("This payment is being processed; try again later.")) from None
    return state


async def _paid(
    uow: UnitOfWork,
    row: OnlineEvent,
    event: ProviderEvent,
    client: Client | None,
    state: ProviderPayment | None,
) -> Decision:
    if state is not None:
        if state.status == EventStatus.APPLYING.value:
            if uow.app.clock.now() - state.claimed_at < LEASE:
                raise Busy(_("This payment is being processed; try again later."))
            done = await _registered(uow, row)
            if done is not None:  # registered before a crash, not recorded: record it now
                state.status, state.local_payment_id = EventStatus.APPLIED.value, done
                row.status, row.local_payment_id = EventStatus.APPLIED.value, done
                return Decision(row.status)
        elif state.status in (EventKind.REFUNDED.value, EventKind.CHARGED_BACK.value):
            row.status = EventStatus.STALE.value
            return Decision(row.status)
        else:  # applied, or waiting for a cashier already
            row.status, row.local_payment_id = EventStatus.DUPLICATE.value, state.local_payment_id
            return Decision(row.status)
        state.status = EventStatus.REVIEW.value  # a crashed attempt that registered nothing: decide again
    else:
        state = await _claim(uow, row, EventStatus.REVIEW.value)
    if client is None:
        return _review(row, ReviewReason.UNKNOWN_REFERENCE)
    if event.amount is None:
        return _review(row, ReviewReason.BAD_AMOUNT, problem=event.amount_problem, value=event.amount_written)
    if event.amount > uow.app.settings.max_payment:
        return _review(row, ReviewReason.BAD_AMOUNT, problem=AmountProblem.TOO_BIG, value=str(event.amount))
    invoices = await pending_invoices(uow, client.id)
    numbers = matching(invoices, event.amount)
    if numbers is None and (event.invoice_hint, event.amount) in invoices:
        numbers = [n for n, _b in invoices]  # the balance its link asked for; still oldest first
    if numbers is None:
        owed = sum((b for _n, b in invoices), ZERO)
        return _review(row, ReviewReason.AMOUNT_MISMATCH, owed=str(owed))
    state.status, state.claimed_at = EventStatus.APPLYING.value, uow.app.clock.now()
    row.status = EventStatus.APPLYING.value
    plan = ToRegister(
        row.id,
        row.provider,
        row.payment_id or "",
        client.id,
        numbers,
        event.amount,
        method_of(event.method),
        _when(uow, event.occurred_at),
        online_actor(row.provider),
    )
    return Decision(row.status, plan)


async def _registered(uow: UnitOfWork, row: OnlineEvent) -> int | None:
    """The payment a crashed earlier attempt registered for this provider payment, if any."""
    methods = [m for m in (row.method,) if m in PaymentMethod._value2member_map_]
    query = select(Payment.id).where(Payment.reference == row.payment_id)
    if methods:
        query = query.where(Payment.method.in_(methods))
    return (await uow.session.scalars(query.limit(1))).first()


async def _reversal(
    uow: UnitOfWork, row: OnlineEvent, event: ProviderEvent, state: ProviderPayment | None
) -> Decision:
    """A refund or chargeback always goes to the cashiers (it never changes money by itself)."""
    reason = ReviewReason.REFUND if event.kind is EventKind.REFUNDED else ReviewReason.CHARGEBACK
    if state is None:  # out of order: the payment itself never arrived; it must never apply now
        await _claim(uow, row, event.kind.value)
        return _review(row, reason, applied=False)
    if state.status == event.kind.value:
        row.status = EventStatus.DUPLICATE.value
        return Decision(row.status)
    applied = state.status == EventStatus.APPLIED.value
    state.status = event.kind.value
    row.local_payment_id = state.local_payment_id if applied else None
    return _review(row, reason, applied=applied, payment=state.local_payment_id if applied else None)


async def register(app: App, plan: ToRegister) -> PaymentResult:
    """THE one call of ``register_payment`` for online payments (webhooks and cashiers' decisions).

    It commits on its own today; once it takes a unit of work it joins the transaction of
    ``decide``/``finish`` and the whole event is one transaction."""
    return await app.perform(
        register_payment,
        plan.actor,
        plan.numbers,
        plan.amount,
        PaymentMethod(plan.method),
        reference=plan.payment_id,
        when=plan.when,
    )


async def finish(uow: UnitOfWork, plan: ToRegister, result: PaymentResult) -> None:
    """Record a registered payment on its event and its provider payment."""
    session = uow.session
    row = await session.get(OnlineEvent, plan.row_id, with_for_update=True)
    state = (
        await session.scalars(
            select(ProviderPayment).where(
                ProviderPayment.provider == plan.provider, ProviderPayment.payment_id == plan.payment_id
            )
        )
    ).first()
    assert row is not None
    reactivation = result.reactivation
    row.status, row.local_payment_id = EventStatus.APPLIED.value, result.payment_id
    row.client_id = plan.client_id
    row.detail = {
        **(row.detail or {}),
        "invoices": [a.number for a in result.applied],
        "credit": str(result.credit_added),
        "reactivated": bool(reactivation and not reactivation.refused),
        "queued": bool(reactivation and reactivation.queued),
    }
    if state is not None:
        state.status, state.local_payment_id = EventStatus.APPLIED.value, result.payment_id
    record(
        session,
        plan.actor,
        "online_payment.apply",
        target=f"{row.provider} {plan.payment_id}",
        arguments={"event": row.id, "payment": result.payment_id, "amount": plan.amount},
    )


async def failed(uow: UnitOfWork, plan: ToRegister, error: str) -> None:
    """``register_payment`` refused (an invoice got paid meanwhile …): the cashiers decide."""
    row = await uow.session.get(OnlineEvent, plan.row_id, with_for_update=True)
    state = (
        await uow.session.scalars(
            select(ProviderPayment).where(
                ProviderPayment.provider == plan.provider, ProviderPayment.payment_id == plan.payment_id
            )
        )
    ).first()
    assert row is not None
    if state is not None:
        state.status = EventStatus.REVIEW.value
    _review(row, ReviewReason.APPLY_FAILED, error=error[:300])


async def carry_out(app: App, plan: ToRegister) -> str:
    """Register, then record: applied, or back to the cashiers with the reason it was refused."""
    try:
        result = await register(app, plan)
    except CoreError as exc:
        await app.perform(failed, plan, str(exc))
        return EventStatus.REVIEW.value
    await app.perform(finish, plan, result)
    return EventStatus.APPLIED.value


async def process(app: App, row_id: int, event: ProviderEvent) -> str:
    """Decide, and register when the decision is to apply; the event's final status."""
    decision = await app.perform(decide, row_id, event)
    if decision.register is None:
        return decision.status
    return await carry_out(app, decision.register)
