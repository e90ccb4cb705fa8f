"""The worker's part of CFDI: seal and stamp what is queued, send cancellations, e-mail the results.

A pass claims due ``cfdi_documents`` rows (a lease; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and
reads everything the XML needs in that short transaction, then seals and calls the PAC outside any
transaction, then records the outcome in another. The sealed XML is stored before it is sent, so
a crash after the PAC stamped it resends the same document and the PAC returns the same stamp
instead of a second one. A PAC that does not answer is retried with back-off; one that refuses
marks the document failed with its words (fix the data, then ``antena cfdi stamp`` again).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from antena.core.bootstrap import App
from antena.core.cfdi import pac
from antena.core.cfdi.build import PUBLIC, Draft, Line, payment_form, signed_xml
from antena.core.cfdi.fiscal import as_data
from antena.core.cfdi.issuer import CfdiError, PacUnavailable, issuer, load_signer
from antena.core.db.billing_models import Invoice, Payment, PaymentAllocation
from antena.core.db.cfdi_models import CfdiDocument, CfdiGlobalInvoice, CfdiKind, CfdiStatus, ClientFiscal
from antena.core.db.models import Client
from antena.core.i18n import _

LOG = logging.getLogger("antena.cfdi")
LEASE = dt.timedelta(minutes=10)
RESEAL_AFTER = dt.timedelta(hours=48)  # a PAC refuses a CFDI dated more than 72 h ago
CANCEL_ACCEPTED = {"201", "202"}  # request received / cancelled before
PAC_TIMEOUT = 60.0


@dataclass
class Claimed:
    id: int
    kind: CfdiKind
    status: CfdiStatus
    attempts: int
    draft: Draft | None = None
    sealed: bytes | None = None
    sealed_at: dt.datetime | None = None
    uuid: str | None = None
    reason: str | None = None
    replacement: str | None = None
    problem: str | None = None  # found while reading: the job cannot be done as it stands


@dataclass
class Outcome:
    id: int
    status: CfdiStatus | None  # the new status; None: unchanged (retry later)
    uuid: str | None = None
    xml: bytes | None = None
    error: str | None = None


async def _by_method(session: Any, invoice_ids: Sequence[int], total: Decimal) -> dict[str, Decimal]:
    rows = await session.execute(
        select(Payment.method, func.sum(PaymentAllocation.amount))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.invoice_id.in_(invoice_ids))
        .group_by(Payment.method)
    )
    amounts = {str(getattr(m, "value", m)): Decimal(a) for m, a in rows.all()}
    credit = total - sum(amounts.values(), Decimal("0.00"))
    if credit > 0:
        amounts["credito"] = credit
    return amounts


async def _draft(session: Any, app: App, doc: CfdiDocument) -> Draft:
    series = app.settings.cfdi_series.strip()
    if doc.kind is CfdiKind.GLOBAL:
        rows = (
            await session.execute(
                select(Invoice.id, Invoice.number, CfdiGlobalInvoice.amount)
                .join(CfdiGlobalInvoice, CfdiGlobalInvoice.invoice_id == Invoice.id)
                .where(CfdiGlobalInvoice.document_id == doc.id)
                .order_by(Invoice.number)
            )
        ).all()
        lines = tuple(Line("Venta", amount, str(number)) for _id, number, amount in rows)
        total = sum((line.amount for line in lines), Decimal("0.00"))
        form = payment_form(await _by_method(session, [r[0] for r in rows], total))
        year, month = (int(p) for p in (doc.month or "").split("-"))
        return Draft(series, doc.folio, PUBLIC, lines, form, (year, month))
    invoice = await session.get(Invoice, doc.invoice_id) if doc.invoice_id else None
    if invoice is None:
        raise CfdiError(_("its invoice no longer exists"))
    fiscal = await session.get(ClientFiscal, invoice.client_id)
    if fiscal is None:
        raise CfdiError(_("the client has no fiscal data any more"))
    positive = [ln for ln in invoice.lines if ln.amount > 0]
    if (
        positive
        and len(positive) == len(invoice.lines)
        and sum(ln.amount for ln in positive) == invoice.total
    ):
        lines = tuple(Line(ln.text, ln.amount) for ln in positive)
    else:  # credits or corrections on the invoice: one concept for what was paid
        lines = (Line(_("Internet service, invoice {number}").format(number=invoice.number), invoice.total),)
    form = payment_form(await _by_method(session, [invoice.id], invoice.total))
    return Draft(series, doc.folio or str(invoice.number), as_data(fiscal), lines, form)


async def _claim(app: App, ids: Sequence[int] | None, limit: int) -> list[Claimed]:
    now = app.clock.now()
    async with app.uow() as uow:
        s = uow.session
        query = (
            select(CfdiDocument)
            .where(
                CfdiDocument.status.in_((CfdiStatus.QUEUED, CfdiStatus.CANCELLING)),
                CfdiDocument.next_attempt_at <= now,
                or_(CfdiDocument.lease_until.is_(None), CfdiDocument.lease_until < now),
            )
            .order_by(CfdiDocument.next_attempt_at, CfdiDocument.id)
            .limit(limit)
        )
        if ids is not None:
            query = query.where(CfdiDocument.id.in_(list(ids)))
        if app.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        for doc in (await s.execute(query)).scalars().all():
            doc.lease_until = now + LEASE
            job = Claimed(doc.id, doc.kind, doc.status, doc.attempts, uuid=doc.uuid,
                          reason=doc.cancel_reason, replacement=doc.replacement_uuid)  # fmt: skip
            if doc.status is CfdiStatus.QUEUED:
                if doc.xml:
                    job.sealed, job.sealed_at = doc.xml.encode(), doc.updated_at
                try:
                    job.draft = await _draft(s, app, doc)
                except CfdiError as exc:
                    job.problem = str(exc)
            claimed.append(job)
        await uow.commit()
    return claimed


async def _store_sealed(app: App, doc_id: int, xml: bytes) -> None:
    async with app.uow() as uow:
        doc = await uow.session.get(CfdiDocument, doc_id)
        if doc is not None:
            doc.xml, doc.updated_at = xml.decode(), app.clock.now()
            await uow.commit()


async def _stamp(app: App, job: Claimed) -> Outcome:
    settings, now = app.settings, app.clock.now()
    if job.problem or job.draft is None:
        return Outcome(job.id, CfdiStatus.FAILED, error=job.problem)
    try:
        me = issuer(settings)
        xml = job.sealed
        if xml is None or job.sealed_at is None or now - job.sealed_at > RESEAL_AFTER:
            signer = load_signer(settings, now)
            local = now.astimezone(settings.tz)
            xml = await asyncio.to_thread(signed_xml, me, signer, job.draft, local)
            await _store_sealed(app, job.id, xml)
        stamped = await _in_thread(pac.stamp, settings, xml)
    except PacUnavailable as exc:
        return Outcome(job.id, None, error=str(exc))
    except CfdiError as exc:
        return Outcome(job.id, CfdiStatus.FAILED, error=str(exc))
    return Outcome(job.id, CfdiStatus.STAMPED, uuid=stamped.uuid, xml=stamped.xml)


async def _in_thread(call: Any, *args: Any) -> Any:
    """A blocking PAC call (satcfdi uses ``requests`` without a timeout), bounded: a PAC that hangs
    counts as not answering. If it did stamp after all, the retry resends the same sealed XML."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(call, *args), timeout=PAC_TIMEOUT)
    except TimeoutError:
        raise PacUnavailable(
            _("the PAC did not answer within {n} seconds").format(n=int(PAC_TIMEOUT))
        ) from None


async def _cancel(app: App, job: Claimed) -> Outcome:
    settings = app.settings
    try:
        me = issuer(settings)
        signer = load_signer(settings, app.clock.now())
        assert job.uuid and job.reason
        code = await asyncio.to_thread(
            pac.cancel, settings, signer, me.rfc, job.uuid, job.reason, job.replacement
        )
    except PacUnavailable as exc:
        return Outcome(job.id, None, error=str(exc))
    except CfdiError as exc:
        return Outcome(job.id, CfdiStatus.STAMPED, error=_("cancellation refused: {msg}").format(msg=exc))
    if code not in CANCEL_ACCEPTED:
        message = _("cancellation refused: the PAC answered code {code}")
        return Outcome(job.id, CfdiStatus.STAMPED, error=message.format(code=code))
    return Outcome(job.id, CfdiStatus.CANCELLED)


async def _taken(session: Any, doc: CfdiDocument, uuid: str | None) -> bool:
    found = await session.execute(
        select(CfdiDocument.id).where(CfdiDocument.uuid == uuid, CfdiDocument.id != doc.id)
    )
    return found.first() is not None


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 30 * 2 ** max(attempts - 1, 0)))


async def _record(app: App, out: Outcome) -> None:
    now, settings = app.clock.now(), app.settings
    async with app.uow() as uow:
        doc = await uow.session.get(CfdiDocument, out.id)
        if doc is None:
            return
        doc.attempts, doc.lease_until, doc.updated_at = doc.attempts + 1, None, now
        doc.last_error = out.error[:500] if out.error else None
        if out.status is None and doc.attempts < settings.cfdi_max_attempts:
            doc.next_attempt_at = now + backoff(doc.attempts)
        elif out.status is None:  # out of retries
            doc.last_error = _("gave up after {n} attempts: {msg}").format(n=doc.attempts, msg=out.error)[
                :500
            ]
            doc.status = CfdiStatus.FAILED if doc.status is CfdiStatus.QUEUED else CfdiStatus.STAMPED
        elif (
            out.status is CfdiStatus.STAMPED
            and out.xml is not None
            and await _taken(uow.session, doc, out.uuid)
        ):
            # The PAC recognised an identical document (same seal: sealed in the same second as an
            # earlier, since cancelled, CFDI of this invoice) and returned its stamp: seal anew.
            doc.xml, doc.next_attempt_at = None, now + dt.timedelta(seconds=1)
            doc.last_error = _("the PAC returned the stamp of an earlier identical CFDI; sealing again")
        elif out.status is CfdiStatus.STAMPED and out.xml is not None:
            doc.status, doc.uuid, doc.xml, doc.stamped_at = out.status, out.uuid, out.xml.decode(), now
            client = await uow.session.get(Client, doc.client_id) if doc.client_id else None
            if client is not None and client.email and settings.smtp_host:
                doc.email_status = "pending"
        elif out.status is CfdiStatus.CANCELLED:
            doc.status, doc.cancelled_at = out.status, now
        elif out.status is CfdiStatus.STAMPED:  # a refused cancellation: the CFDI stands
            doc.status, doc.cancel_reason, doc.replacement_uuid = out.status, None, None
        else:
            doc.status = out.status
        await uow.commit()


async def run_due(app: App, ids: Sequence[int] | None = None, *, limit: int = 20) -> list[Outcome]:
    """One pass (the worker every few seconds; ``run_now`` right after a request's commit)."""
    outcomes = []
    for job in await _claim(app, ids, limit):
        try:
            out = await (_stamp(app, job) if job.status is CfdiStatus.QUEUED else _cancel(app, job))
        except Exception as exc:  # a bug must not leave the lease behind unexplained
            LOG.exception("CFDI job %s", job.id)
            out = Outcome(job.id, None, error=f"internal error: {exc}")
        await _record(app, out)
        LOG.info("CFDI %s: %s %s %s", job.id, out.status or "retry", out.uuid or "", out.error or "")
        outcomes.append(out)
    from antena.core.cfdi.documents import email_due

    await email_due(app)
    return outcomes


async def run_now(app: App, ids: Sequence[int]) -> None:
    """After-commit hook of ``cfdi stamp``/``cancel``/``global``: try at once instead of waiting."""
    await run_due(app, ids)


async def worker_pass(app: App) -> None:
    """What ``antena run``'s worker calls every few seconds."""
    await run_due(app)
