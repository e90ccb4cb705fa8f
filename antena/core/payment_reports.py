"""Payments customers report from the portal: the receipt is checked and kept, cashiers decide.

A report changes no money. Storing it queues one staff message per cashier chat (message outbox,
so Telegram being down delays it, never loses it). A cashier's Confirm registers the payment
(``register_payment``, which also reactivates a suspended client) in the same transaction as the
decision; Reject records the reason and tells the customer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update

from antena.core import staff, words
from antena.core.audit import Actor, record
from antena.core.billing.payments import (
    MAX_REFERENCE,
    PaymentResult,
    parse_amount,
    parse_method,
    register_payment,
)
from antena.core.bootstrap import App
from antena.core.buttons import signed_payload
from antena.core.db.billing_models import Invoice, InvoiceStatus
from antena.core.db.message_models import Message
from antena.core.db.models import Client, Role
from antena.core.db.report_models import PaymentReport, ReportStatus
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _, language
from antena.core.notify import events as notify_events
from antena.core.notify import staff as notify_staff
from antena.core.notify.channel_types import StaffNote

MAX_RECEIPT = 5 * 1024 * 1024
MAX_REASON = 500
RECEIPTS_DIR = "receipts"
CASHIER_ROLES = (Role.CASHIER, Role.MANAGER, Role.ADMIN)
STAFF_EVENT = "staff.payment_report"
REPORT_PREFIX = "rp"  # the bot's ReportCb (antena.bot.handlers.reports): report_id, ok
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
    return words.method_label(method)


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
    uow: UnitOfWork,
    client_id: int,
    *,
    amount: str | Decimal,
    method: str | None,
    reference: str | None,
    receipt: bytes,
) -> ReportView:
    """Check and store a customer's report and queue it for the cashiers, in one transaction.

    The receipt file is written before the row that names it (a file without a row is harmless;
    a row without its file would not be)."""
    app = uow.app
    value = parse_amount(amount)
    if value is None:
        raise InvalidInput(_("Say how much you paid."))
    pay_method = parse_method(method)
    ref = (reference or "").strip() or None
    if ref is not None and len(ref) > MAX_REFERENCE:
        raise InvalidInput(_("The reference is too long (at most {n} characters)").format(n=MAX_REFERENCE))
    mime, ext = sniff_receipt(receipt)
    client = await uow.session.get(Client, client_id)
    if client is None:
        raise NotFound(_("No client with id {id}").format(id=client_id))
    folder = app.settings.data_dir / RECEIPTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{client_id}-{app.clock.now():%Y%m%d%H%M%S}-{secrets.token_hex(4)}.{ext}"
    (folder / name).write_bytes(receipt)
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
    chats = await staff.chats_in(uow, CASHIER_ROLES)
    report.notified = await notify_staff.queue(
        uow.session, chats, STAFF_EVENT, {"report_id": report.id}, f"payment_report:{report.id}",
        language=app.settings.locale,
    )  # fmt: skip
    return _view(app, report, client)


def _view(app: App, report: PaymentReport, client: Client) -> ReportView:
    return ReportView(
        report.id, client.id, client.name, report.amount, report.method, report.reference,
        receipt_path(app, report), report.receipt_mime, report.status, client.telegram_chat_id,
    )  # fmt: skip


async def _load(uow: UnitOfWork, report_id: int) -> tuple[PaymentReport, Client]:
    report = await uow.session.get(PaymentReport, report_id, populate_existing=True)
    if report is None:
        raise NotFound(_("No payment report {id}").format(id=report_id))
    client = await uow.session.get(Client, report.client_id)
    assert client is not None
    return report, client


async def get_report(app: App, report_id: int) -> ReportView:
    async with app.reader() as uow:
        report, client = await _load(uow, report_id)
        return _view(app, report, client)


async def _decide(uow: UnitOfWork, actor: Actor, report_id: int, to: ReportStatus) -> None:
    """Move a pending report to ``to`` once (a conditional UPDATE): a second cashier's tap, in
    chat or on another device, finds it already decided and is refused."""
    done = await uow.session.execute(
        update(PaymentReport)
        .where(PaymentReport.id == report_id, PaymentReport.status == ReportStatus.PENDING.value)
        .values(status=to.value, decided_at=uow.app.clock.now(), decided_by=actor.name)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        report, _client = await _load(uow, report_id)
        raise NotAllowed(
            _("Payment report {id} was already decided by {who}.").format(
                id=report_id, who=report.decided_by or "?"
            )
        )


async def confirm_report(uow: UnitOfWork, actor: Actor, report_id: int) -> tuple[ReportView, PaymentResult]:
    """Register the reported amount against the client's pending invoices, oldest first: the
    decision, the payment, the reactivation and the messages are one transaction."""
    app = uow.app
    await _decide(uow, actor, report_id, ReportStatus.CONFIRMED)
    report, client = await _load(uow, report_id)
    numbers = list(
        await uow.session.scalars(
            select(Invoice.number)
            .where(Invoice.client_id == client.id, Invoice.status == InvoiceStatus.PENDING)
            .order_by(Invoice.due_date, Invoice.number)
        )
    )
    if not numbers:
        raise InvalidInput(
            _("{name} has no pending invoice to apply this payment to; register it by hand.").format(
                name=client.name
            )
        )
    result = await register_payment(
        uow,
        actor,
        numbers,
        report.amount,
        report.method,
        report.reference or _("portal report #{id}").format(id=report_id),
    )
    report.payment_id = result.payment_id
    record(uow.session, actor, "payment_report.confirm", target=str(report_id),
           arguments={"payment_id": result.payment_id})  # fmt: skip
    return _view(app, report, client), result


async def reject_report(uow: UnitOfWork, actor: Actor, report_id: int, reason: str) -> ReportView:
    """Record the cashier's reason and tell the customer why (by their cheapest channel)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Write the reason for the rejection."))
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("The reason is too long (at most {n} characters)").format(n=MAX_REASON))
    await _decide(uow, actor, report_id, ReportStatus.REJECTED)
    report, client = await _load(uow, report_id)
    report.reason = reason
    record(uow.session, actor, "payment_report.reject", target=str(report_id), arguments={"reason": reason})
    await notify_events.report_rejected(uow.session, uow.app, client, report.id, reason)
    return _view(uow.app, report, client)


async def staff_note(app: App, msg: Message) -> StaffNote | None:
    """The worker's rendering of a report for one cashier chat: the receipt, what the customer
    says, Confirm / Reject. Nothing once someone decided it (the buttons would only refuse)."""
    from antena.core.billing.display import money

    async with app.reader() as uow:
        report, client = await _load(uow, int(msg.context["report_id"]))
    if report.status != ReportStatus.PENDING.value:
        return None
    with language(msg.language):
        lines = [
            _("Payment report #{id} from the portal").format(id=report.id),
            f"#{client.id} {client.name}",
            _("Amount: {amount}").format(
                amount=money(report.amount, app.settings.currency, region=app.settings.default_region)
            ),
            _("Method: {method}").format(method=method_label(report.method)),
        ]
        if report.reference:
            lines.append(_("Reference: {ref}").format(ref=report.reference))
        key = app.settings.signing_key()
        buttons = [[
            (_("Confirm"), signed_payload(key, REPORT_PREFIX, {"report_id": report.id, "ok": True})),
            (_("Reject"), signed_payload(key, REPORT_PREFIX, {"report_id": report.id, "ok": False})),
        ]]  # fmt: skip
    path = receipt_path(app, report)
    return StaffNote("\n".join(lines)[:1000], (path.name, path.read_bytes()), buttons)


async def client_reports(app: App, client_id: int, *, limit: int = 10) -> list[PaymentReport]:
    async with app.reader() as uow:
        rows = await uow.session.scalars(
            select(PaymentReport)
            .where(PaymentReport.client_id == client_id)
            .order_by(PaymentReport.id.desc())
            .limit(limit)
        )
        return list(rows)
