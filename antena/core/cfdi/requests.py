"""Asking for a CFDI: after a payment, on demand, the month's global invoice, a cancellation.

Each service only writes the ``cfdi_documents`` row (the job) in the caller's transaction; the
signing and the PAC happen after the commit (``jobs``), so a payment never waits on the PAC and a
PAC that is down loses nothing. Entry points register ``jobs.run_now`` after the commit to try at
once; the worker retries what is left.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid as uuidlib
from decimal import Decimal

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor, record
from antena.core.billing.queries import parse_number
from antena.core.db.billing_models import Invoice, InvoiceStatus, PaymentAllocation
from antena.core.db.cfdi_models import CfdiDocument, CfdiGlobalInvoice, CfdiKind, CfdiStatus, ClientFiscal
from antena.core.db.uow import UnitOfWork
from antena.core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _

REASONS = {"01", "02", "03", "04"}
DUE_AT_ONCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}", re.ASCII)


def _live() -> ColumnElement[bool]:
    return CfdiDocument.status != CfdiStatus.CANCELLED


async def live_document(session: AsyncSession, invoice_id: int) -> CfdiDocument | None:
    """The invoice's own CFDI that is not cancelled (queued, stamped, failed or cancelling)."""
    query = select(CfdiDocument).where(
        CfdiDocument.invoice_id == invoice_id, CfdiDocument.kind == CfdiKind.INVOICE, _live()
    )
    return (await session.execute(query)).scalars().first()


async def in_global(session: AsyncSession, invoice_id: int) -> CfdiDocument | None:
    query = (
        select(CfdiDocument)
        .join(CfdiGlobalInvoice, CfdiGlobalInvoice.document_id == CfdiDocument.id)
        .where(CfdiGlobalInvoice.invoice_id == invoice_id, _live())
    )
    return (await session.execute(query)).scalars().first()


def _requeue(doc: CfdiDocument, actor: str, now: dt.datetime) -> None:
    doc.status, doc.attempts, doc.xml, doc.uuid = CfdiStatus.QUEUED, 0, None, None
    doc.next_attempt_at, doc.last_error, doc.lease_until, doc.actor = DUE_AT_ONCE, None, None, actor
    doc.updated_at = now


async def queue_stamp(session: AsyncSession, payment_id: int) -> list[int]:
    """In the payment's transaction: a stamping job for each invoice this payment left fully paid
    whose client has fiscal data and that has no CFDI yet. Returns the new jobs' ids."""
    rows = await session.execute(
        select(Invoice)
        .join(PaymentAllocation, PaymentAllocation.invoice_id == Invoice.id)
        .join(ClientFiscal, ClientFiscal.client_id == Invoice.client_id)
        .where(
            PaymentAllocation.payment_id == payment_id,
            Invoice.status == InvoiceStatus.PAID,
            Invoice.total > 0,
        )
    )
    queued = []
    for invoice in rows.unique().scalars():
        if await live_document(session, invoice.id) or await in_global(session, invoice.id):
            continue
        doc = CfdiDocument(
            kind=CfdiKind.INVOICE,
            invoice_id=invoice.id,
            client_id=invoice.client_id,
            payment_id=payment_id,
            folio=str(invoice.number),
            total=invoice.total,
            next_attempt_at=DUE_AT_ONCE,
            actor="payment",
        )
        session.add(doc)
        await session.flush()
        queued.append(doc.id)
    return queued


async def request_stamp(uow: UnitOfWork, actor: Actor, number: str | int) -> int:
    """``antena cfdi stamp NUMBER`` / ``/cfdi NUMBER``: queue the paid invoice's CFDI (a failed one is
    queued again); refused when unpaid, cancelled, already stamped or in a global invoice."""
    s = uow.session
    n = parse_number(number)
    invoice = (await s.execute(select(Invoice).where(Invoice.number == n))).scalars().first()
    if invoice is None:
        raise NotFound(_("No invoice number {number}").format(number=n))
    if invoice.status is InvoiceStatus.CANCELLED:
        raise NotAllowed(_("Invoice {number} is cancelled: it cannot be stamped").format(number=n))
    if invoice.status is not InvoiceStatus.PAID:
        message = _("Invoice {number} is not paid yet: its CFDI (PUE) is stamped once it is paid")
        raise NotAllowed(message.format(number=n))
    if invoice.total <= 0:
        raise NotAllowed(_("Invoice {number} is for 0.00: there is nothing to stamp").format(number=n))
    if await s.get(ClientFiscal, invoice.client_id) is None:
        message = _(
            "The client of invoice {number} has no fiscal data: set it with `antena clients fiscal`, "
            "or it goes in the monthly global invoice"
        )
        raise NotAllowed(message.format(number=n))
    glob = await in_global(s, invoice.id)
    if glob is not None:
        raise NotAllowed(_("Invoice {number} is in the global invoice of {month}: cancel that one first "
                           "(reason 04)").format(number=n, month=glob.month))  # fmt: skip
    now = uow.app.clock.now()
    doc = await live_document(s, invoice.id)
    if doc is not None and doc.status is CfdiStatus.FAILED:
        _requeue(doc, actor.name, now)
    elif doc is not None and doc.status is CfdiStatus.QUEUED:
        return doc.id  # already waiting for the worker: the caller's hook tries it now
    elif doc is not None:
        raise AlreadyExists(_("Invoice {number} is already stamped: {uuid}").format(number=n, uuid=doc.uuid))
    else:
        doc = CfdiDocument(
            kind=CfdiKind.INVOICE, invoice_id=invoice.id, client_id=invoice.client_id, folio=str(n),
            total=invoice.total, next_attempt_at=DUE_AT_ONCE, actor=actor.name,
        )  # fmt: skip
        s.add(doc)
    await s.flush()
    record(s, actor, "cfdi.stamp", target=str(n), arguments={"document": doc.id})
    return doc.id


def parse_month(text: str, today: dt.date) -> tuple[int, int]:
    """``YYYY-MM`` of a month that is over (a global invoice covers a whole month)."""
    match = _MONTH.fullmatch((text or "").strip())
    if match is None:
        raise InvalidInput(_("Not a month: {value} (write YYYY-MM, like 2026-05)").format(value=text))
    year, month = int(match.group(1)), int(match.group(2))
    if (year, month) >= (today.year, today.month):
        raise InvalidInput(_("The month {value} is not over yet").format(value=text.strip()))
    return year, month


def month_range(year: int, month: int, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


async def request_global(uow: UnitOfWork, actor: Actor, month: str) -> int:
    """``antena cfdi global --month YYYY-MM``: one CFDI for the public in general with every invoice
    paid that month by clients without fiscal data and not stamped otherwise."""
    s, tz = uow.session, uow.app.settings.tz
    year, mon = parse_month(month, uow.app.clock.today())
    key = f"{year:04d}-{mon:02d}"
    doc = (
        await s.execute(select(CfdiDocument).where(CfdiDocument.month == key, _live(),
                                                   CfdiDocument.kind == CfdiKind.GLOBAL))
    ).scalars().first()  # fmt: skip
    if doc is not None and doc.status is not CfdiStatus.FAILED:
        raise AlreadyExists(_("The global invoice of {month} exists already ({state})").format(
            month=key, state=doc.uuid or doc.status.value))  # fmt: skip
    if doc is not None:  # a failed one: its invoices are chosen again
        await s.execute(delete(CfdiGlobalInvoice).where(CfdiGlobalInvoice.document_id == doc.id))
    start, end = month_range(year, mon, tz)
    paid = (
        select(Invoice)
        .outerjoin(ClientFiscal, ClientFiscal.client_id == Invoice.client_id)
        .where(Invoice.status == InvoiceStatus.PAID, Invoice.paid_at >= start, Invoice.paid_at < end)
        .where(Invoice.total > 0, ClientFiscal.client_id.is_(None))
        .order_by(Invoice.number)
    )
    invoices = list((await s.execute(paid)).unique().scalars())
    chosen = [
        inv for inv in invoices if not await live_document(s, inv.id) and not await in_global(s, inv.id)
    ]
    if not chosen:
        raise NotFound(_("No paid invoices of the public in general in {month}").format(month=key))
    total = sum((inv.total for inv in chosen), Decimal("0.00"))
    if doc is None:
        doc = CfdiDocument(kind=CfdiKind.GLOBAL, month=key, folio=f"{year:04d}{mon:02d}",
                           next_attempt_at=DUE_AT_ONCE, actor=actor.name)  # fmt: skip
        s.add(doc)
    else:
        _requeue(doc, actor.name, uow.app.clock.now())
    doc.total = total
    await s.flush()
    for inv in chosen:
        s.add(CfdiGlobalInvoice(document_id=doc.id, invoice_id=inv.id, amount=inv.total))
    record(s, actor, "cfdi.global", target=key, arguments={"document": doc.id, "invoices": len(chosen),
                                                           "total": total})  # fmt: skip
    return doc.id


async def find_document(session: AsyncSession, ref: str) -> CfdiDocument:
    """A CFDI by its UUID, or the live CFDI of an invoice number."""
    text = (ref or "").strip()
    if _UUID.fullmatch(text):
        doc = (await session.execute(select(CfdiDocument).where(
            func.upper(CfdiDocument.uuid) == text.upper()))).scalars().first()  # fmt: skip
        if doc is None:
            raise NotFound(_("No CFDI with UUID {uuid}").format(uuid=text))
        return doc
    n = parse_number(text)
    invoice = (await session.execute(select(Invoice).where(Invoice.number == n))).scalars().first()
    if invoice is None:
        raise NotFound(_("No invoice number {number}").format(number=n))
    doc = await live_document(session, invoice.id)
    if doc is None:
        raise NotFound(_("Invoice {number} has no CFDI").format(number=n))
    return doc


async def request_cancel(
    uow: UnitOfWork, actor: Actor, ref: str, reason: str, replacement: str | None = None
) -> int:
    """``antena cfdi cancel NUMBER|UUID --reason 01|02|03|04 [--replacement UUID]``."""
    code = (reason or "").strip().zfill(2)
    if code not in REASONS:
        raise InvalidInput(
            _("Unknown cancellation reason {value}: use 01, 02, 03 or 04").format(value=reason)
        )
    doc = await find_document(uow.session, ref)
    new = (replacement or "").strip().upper() or None
    if code == "01":
        if new is None:
            raise InvalidInput(
                _("Reason 01 needs the UUID of the CFDI that replaces this one (--replacement)")
            )
        if not _UUID.fullmatch(new) or new == (doc.uuid or "").upper():
            raise InvalidInput(_("Not the UUID of another CFDI: {value}").format(value=replacement))
        uuidlib.UUID(new)
    elif new is not None:
        raise InvalidInput(_("Only reason 01 takes a replacing UUID"))
    if code == "04" and doc.kind is not CfdiKind.GLOBAL:
        raise InvalidInput(_("Reason 04 is for a global invoice whose sale now gets its own CFDI"))
    if doc.status is CfdiStatus.CANCELLED:
        raise NotAllowed(_("That CFDI is cancelled already"))
    if doc.status is CfdiStatus.CANCELLING:
        raise NotAllowed(_("That CFDI is being cancelled already"))
    if doc.status is not CfdiStatus.STAMPED:
        raise NotAllowed(_("That CFDI is not stamped ({state}): there is nothing to cancel").format(
            state=doc.status.value))  # fmt: skip
    doc.status, doc.cancel_reason, doc.replacement_uuid = CfdiStatus.CANCELLING, code, new
    doc.attempts, doc.next_attempt_at, doc.last_error = 0, DUE_AT_ONCE, None
    record(uow.session, actor, "cfdi.cancel", target=doc.uuid, arguments={"reason": code, "replacement": new})
    return doc.id
