"""Payments customers report from the portal: the receipt is checked and kept, cashiers decide.

A report changes no money. A cashier's Confirm registers the payment (``register_payment``, which
also reactivates a suspended client through the router outbox); Reject records the reason.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update

from antena.core import staff
from antena.core.audit import Actor, record
from antena.core.billing.payments import (
    MAX_REFERENCE,
    PaymentResult,
    parse_amount,
    parse_method,
    register_payment,
)
from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice, InvoiceStatus
from antena.core.db.models import Client, Role
from antena.core.db.report_models import PaymentReport, ReportStatus
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _

MAX_RECEIPT = 5 * 1024 * 1024
MAX_REASON = 500
RECEIPTS_DIR = "receipts"
CASHIER_ROLES = (Role.CASHIER, Role.MANAGER, Role.ADMIN)
# (magic bytes at offset 0, MIME type, file extension); WEBP also needs "WEBP" at offset 8.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"%PDF-", "application/pdf", "pdf"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


def report_status_label(status: str) -> str:
    return {
        ReportStatus.PENDING.value: _("waiting for a cashier"),
        ReportStatus.CONFIRMED.value: _("confirmed"),
        ReportStatus.REJECTED.value: _("rejected"),
    }.get(status, status)


def method_label(method: str) -> str:
    return {"transferencia": _("transfer"), "efectivo": _("cash"), "tarjeta": _("card")}.get(method, method)


def sniff_receipt(data: bytes) -> tuple[str, str]:
    """``(mime, extension)`` from the file's first bytes, whatever its name or declared type says."""
    if not data:
        raise InvalidInput(_("Attach the receipt: a photo (JPG, PNG) or a PDF."))
    if len(data) > MAX_RECEIPT:
        raise InvalidInput(_("The receipt is too big: at most 5 MB."))
    for magic, mime, ext in _MAGIC:
        if data.startswith(magic):
            return mime, ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    raise InvalidInput(_("The receipt must be a photo (JPG, PNG, WEBP, GIF) or a PDF."))


@dataclass(frozen=True)
class ReportView:
    """What a cashier sees, and what the bot needs to send the receipt."""

    id: int
    client_id: int
    client_name: str
    amount: Decimal
    method: str
    reference: str | None
    receipt: Path
    receipt_mime: str
    status: str
    customer_chat_id: int | None


def receipt_path(app: App, report: PaymentReport) -> Path:
    return app.settings.data_dir / report.receipt_path


async def create_report(
    app: App,
    client_id: int,
    *,
    amount: str | Decimal,
    method: str | None,
    reference: str | None,
    receipt: bytes,
) -> ReportView:
    """Check and store a customer's report; the receipt is written before the row that names it."""
    value = parse_amount(amount)
    if value is None:
        raise InvalidInput(_("Say how much you paid."))
    pay_method = parse_method(method)
    ref = (reference or "").strip() or None
    if ref is not None and len(ref) > MAX_REFERENCE:
        raise InvalidInput(_("The reference is too long (at most {n} characters)").format(n=MAX_REFERENCE))
    mime, ext = sniff_receipt(receipt)
    folder = app.settings.data_dir / RECEIPTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{client_id}-{app.clock.now():%Y%m%d%H%M%S}-{secrets.token_hex(4)}.{ext}"
    (folder / name).write_bytes(receipt)
    async with app.uow() as uow:
        client = await uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(_("No client with id {id}").format(id=client_id))
        report = PaymentReport(
            client_id=client_id,
            amount=value,
            method=pay_method.value,
            reference=ref,
            receipt_path=f"{RECEIPTS_DIR}/{name}",
            receipt_mime=mime,
            created_at=app.clock.now(),
        )
        uow.session.add(report)
        actor = Actor(name=f"portal:{client_id}", channel="portal")
        await uow.session.flush()
        record(uow.session, actor, "payment_report.create", target=f"{report.id} {client.name}",
               arguments={"amount": str(value), "method": pay_method.value})  # fmt: skip
        await uow.commit()
        return _view(app, report, client)


def _view(app: App, report: PaymentReport, client: Client) -> ReportView:
    return ReportView(
        report.id, client.id, client.name, report.amount, report.method, report.reference,
        receipt_path(app, report), report.receipt_mime, report.status, client.telegram_chat_id,
    )  # fmt: skip


async def get_report(app: App, report_id: int) -> ReportView:
    async with app.uow() as uow:
        report = await uow.session.get(PaymentReport, report_id)
        if report is None:
            raise NotFound(_("No payment report {id}").format(id=report_id))
        client = await uow.session.get(Client, report.client_id)
        assert client is not None
        return _view(app, report, client)


async def cashier_chats(app: App) -> list[int]:
    """Every active staff member who may take payments and hears about reports."""
    return await staff.chats_of(app, CASHIER_ROLES)


async def mark_notified(app: App, report_id: int, chats: int) -> None:
    async with app.uow() as uow:
        await uow.session.execute(
            update(PaymentReport).where(PaymentReport.id == report_id).values(notified=chats)
        )
        await uow.commit()


async def _claim(app: App, actor: Actor, report_id: int, to: ReportStatus) -> None:
    """Move a pending report to ``to`` once: a second cashier's tap finds it already decided."""
    async with app.uow() as uow:
        done = await uow.session.execute(
            update(PaymentReport)
            .where(PaymentReport.id == report_id, PaymentReport.status == ReportStatus.PENDING.value)
            .values(status=to.value, decided_at=app.clock.now(), decided_by=actor.name)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            report = await uow.session.get(PaymentReport, report_id)
            if report is None:
                raise NotFound(_("No payment report {id}").format(id=report_id))
            raise NotAllowed(
                _("Payment report {id} was already decided by {who}.").format(
                    id=report_id, who=report.decided_by or "?"
                )
            )
        await uow.commit()


async def _release(app: App, report_id: int) -> None:
    async with app.uow() as uow:
        await uow.session.execute(
            update(PaymentReport)
            .where(PaymentReport.id == report_id)
            .values(status=ReportStatus.PENDING.value, decided_at=None, decided_by=None)
        )
        await uow.commit()


async def confirm_report(app: App, actor: Actor, report_id: int) -> tuple[ReportView, PaymentResult]:
    """Register the reported amount against the client's pending invoices, oldest first."""
    view = await get_report(app, report_id)
    if view.status != ReportStatus.PENDING.value:
        await _claim(app, actor, report_id, ReportStatus.CONFIRMED)  # raises "already decided by …"
    async with app.uow() as uow:
        numbers = list(
            await uow.session.scalars(
                select(Invoice.number)
                .where(Invoice.client_id == view.client_id, Invoice.status == InvoiceStatus.PENDING)
                .order_by(Invoice.due_date, Invoice.number)
            )
        )
    if not numbers:
        raise InvalidInput(
            _("{name} has no pending invoice to apply this payment to; register it by hand.").format(
                name=view.client_name
            )
        )
    await _claim(app, actor, report_id, ReportStatus.CONFIRMED)
    try:
        result = await register_payment(
            app,
            actor,
            numbers,
            view.amount,
            view.method,
            view.reference or _("portal report #{id}").format(id=report_id),
        )
    except BaseException:
        await _release(app, report_id)
        raise
    async with app.uow() as uow:
        await uow.session.execute(
            update(PaymentReport).where(PaymentReport.id == report_id).values(payment_id=result.payment_id)
        )
        record(uow.session, actor, "payment_report.confirm", target=str(report_id),
               arguments={"payment_id": result.payment_id})  # fmt: skip
        await uow.commit()
    return await get_report(app, report_id), result


async def reject_report(app: App, actor: Actor, report_id: int, reason: str) -> ReportView:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Write the reason for the rejection."))
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("The reason is too long (at most {n} characters)").format(n=MAX_REASON))
    await _claim(app, actor, report_id, ReportStatus.REJECTED)
    async with app.uow() as uow:
        await uow.session.execute(
            update(PaymentReport).where(PaymentReport.id == report_id).values(reason=reason)
        )
        record(
            uow.session, actor, "payment_report.reject", target=str(report_id), arguments={"reason": reason}
        )
        await uow.commit()
    return await get_report(app, report_id)


async def client_reports(app: App, client_id: int, *, limit: int = 10) -> list[PaymentReport]:
    async with app.uow() as uow:
        rows = await uow.session.scalars(
            select(PaymentReport)
            .where(PaymentReport.client_id == client_id)
            .order_by(PaymentReport.id.desc())
            .limit(limit)
        )
        return list(rows)


async def unannounced(app: App, older_than: dt.timedelta = dt.timedelta(seconds=30)) -> list[int]:
    """Pending reports no cashier has received yet (Telegram was down when the customer sent it)."""
    since = app.clock.now() - older_than
    async with app.uow() as uow:
        rows = await uow.session.execute(
            select(PaymentReport.id)
            .where(
                PaymentReport.status == ReportStatus.PENDING.value,
                PaymentReport.notified == 0,
                PaymentReport.created_at <= since,
            )
            .order_by(PaymentReport.id)
            .limit(50)
        )
        return list(rows.scalars())
