"""Register a payment against invoices: allocation, credit, fees, recharge dates and reactivation.

A payment is one business event, one transaction (the caller's unit of work): the payment and its
allocations, invoice states, the client's credit, late and reconnection fees, a recharge client's
new dates, a kept promise, the audit entry, and — when nothing overdue is left — the suspended
client's reactivation with its router tasks and the customer's messages, all as rows. The router
is tried only after the commit (an after-commit hook), so a router that is down never loses or
blocks a payment, and a crash after the commit leaves tasks the worker applies on restart: a
client who paid is never left cut.

Concurrent payments of one invoice serialise on the write lock (``BEGIN IMMEDIATE`` on SQLite,
``FOR UPDATE`` on the invoice rows on PostgreSQL) and the later ones are refused as already paid.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core import failpoints, words
from antena.core.audit import Actor, record
from antena.core.billing import overdue
from antena.core.billing.calendar import late_fee_applies, local_date
from antena.core.billing.fees import add_fee
from antena.core.billing.money import ZERO, allocate_payment
from antena.core.billing.reactivation import Reactivation, reactivate_in, reactivation_text
from antena.core.billing.recharge import RechargeOutcome, apply_recharge
from antena.core.bootstrap import App
from antena.core.clients.lifecycle import live_services
from antena.core.db.billing_models import (
    ChargeKind,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentPromise,
    PromiseStatus,
)
from antena.core.db.models import Client, ClientStatus
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _, gettext
from antena.core.notify import events as notify_events

METHOD_ALIASES = words.METHOD_WORDS  # one table of the words staff type (antena.core.words)
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
MAX_REFERENCE = 120


def parse_method(value: str | PaymentMethod | None) -> PaymentMethod:
    """efectivo|transferencia|tarjeta, or cash|transfer|card, any case, with or without accents."""
    return words.parse_method(value)


def parse_amount(value: str | Decimal | int | None, *, maximum: Decimal | None = None) -> Decimal | None:
    """A positive amount by ``antena.core.amounts``' grammar, at most ``maximum``; None stays None."""
    if value is None:
        return None
    from antena.core.amounts import parse_amount as strict

    return strict(value, maximum=maximum)


def parse_invoice_number(value: str | int) -> int:
    """An invoice number as staff type it: ``123`` or ``#123``."""
    text = str(value).strip().lstrip("#").strip()
    if not text.isdigit() or int(text) <= 0:
        raise InvalidInput(_("Not an invoice number: {value}").format(value=value))
    return int(text)


@dataclass(frozen=True)
class Applied:
    """What the payment did to one invoice."""

    number: int
    amount: Decimal
    balance: Decimal  # still due on that invoice afterwards
    paid: bool


@dataclass
class PaymentResult:
    """Everything a cashier needs to hear about a payment, and what a receipt would show."""

    payment_id: int
    client_id: int
    client_name: str
    amount: Decimal
    method: PaymentMethod
    applied: list[Applied]
    credit_added: Decimal
    late_fee: Decimal = ZERO
    reconnection_fee: Decimal = ZERO
    recharge: RechargeOutcome | None = None
    promise_kept: bool = False
    reactivation: Reactivation | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def queued(self) -> bool:
        return self.reactivation is not None and self.reactivation.queued

    @property
    def refused(self) -> bool:
        return self.reactivation is not None and self.reactivation.refused


def _as_instant(when: dt.datetime | dt.date | None, app: App) -> dt.datetime:
    now = app.clock.now()
    if when is None:
        return now
    if not isinstance(when, dt.datetime):  # a bare date: noon that day, local time
        when = dt.datetime.combine(when, dt.time(12, 0), tzinfo=app.settings.tz)
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInput(_("A payment time needs a time zone"))
    if local_date(when, app.settings.tz) > app.clock.today():
        raise InvalidInput(_("A payment cannot be dated in the future"))
    return when.astimezone(dt.UTC)


async def _load_invoices(session: AsyncSession, numbers: list[int]) -> list[Invoice]:
    rows = await session.execute(
        select(Invoice).where(Invoice.number.in_(numbers)).with_for_update(of=Invoice)
    )
    found = {inv.number: inv for inv in rows.unique().scalars()}
    for number in numbers:
        inv = found.get(number)
        if inv is None:
            raise NotFound(_("No invoice number {number}").format(number=number))
        if inv.status is InvoiceStatus.CANCELLED:
            raise NotAllowed(_("Invoice {number} is cancelled").format(number=number))
        if inv.status is InvoiceStatus.PAID or inv.balance_due <= ZERO:
            raise NotAllowed(_("Invoice {number} is already paid").format(number=number))
    invoices = [found[n] for n in numbers]
    first = invoices[0]
    for inv in invoices[1:]:
        if inv.client_id != first.client_id:
            raise InvalidInput(
                _("Invoices {a} and {b} belong to different clients: register one payment per client").format(
                    a=first.number, b=inv.number
                )
            )
    return sorted(invoices, key=lambda i: (i.due_date, i.number))


async def _paid_late_before(session: AsyncSession, invoice: Invoice, tz: dt.tzinfo) -> bool:
    """An earlier payment on this invoice was already late (its late fee was charged then)."""
    day_after = dt.datetime.combine(invoice.due_date + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    found = await session.execute(
        select(PaymentAllocation.id)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.invoice_id == invoice.id, Payment.received_at >= day_after)
        .limit(1)
    )
    return found.first() is not None


async def _reference_used(session: AsyncSession, client_id: int, reference: str) -> int | None:
    """The payment that already carries this reference for this client, if any."""
    found = await session.execute(
        select(Payment.id).where(Payment.client_id == client_id, Payment.reference == reference).limit(1)
    )
    return found.scalar_one_or_none()


async def _committed() -> None:
    failpoints.reach("payment.committed")


async def register_payment(
    uow: UnitOfWork,
    actor: Actor,
    invoice_numbers: Sequence[int | str],
    amount: Decimal | str | int | None = None,
    method: str | PaymentMethod | None = PaymentMethod.CASH,
    reference: str | None = None,
    when: dt.datetime | dt.date | None = None,
) -> PaymentResult:
    """Pay one or more invoices of one client; ``amount`` defaults to what is due on them.

    The money goes to the oldest invoice first; what is left over becomes credit on the client.
    A reference the client already used is refused as a duplicate (a cashier's double tap, a
    provider's repeated webhook): a payment is registered once.
    """
    app = uow.app
    numbers = list(dict.fromkeys(parse_invoice_number(n) for n in invoice_numbers))
    if not numbers:
        raise InvalidInput(_("Say which invoice is paid"))
    wanted = parse_amount(amount, maximum=app.settings.max_payment)
    pay_method = parse_method(method)
    ref = (reference or "").strip() or None
    if ref is not None and len(ref) > MAX_REFERENCE:
        raise InvalidInput(_("The reference is too long (at most {n} characters)").format(n=MAX_REFERENCE))
    received = _as_instant(when, app)
    tz = app.settings.tz
    pay_day = local_date(received, tz)
    today = app.clock.today()
    lang = app.settings.locale

    uow.after_commit(_committed)  # first hook: before any router or message I/O
    session = uow.session
    invoices = await _load_invoices(session, numbers)
    # populate_existing: the invoices' query already loaded this client without a lock; on
    # PostgreSQL a cut-off may have suspended it since, and the reconnection must see that.
    client = (
        await session.execute(
            select(Client)
            .where(Client.id == invoices[0].client_id)
            .with_for_update(of=Client)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if ref is not None and (earlier := await _reference_used(session, client.id, ref)) is not None:
        raise NotAllowed(
            _("Reference {ref} was already used by payment #{id} of this client: not registered twice")
            .format(ref=ref, id=earlier)
        )
    due = sum((inv.balance_due for inv in invoices), ZERO)
    paying = wanted if wanted is not None else due
    allocations, credit = allocate_payment(paying, [(inv, inv.balance_due) for inv in invoices])
    # Asked before the new allocations exist (autoflush would otherwise count this payment).
    late = [
        inv
        for inv, _part in allocations
        if inv.kind is InvoiceKind.INTERNET
        and late_fee_applies(inv.due_date, pay_day)
        and not await _paid_late_before(session, inv, tz)
    ]
    payment = Payment(
        client_id=client.id,
        amount=paying,
        method=pay_method,
        reference=ref,
        received_at=received,
        cashier=actor.name,
        staff_id=actor.staff_id,
        credit_added=credit,
    )
    applied: list[Applied] = []
    for inv, part in allocations:
        inv.paid_amount = inv.paid_amount + part
        if inv.paid_amount >= inv.total:
            inv.status = InvoiceStatus.PAID
            inv.paid_at = received
        payment.allocations.append(PaymentAllocation(invoice_id=inv.id, amount=part))
        applied.append(Applied(inv.number, part, inv.balance_due, inv.status is InvoiceStatus.PAID))
    session.add(payment)
    if credit > ZERO:
        client.balance = client.balance + credit
    result = PaymentResult(
        payment_id=0,
        client_id=client.id,
        client_name=client.name,
        amount=paying,
        method=pay_method,
        applied=applied,
        credit_added=credit,
    )
    if pay_day < today:
        result.notes.append(_("Received on {date} (backdated).").format(date=pay_day.isoformat()))
    for inv in late:
        reason = gettext("Late payment of invoice {number}", lang).format(number=inv.number)
        result.late_fee += add_fee(session, app.settings, client, ChargeKind.LATE, reason)
    if any(inv.kind is InvoiceKind.INTERNET for inv, _part in allocations):
        result.recharge = apply_recharge(client, pay_day)
    await session.flush()
    wake = await _after_payment(app, session, client, result, today)
    result.payment_id = payment.id
    record(
        session,
        actor,
        "payment.add",
        target=", ".join(str(n) for n in numbers),
        arguments={
            "payment": payment.id,
            "client": client.id,
            "amount": paying,
            "method": pay_method.value,
            "reference": ref,
            "received_at": received.isoformat(),
            "backdated": pay_day < today,
            "applied": {str(a.number): a.amount for a in applied},
            "credit_added": credit,
            "late_fee": result.late_fee,
            "reconnection_fee": result.reconnection_fee,
            "recharge": _recharge_audit(result.recharge),
            "promise_kept": result.promise_kept,
            "reactivate": wake,
        },
    )
    await notify_events.payment_received(session, app, client, payment.id, paying)
    from antena.core.cfdi.requests import queue_stamp  # CFDI for clients with fiscal data

    await queue_stamp(session, payment.id)
    if wake:
        result.reactivation = await reactivate_in(
            uow, actor, client.id, reason="payment", key=f"payment:{payment.id}"
        )
    return result


async def _after_payment(
    app: App, session: AsyncSession, client: Client, result: PaymentResult, today: dt.date
) -> bool:
    """Nothing overdue any more: the promise is kept, and a suspended client is to be woken up
    (its reconnection fee goes in this same transaction). Returns whether to reactivate."""
    if await overdue.owes(session, client.id, today):
        return False
    kept = await session.execute(
        update(PaymentPromise)
        .where(PaymentPromise.client_id == client.id, PaymentPromise.status == PromiseStatus.ACTIVE)
        .values(status=PromiseStatus.KEPT, resolved_at=app.clock.now())
    )
    result.promise_kept = bool(kept.rowcount)  # type: ignore[attr-defined]
    if client.status is not ClientStatus.SUSPENDED:
        return False
    if not live_services(client):
        result.notes.append(_("not reactivated: the client has no service"))
        return False
    reason = gettext("Reconnection", app.settings.locale)
    result.reconnection_fee = add_fee(session, app.settings, client, ChargeKind.RECONNECTION, reason)
    return True


def _recharge_audit(outcome: RechargeOutcome | None) -> object:
    if outcome is None:
        return None
    if outcome.calendar is None:
        return outcome.ignored
    c = outcome.calendar
    return {"issue": c.issue_day, "notice": c.notice_day, "pay": c.pay_day, "cutoff": c.cutoff_day}


def payment_lines(result: PaymentResult) -> list[str]:
    """The answer to the cashier: what was paid, then fees, new dates and the service."""
    parts = []
    for a in result.applied:
        state = _("paid") if a.paid else _("{balance} still due").format(balance=a.balance)
        parts.append(
            _("pays {amount} of invoice {number} ({state})").format(
                amount=a.amount, number=a.number, state=state
            )
        )
    head = "; ".join(parts)
    if result.credit_added > ZERO:
        head += "; " + _("{credit} credited to the client").format(credit=result.credit_added)
    if result.reactivation is not None:
        head += "; " + reactivation_text(result.reactivation)
    lines = [
        _("Payment #{id}, {name} (#{client}): {what}").format(
            id=result.payment_id, name=result.client_name, client=result.client_id, what=head
        )
    ]
    if result.late_fee > ZERO:
        lines.append(_("Late fee of {amount} added to the next invoice.").format(amount=result.late_fee))
    if result.reconnection_fee > ZERO:
        lines.append(
            _("Reconnection fee of {amount} added to the next invoice.").format(
                amount=result.reconnection_fee
            )
        )
    if result.recharge is not None and result.recharge.calendar is not None:
        c = result.recharge.calendar
        lines.append(
            _(
                "Recharge user: new billing days issue {issue}, notice {notice}, pay {pay}, cut-off {cutoff}."
            ).format(issue=c.issue_day, notice=c.notice_day, pay=c.pay_day, cutoff=c.cutoff_day)
        )
    elif result.recharge is not None:
        lines.append(_("Recharge flag ignored: the client has no own billing calendar."))
    if result.promise_kept:
        lines.append(_("Payment promise kept."))
    lines += result.notes
    return lines
