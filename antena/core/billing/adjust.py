"""Moving an invoice's due and cut-off dates (a client agreed to pay later): audited, refused on
paid and cancelled invoices. Reminders and the cut-off read the invoice's dates, so they follow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from antena.core.audit import Actor, record
from antena.core.billing.queries import parse_number
from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceStatus
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _


@dataclass(frozen=True)
class DatesChanged:
    """An invoice's dates before and after the edit."""

    invoice: Invoice
    old_due: dt.date
    old_cutoff: dt.date | None


async def edit_dates(
    uow: UnitOfWork,
    actor: Actor,
    number: int | str,
    *,
    due_date: dt.date | None = None,
    cutoff_date: dt.date | None = None,
) -> DatesChanged:
    """Give a pending invoice a new due date and/or cut-off date (never a cut-off before the due
    date, never a due date before the issue date)."""
    if due_date is None and cutoff_date is None:
        raise InvalidInput(_("Say what to change: a due date, a cut-off date or both"))
    wanted = parse_number(number)
    invoice = (
        await uow.session.execute(select(Invoice).where(Invoice.number == wanted).with_for_update(of=Invoice))
    ).scalar_one_or_none()
    if invoice is None:
        raise NotFound(_("No invoice number {number}").format(number=wanted))
    if invoice.status is InvoiceStatus.CANCELLED:
        raise NotAllowed(_("Invoice {number} is cancelled: its dates cannot change").format(number=wanted))
    if invoice.status is InvoiceStatus.PAID:
        raise NotAllowed(_("Invoice {number} is paid: its dates cannot change").format(number=wanted))
    if cutoff_date is not None and invoice.kind is InvoiceKind.OTHER:
        raise InvalidInput(
            _("Invoice {number} is other income: it never cuts anyone, so it has no cut-off date").format(
                number=wanted
            )
        )
    due = due_date or invoice.due_date
    cutoff = cutoff_date or invoice.cutoff_date
    if due < invoice.issue_date:
        raise InvalidInput(
            _("The due date {due} is before the issue date {issue}").format(
                due=due.isoformat(), issue=invoice.issue_date.isoformat()
            )
        )
    if cutoff is not None and cutoff < due:
        raise InvalidInput(
            _("The cut-off date {cutoff} is before the due date {due}").format(
                cutoff=cutoff.isoformat(), due=due.isoformat()
            )
        )
    if (due, cutoff) == (invoice.due_date, invoice.cutoff_date):
        raise InvalidInput(_("Invoice {number} already has these dates").format(number=wanted))
    changed = DatesChanged(invoice, invoice.due_date, invoice.cutoff_date)
    invoice.due_date, invoice.cutoff_date = due, cutoff
    record(
        uow.session,
        actor,
        "invoice.edit",
        target=f"{invoice.number} {invoice.client.name}",
        arguments={
            "client_id": invoice.client_id,
            "due_date": [changed.old_due, due],
            "cutoff_date": [changed.old_cutoff, cutoff],
        },
    )
    return changed
