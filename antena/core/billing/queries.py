"""Finding invoices: by number (what staff and customers quote) and as listings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceStatus
from antena.core.db.models import Client
from antena.core.errors import InvalidInput, NotFound
from antena.core.i18n import N_, _
from antena.core.text import fold

STATUS_ALIASES = {
    "pending": InvoiceStatus.PENDING,
    "pendiente": InvoiceStatus.PENDING,
    "paid": InvoiceStatus.PAID,
    "pagada": InvoiceStatus.PAID,
    "pagado": InvoiceStatus.PAID,
    "cancelled": InvoiceStatus.CANCELLED,
    "canceled": InvoiceStatus.CANCELLED,
    "cancelada": InvoiceStatus.CANCELLED,
    "cancelado": InvoiceStatus.CANCELLED,
}
STATUS_LABELS = {
    InvoiceStatus.PENDING: N_("pending"),
    InvoiceStatus.PAID: N_("paid"),
    InvoiceStatus.CANCELLED: N_("cancelled"),
}
KIND_LABELS = {InvoiceKind.INTERNET: N_("Internet service"), InvoiceKind.OTHER: N_("Other income")}


def status_label(status: InvoiceStatus) -> str:
    return _(STATUS_LABELS[status])


def kind_label(kind: InvoiceKind) -> str:
    return _(KIND_LABELS[kind])


def parse_status(text: str | None) -> InvoiceStatus | None:
    """``pending|paid|cancelled`` (or the Spanish words); empty means any."""
    key = fold(text or "")
    if not key:
        return None
    try:
        return STATUS_ALIASES[key]
    except KeyError as exc:
        raise InvalidInput(
            _("Unknown invoice status {value}: use pending, paid or cancelled").format(value=text)
        ) from exc


def parse_number(text: str | int) -> int:
    """An invoice number as typed: ``123`` or ``#123``."""
    raw = str(text).strip().removeprefix("#").strip()
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise InvalidInput(_("Invalid invoice number: {value}").format(value=text))
    return int(raw)


async def get_invoice(session: AsyncSession, number: int | str) -> Invoice:
    """The invoice with its lines and client, or ``NotFound`` ("No invoice number 999")."""
    wanted = parse_number(number)
    invoice = (await session.execute(select(Invoice).where(Invoice.number == wanted))).scalar_one_or_none()
    if invoice is None:
        raise NotFound(_("No invoice number {number}").format(number=wanted))
    return invoice


async def load_invoice(app: App, number: int | str) -> Invoice:
    """Read-only: the invoice for showing (card, PDF), detached from its finished session."""
    async with app.reader() as uow:
        return await get_invoice(uow.session, number)


@dataclass(frozen=True)
class InvoiceRow:
    """One line of ``antena invoices list`` (and its CSV)."""

    number: int
    client_id: int
    client: str
    kind: InvoiceKind
    issue_date: dt.date
    due_date: dt.date
    total: Decimal
    paid: Decimal
    status: InvoiceStatus

    @property
    def balance_due(self) -> Decimal:
        return max(self.total - self.paid, Decimal("0.00"))


async def list_invoices(
    app: App, *, client_id: int | None = None, status: InvoiceStatus | None = None
) -> list[InvoiceRow]:
    """Invoices by number, optionally of one client and in one status."""
    stmt = (
        select(
            Invoice.number, Invoice.client_id, Client.name, Invoice.kind, Invoice.issue_date,
            Invoice.due_date, Invoice.total, Invoice.paid_amount, Invoice.status,
        )
        .join(Client, Client.id == Invoice.client_id)
        .order_by(Invoice.number)
    )  # fmt: skip
    if client_id is not None:
        stmt = stmt.where(Invoice.client_id == client_id)
    if status is not None:
        stmt = stmt.where(Invoice.status == status)
    async with app.reader() as uow:
        rows = await uow.session.execute(stmt)
        return [InvoiceRow(*row) for row in rows]
