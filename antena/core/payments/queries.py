"""Reading online payment events for people: the cashiers' chat, ``antena online-payments list`` and
the portal's payment page (what it polls while the customer waits for the webhook); and which
decisions a review offers (the cashiers' buttons, the CLI's ``decide``)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment
from antena.core.db.models import Client
from antena.core.db.pay_models import EventStatus, OnlineEvent, ReviewReason
from antena.core.errors import NotFound
from antena.core.i18n import N_, _

METHOD_LABELS = {
    "oxxo": N_("OXXO"),
    "spei": N_("SPEI"),
    "mercadopago": N_("Mercado Pago"),
    "efectivo": N_("cash"),
    "transferencia": N_("transfer"),
    "tarjeta": N_("card"),
}
REASON_LABELS = {
    ReviewReason.UNKNOWN_REFERENCE.value: N_("unknown reference: no client has it"),
    ReviewReason.AMOUNT_MISMATCH.value: N_("the amount does not pay the client's oldest invoices exactly"),
    ReviewReason.BAD_AMOUNT.value: N_("the amount cannot be used"),
    ReviewReason.REFUND.value: N_("refund"),
    ReviewReason.CHARGEBACK.value: N_("chargeback"),
    ReviewReason.APPLY_FAILED.value: N_("the payment could not be registered"),
}
STATUS_LABELS = {
    EventStatus.RECEIVED.value: N_("received"),
    EventStatus.APPLYING.value: N_("being applied"),
    EventStatus.APPLIED.value: N_("applied"),
    EventStatus.REVIEW.value: N_("waiting for a cashier"),
    EventStatus.IGNORED.value: N_("ignored"),
    EventStatus.DUPLICATE.value: N_("repeated"),
    EventStatus.STALE.value: N_("out of order"),
    EventStatus.REVERSED.value: N_("payment reversed"),
}
PROBLEM_LABELS = {
    "not_cents": N_("the amount {value} is not a whole number of cents"),
    "not_number": N_("the amount {value} is not a number"),
    "exponent": N_("the amount {value} is written with an exponent"),
    "not_positive": N_("the amount {value} is not a positive amount"),
    "decimals": N_("the amount {value} has more than two decimals"),
    "too_big": N_("the amount {value} is more than the largest payment allowed"),  # ANTENA_MAX_PAYMENT
}
APPLICABLE = {
    ReviewReason.UNKNOWN_REFERENCE.value,
    ReviewReason.AMOUNT_MISMATCH.value,
    ReviewReason.APPLY_FAILED.value,
}
REVERSIBLE = {ReviewReason.REFUND.value, ReviewReason.CHARGEBACK.value}


class Action(enum.StrEnum):
    """A cashier's decision on an online payment waiting for one."""

    APPLY = "apply"
    IGNORE = "ignore"
    REVERSE = "reverse"


def method_label(method: str | None) -> str:
    return _(METHOD_LABELS[method]) if method in METHOD_LABELS else (method or "?")


def reason_label(reason: str | None) -> str:
    return _(REASON_LABELS[reason]) if reason in REASON_LABELS else (reason or "")


def problem_label(detail: dict[str, Any]) -> str:
    """Why an amount could not be used, with the amount as the provider wrote it ("" if none)."""
    problem = detail.get("problem")
    if problem not in PROBLEM_LABELS:
        return ""
    return _(PROBLEM_LABELS[problem]).format(value=detail.get("value", "?"))


def status_label(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


@dataclass(frozen=True)
class EventView:
    """One event as cashiers see it."""

    id: int
    provider: str
    event_type: str
    status: str
    reason: str | None
    kind: str | None
    method: str | None
    amount: Decimal | None
    reference: str | None
    payment_id: str | None
    client_id: int | None
    client_name: str | None
    local_payment_id: int | None
    detail: dict[str, Any]
    received_at: dt.datetime
    decided_by: str | None
    notified: int

    @property
    def applied_before(self) -> bool:
        """A refund or chargeback of a payment we had registered (it can be reversed)."""
        return bool(self.detail.get("applied")) and self.local_payment_id is not None


def _view(row: OnlineEvent, client_name: str | None) -> EventView:
    return EventView(
        row.id,
        row.provider,
        row.event_type,
        row.status,
        row.reason,
        row.kind,
        row.method,
        row.amount,
        row.reference,
        row.payment_id,
        row.client_id,
        client_name,
        row.local_payment_id,
        dict(row.detail or {}),
        row.received_at,
        row.decided_by,
        row.notified,
    )


def actions_for(view: EventView) -> list[Action]:
    """The decisions a review offers (its buttons)."""
    if view.status != EventStatus.REVIEW.value:
        return []
    if view.reason in APPLICABLE and view.amount is not None:
        return [Action.APPLY, Action.IGNORE]
    if view.reason in REVERSIBLE and view.applied_before:
        return [Action.REVERSE, Action.IGNORE]
    return [Action.IGNORE]


async def views_in(session: AsyncSession, where: list[Any], limit: int) -> list[EventView]:
    """Events as people see them, newest first, read in the caller's session."""
    rows = await session.execute(
        select(OnlineEvent, Client.name)
        .outerjoin(Client, Client.id == OnlineEvent.client_id)
        .where(*where)
        .order_by(OnlineEvent.id.desc())
        .limit(limit)
    )
    return [_view(row, name) for row, name in rows.all()]


async def event_view(session: AsyncSession, row_id: int) -> EventView:
    """One event as it stands in the caller's unit of work (its own changes included)."""
    found = await views_in(session, [OnlineEvent.id == row_id], 1)
    if not found:
        raise NotFound(_("No online payment event {id}").format(id=row_id))
    return found[0]


async def _views(app: App, where: list[Any], limit: int) -> list[EventView]:
    async with app.reader() as uow:
        return await views_in(uow.session, where, limit)


async def get_event(app: App, row_id: int) -> EventView:
    async with app.reader() as uow:
        return await event_view(uow.session, row_id)


async def list_events(app: App, *, everything: bool = False, limit: int = 50) -> list[EventView]:
    """Events waiting for a cashier (``everything``: the latest of any status), newest first."""
    where = [] if everything else [OnlineEvent.status == EventStatus.REVIEW.value]
    return await _views(app, where, limit)


@dataclass(frozen=True)
class PayState:
    """What the portal's payment page shows and polls: it reloads when ``stamp`` changes."""

    due: Decimal
    pending: int
    last_payment: int | None
    last_online: int | None
    link_version: int | None = None  # None: no such client

    @property
    def stamp(self) -> str:
        return f"{self.due}:{self.pending}:{self.last_payment or 0}:{self.last_online or 0}"


async def pay_state(app: App, client_id: int) -> PayState:
    async with app.reader() as uow:
        s = uow.session
        due, count = (
            await s.execute(
                select(func.coalesce(func.sum(Invoice.total - Invoice.paid_amount), 0), func.count()).where(
                    Invoice.client_id == client_id, Invoice.status == InvoiceStatus.PENDING
                )
            )
        ).one()
        last = await s.scalar(select(func.max(Payment.id)).where(Payment.client_id == client_id))
        online = await s.scalar(select(func.max(OnlineEvent.id)).where(OnlineEvent.client_id == client_id))
        version = await s.scalar(select(Client.link_version).where(Client.id == client_id))
    return PayState(Decimal(str(due)).quantize(Decimal("0.01")), int(count), last, online, version)


async def recent_online(app: App, client_id: int, since: dt.datetime) -> list[EventView]:
    """The client's online payments seen since ``since`` (the page's "payment received")."""
    where = [OnlineEvent.client_id == client_id, OnlineEvent.received_at >= since, OnlineEvent.kind == "paid"]
    return await _views(app, where, 5)
