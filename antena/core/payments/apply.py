"""What an online payment event does, as ONE unit of work (``process``): decide (apply, ask the
cashiers, or nothing), claim the provider payment, register the payment (``register_payment``:
allocations, the client's reconnection as router tasks, the customer's messages), record the
outcome on the event and queue the cashiers' notice. All of it commits together or not at all: a
crash before the commit leaves the event as it was received, and the provider's next delivery
processes it then; after the commit, router and message I/O run from the outboxes.

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
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment, PaymentMethod
from antena.core.db.models import Client
from antena.core.db.pay_models import EventStatus, OnlineEvent, ProviderPayment, ReviewReason
from antena.core.db.uow import UnitOfWork
from antena.core.errors import CoreError, NotFound
from antena.core.i18n import _
from antena.core.payments import notices, references
from antena.core.payments.port import AmountProblem, EventKind, PaymentsError, ProviderEvent
from antena.core.payments.providers import sandbox

ZERO = Decimal("0.00")
# An event still to process. "applying" only survives in databases of versions that registered in a
# transaction of its own (a crash between the two): such a claim is repaired, never waited for.
OPEN = (EventStatus.RECEIVED.value, EventStatus.APPLYING.value)
REVERSED_STATES = (EventKind.REFUNDED.value, EventKind.CHARGED_BACK.value)


class Busy(PaymentsError):
    """A concurrent delivery's claim of the same payment could not be read: the provider retries."""

    status_code = 503


@dataclass(frozen=True)
class ToRegister:
    """What ``register`` pays: decided and claimed earlier in the same unit of work."""

    provider: str
    payment_id: str
    client_id: int
    numbers: list[int]
    amount: Decimal
    method: str
    when: dt.datetime | None
    actor: Actor


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


async def _client_of(uow: UnitOfWork, event: ProviderEvent) -> int | None:
    """The client the event pays for (only the id: ``register_payment`` loads it, locked)."""
    session = uow.session
    if event.client_hint is not None:
        return await session.scalar(select(Client.id).where(Client.id == event.client_hint))
    ref = (
        await references.find_by_reference(session, event.method, event.reference)
        if event.reference
        else None
    )
    if ref is None and event.customer_id:
        ref = await references.find_by_customer(session, event.customer_id)
    return ref.client_id if ref is not None else None


def _review(row: OnlineEvent, reason: ReviewReason, **detail: object) -> None:
    row.status, row.reason = EventStatus.REVIEW.value, reason.value
    row.detail = {**(row.detail or {}), **{k: v for k, v in detail.items() if v is not None}}


async def payment_state(uow: UnitOfWork, provider: str, payment_id: str | None) -> ProviderPayment | None:
    """What we know of a provider payment, its row locked for this transaction."""
    return (
        await uow.session.scalars(
            select(ProviderPayment)
            .where(ProviderPayment.provider == provider, ProviderPayment.payment_id == payment_id)
            .with_for_update()
        )
    ).first()


async def process(uow: UnitOfWork, row_id: int, event: ProviderEvent) -> str:
    """The webhook event's business event, whole: decide, claim, register, record, tell the
    cashiers; the event's final status. An event processed already is left as it is."""
    row = await uow.session.get(OnlineEvent, row_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(_("No online payment event {id}").format(id=row_id))
    if row.status not in OPEN:
        return row.status
    row.kind, row.method, row.amount = event.kind.value, event.method, event.amount
    row.reference, row.occurred_at = event.reference, event.occurred_at
    row.payment_id = event.payment_id or row.payment_id
    row.processed_at = uow.app.clock.now()
    if event.livemode is not None and event.livemode == sandbox(uow.app, row.provider):
        row.status = EventStatus.IGNORED.value
        row.detail = {"note": "livemode" if event.livemode else "testmode"}
    elif event.kind is EventKind.OTHER or not row.payment_id:
        row.status = EventStatus.IGNORED.value
    else:
        # Locks in one order: the provider payment first (a twin delivery waits on its claim holding
        # nothing but its own event row), then the client and the invoices. The event's client_id
        # is set after the claim: its foreign key check locks the client row.
        state = await payment_state(uow, row.provider, row.payment_id)
        claimed = False
        if state is None:
            first = EventStatus.REVIEW.value if event.kind is EventKind.PAID else event.kind.value
            state, claimed = await _claim(uow, row, first)
        client = await _client_of(uow, event)
        row.client_id = client
        if event.kind is EventKind.PAID:
            await _paid(uow, row, event, client, state, claimed)
        else:
            await _reversal(uow, row, event, state, claimed)
    row.notified = await notices.tell_cashiers(uow, row)
    return row.status


async def _claim(uow: UnitOfWork, row: OnlineEvent, status: str) -> tuple[ProviderPayment, bool]:
    """The provider payment's state row: ``(row, True)`` when this event claimed it now, or the one
    a concurrent delivery committed first (PostgreSQL: the insert waited for it) and False."""
    state = ProviderPayment(
        provider=row.provider, payment_id=row.payment_id, status=status, claimed_at=uow.app.clock.now()
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(state)
    except IntegrityError:
        found = await payment_state(uow, row.provider, row.payment_id)
        if found is None:
            raise Busy(_("This payment is being processed; try again later.")) from None
        return found, False
    return state, True


async def _paid(
    uow: UnitOfWork,
    row: OnlineEvent,
    event: ProviderEvent,
    client: int | None,
    state: ProviderPayment,
    claimed: bool,
) -> None:
    if not claimed:
        if state.status == EventStatus.APPLYING.value:  # left by an older version's crash
            done = await _registered(uow, row)
            if done is not None:  # it had registered the payment, not recorded it: record it now
                state.status, state.local_payment_id = EventStatus.APPLIED.value, done
                row.status, row.local_payment_id = EventStatus.APPLIED.value, done
                return
            state.status = EventStatus.REVIEW.value  # it registered nothing: decide again
        elif state.status in REVERSED_STATES:
            row.status = EventStatus.STALE.value
            return
        else:  # applied, or waiting for a cashier already
            row.status, row.local_payment_id = EventStatus.DUPLICATE.value, state.local_payment_id
            return
    if client is None:
        _review(row, ReviewReason.UNKNOWN_REFERENCE)
        return
    if event.amount is None:
        _review(row, ReviewReason.BAD_AMOUNT, problem=event.amount_problem, value=event.amount_written)
        return
    if event.amount > uow.app.settings.max_payment:
        _review(row, ReviewReason.BAD_AMOUNT, problem=AmountProblem.TOO_BIG, value=str(event.amount))
        return
    invoices = await pending_invoices(uow, client)
    numbers = matching(invoices, event.amount)
    if numbers is None and (event.invoice_hint, event.amount) in invoices:
        numbers = [n for n, _b in invoices]  # the balance its link asked for; still oldest first
    if numbers is None:
        owed = sum((b for _n, b in invoices), ZERO)
        _review(row, ReviewReason.AMOUNT_MISMATCH, owed=str(owed))
        return
    plan = ToRegister(
        row.provider,
        row.payment_id or "",
        client,
        numbers,
        event.amount,
        method_of(event.method),
        _when(uow, event.occurred_at),
        online_actor(row.provider),
    )
    await carry_out(uow, row, state, plan)


async def _registered(uow: UnitOfWork, row: OnlineEvent) -> int | None:
    """The payment an older version's crashed attempt registered for this provider payment, if any."""
    methods = [m for m in (row.method,) if m in PaymentMethod._value2member_map_]
    query = select(Payment.id).where(Payment.reference == row.payment_id)
    if methods:
        query = query.where(Payment.method.in_(methods))
    return (await uow.session.scalars(query.limit(1))).first()


async def _reversal(
    uow: UnitOfWork, row: OnlineEvent, event: ProviderEvent, state: ProviderPayment, claimed: bool
) -> None:
    """A refund or chargeback always goes to the cashiers (it never changes money by itself)."""
    reason = ReviewReason.REFUND if event.kind is EventKind.REFUNDED else ReviewReason.CHARGEBACK
    if claimed:  # out of order: the payment itself never arrived; it must never apply now
        _review(row, reason, applied=False)
        return
    if state.status == event.kind.value:
        row.status = EventStatus.DUPLICATE.value
        return
    applied = state.status == EventStatus.APPLIED.value
    state.status = event.kind.value
    row.local_payment_id = state.local_payment_id if applied else None
    _review(row, reason, applied=applied, payment=state.local_payment_id if applied else None)


async def register(uow: UnitOfWork, plan: ToRegister) -> PaymentResult:
    """THE one call of ``register_payment`` for online payments (webhooks and cashiers' decisions),
    in the caller's unit of work: the payment commits with the decision that led to it."""
    return await register_payment(
        uow,
        plan.actor,
        plan.numbers,
        plan.amount,
        PaymentMethod(plan.method),
        reference=plan.payment_id,
        when=plan.when,
    )


def finish(
    uow: UnitOfWork, row: OnlineEvent, state: ProviderPayment | None, plan: ToRegister, result: PaymentResult
) -> None:
    """Record a registered payment on its event and its provider payment."""
    reactivation = result.reactivation
    row.status, row.local_payment_id = EventStatus.APPLIED.value, result.payment_id
    row.client_id = plan.client_id
    row.detail = {
        **(row.detail or {}),
        "invoices": [a.number for a in result.applied],
        "credit": str(result.credit_added),
        # a reconnection was ordered (router tasks keyed by the payment; tried after the commit)
        "reactivated": bool(reactivation and reactivation.report and reactivation.report.actions),
    }
    if state is not None:
        state.status, state.local_payment_id = EventStatus.APPLIED.value, result.payment_id
    record(
        uow.session,
        plan.actor,
        "online_payment.apply",
        target=f"{row.provider} {plan.payment_id}",
        arguments={"event": row.id, "payment": result.payment_id, "amount": plan.amount},
    )


async def carry_out(uow: UnitOfWork, row: OnlineEvent, state: ProviderPayment, plan: ToRegister) -> None:
    """Register and record; when ``register_payment`` refuses (the client already used this
    reference for a payment by hand, …) the payment goes back to the cashiers with the reason.

    The registration runs in a savepoint, so a refusal leaves nothing of it behind while the event's
    own outcome still commits."""
    try:
        async with uow.session.begin_nested():
            result = await register(uow, plan)
    except CoreError as exc:
        state.status = EventStatus.REVIEW.value
        _review(row, ReviewReason.APPLY_FAILED, error=str(exc)[:300])
        return
    finish(uow, row, state, plan, result)
