"""Cancelling invoices: staff cancel one, or cancelling a client cancels its pending ones.

A cancelled invoice undoes what it did: the credit it used and what was paid on it go back to
the client's credit (money is never lost), its fees wait for the next invoice, its one-off and
instalment items become billable again, and invoices merged into it are pending again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor, record
from antena.core.billing import store
from antena.core.billing.lines import LineKind
from antena.core.billing.queries import get_invoice
from antena.core.bootstrap import App
from antena.core.db.billing_models import ExtraItem, ExtraKind, Invoice, InvoiceStatus, PendingCharge
from antena.core.errors import NotAllowed
from antena.core.i18n import _


@dataclass(frozen=True)
class Cancelled:
    """A cancelled invoice and the money given back to the client's credit."""

    invoice: Invoice
    refunded: Decimal
    restored: list[int] = field(default_factory=list)  # numbers of invoices merged into it, pending again


async def _cancel(session: AsyncSession, invoice: Invoice, now: dt.datetime) -> Decimal:
    """Void an invoice and undo what it consumed; returns the amount credited back.

    The credit it used and anything already paid on it return to the client's credit (money is
    never lost); its fees wait for the next invoice again; its one-off and instalment items are
    billable again (one instalment back).
    """
    credit_used = -sum(
        (line.amount for line in invoice.lines if line.kind == LineKind.CREDIT), Decimal("0.00")
    )
    refund = credit_used + invoice.paid_amount
    invoice.status = InvoiceStatus.CANCELLED
    invoice.cancelled_at = now
    await session.execute(
        update(PendingCharge).where(PendingCharge.invoice_id == invoice.id).values(invoice_id=None)
    )
    item_ids = [line.extra_item_id for line in invoice.lines if line.extra_item_id is not None]
    if item_ids:
        for item in (await session.execute(select(ExtraItem).where(ExtraItem.id.in_(item_ids)))).scalars():
            if item.kind is ExtraKind.INSTALMENTS:
                item.instalments_billed = max(0, item.instalments_billed - 1)
                item.paid = False
            elif item.kind is ExtraKind.ONE_OFF:
                item.paid = False
    if refund:
        clients = store.CLIENTS
        await session.execute(
            update(clients)
            .where(clients.c.id == invoice.client_id)
            .values(balance=clients.c.balance + refund)
            .execution_options(synchronize_session=False)
        )
    return refund


async def cancel_pending_invoices(
    session: AsyncSession, client_id: int, actor: Actor, now: dt.datetime
) -> list[int]:
    """Cancel every pending invoice of a client inside the caller's transaction (no commit):
    the client-cancel service's "cancelar facturas pendientes". Returns their numbers."""
    rows = await session.execute(
        select(Invoice)
        .where(Invoice.client_id == client_id, Invoice.status == InvoiceStatus.PENDING)
        .order_by(Invoice.number)
    )
    numbers = []
    for invoice in rows.scalars():
        refund = await _cancel(session, invoice, now)
        numbers.append(invoice.number)
        record(
            session, actor, "invoice.cancel", target=str(invoice.number),
            arguments={"client_id": client_id, "refunded": refund, "reason": "client cancelled"},
        )  # fmt: skip
    return numbers


async def cancel_invoice(app: App, actor: Actor, number: int | str) -> Cancelled:
    """Staff cancel one invoice: pending ones, and paid ones on which nothing was paid (a free
    month or one covered by credit). An invoice with payments on it is not undone here.

    Invoices that were merged into it are pending again, with their own dates and balances.
    """
    async with app.uow() as uow:
        invoice = await get_invoice(uow.session, number)
        if invoice.status is InvoiceStatus.CANCELLED:
            raise NotAllowed(_("Invoice {number} is already cancelled").format(number=invoice.number))
        if invoice.status is InvoiceStatus.PAID and invoice.paid_amount > 0:
            raise NotAllowed(
                _("Invoice {number} is paid and cannot be cancelled").format(number=invoice.number)
            )
        refund = await _cancel(uow.session, invoice, app.clock.now())
        restored = await _unmerge(uow.session, invoice)
        record(
            uow.session, actor, "invoice.cancel", target=f"{invoice.number} {invoice.client.name}",
            arguments={"client_id": invoice.client_id, "refunded": refund, "restored": restored},
        )  # fmt: skip
        await uow.commit()
        return Cancelled(invoice, refund, restored)


async def _unmerge(session: AsyncSession, invoice: Invoice) -> list[int]:
    """Invoices merged into a cancelled one owe again: cancelling 3 must not forgive 2 silently.

    (Cancelling a client forgives everything pending, so that path does not call this.)
    """
    merged = (await session.execute(select(Invoice).where(Invoice.merged_into_id == invoice.id))).scalars()
    numbers = []
    for old in merged:
        old.status = InvoiceStatus.PENDING
        old.cancelled_at = None
        old.merged_into_id = None
        numbers.append(old.number)
    return sorted(numbers)
