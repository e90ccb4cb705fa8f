"""The client card's sections in one statement: a ``UNION ALL`` of small index reads, one row
shape for all of them (a section number, an order within it, and typed slots).

The card used to ask ~13 questions, one round trip each; every statement costs more in the driver
and SQLAlchemy (thread hops on SQLite, a network round trip on PostgreSQL) than the index reads
behind it. The slots are cast to one type per column so the union is valid on PostgreSQL and each
value comes back converted (``Money`` → ``Decimal``, ``UTCDateTime`` → aware datetime).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, String, bindparam, cast, func, literal_column, null, select
from sqlalchemy import type_coerce as typed
from sqlalchemy.sql import Select

from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment, PaymentAllocation
from antena.core.db.equipment_models import Equipment
from antena.core.db.fieldwork_models import Contract, Installation, InstallationStatus, Ticket
from antena.core.db.models import StaffUser
from antena.core.db.pay_models import PaymentRef
from antena.core.db.types import Money, UTCDateTime
from antena.core.db.usage_models import UsageDaily

HEADER, EQUIPMENT, PAYMENT, ALLOCATION, REFERENCE, TICKET, VISIT, CONTRACT = range(8)
# The slots every section's rows fill (unused ones are typed NULLs).
SLOTS: dict[str, Any] = {
    "i1": BigInteger(),
    "i2": BigInteger(),
    "i3": BigInteger(),
    "n1": Money(),
    "at": UTCDateTime(),
    "day": Date(),
    "s1": String(),
    "s2": String(),
    "s3": String(),
    "s4": String(),
}


def _row(section: int, order: Any, **values: Any) -> list[Any]:
    """The select list of one section: every slot, in order, typed."""
    columns = [literal_column(str(section), Integer).label("section"), typed(order, Integer).label("ord")]
    for name, kind in SLOTS.items():
        value = values.get(name)
        # Only NULLs are cast: SQLite's CAST of a stored datetime to DATETIME would make it a number.
        columns.append((cast(null(), kind) if value is None else typed(value, kind)).label(name))
    return columns


def _number(order_by: Any) -> Any:
    return func.row_number().over(order_by=order_by)


@lru_cache(maxsize=1)
def card_statement(recent_payments: int, tickets: int) -> Select[Any]:
    """Every section of one client's card; binds ``cid``, ``since`` and ``today`` (usage days)."""
    cid = bindparam("cid", type_=Integer)
    pending = (Invoice.client_id == cid) & (Invoice.status == InvoiceStatus.PENDING)
    usage = (
        (UsageDaily.client_id == cid)
        & (UsageDaily.day >= bindparam("since", type_=Date))
        & (UsageDaily.day <= bindparam("today", type_=Date))
    )
    header = select(
        *_row(
            HEADER,
            literal_column("0"),
            i1=select(func.count()).where(pending).scalar_subquery(),
            n1=select(func.coalesce(func.sum(Invoice.total - Invoice.paid_amount), 0))
            .where(pending)
            .scalar_subquery(),
            i2=select(func.coalesce(func.sum(UsageDaily.bytes_down), 0)).where(usage).scalar_subquery(),
            i3=select(func.coalesce(func.sum(UsageDaily.bytes_up), 0)).where(usage).scalar_subquery(),
        )
    )
    held = select(
        *_row(
            EQUIPMENT,
            _number((Equipment.model, Equipment.serial)),
            i1=Equipment.id,
            s1=Equipment.model,
            s2=Equipment.serial,
            s3=Equipment.mac,
            s4=Equipment.notes,
            n1=Equipment.cost,
            at=Equipment.assigned_at,
        )
    ).where(Equipment.client_id == cid)
    newest = (Payment.received_at.desc(), Payment.id.desc())
    last = (
        select(
            Payment.id,
            Payment.received_at,
            Payment.amount,
            Payment.method,
            Payment.reference,
            StaffUser.name.label("staff_name"),
            Payment.cashier,
        )
        .outerjoin(StaffUser, StaffUser.id == Payment.staff_id)
        .where(Payment.client_id == cid)
        .order_by(*newest)
        .limit(recent_payments)
        .subquery()
    )
    payments = select(
        *_row(
            PAYMENT,
            _number((last.c.received_at.desc(), last.c.id.desc())),
            i1=last.c.id,
            at=last.c.received_at,
            n1=last.c.amount,
            s1=last.c.method,
            s2=last.c.reference,
            s3=last.c.staff_name,
            s4=last.c.cashier,
        )
    )
    last_ids = select(Payment.id).where(Payment.client_id == cid).order_by(*newest).limit(recent_payments)
    allocations = (
        select(
            *_row(
                ALLOCATION,
                _number((Invoice.number, PaymentAllocation.payment_id)),
                i1=PaymentAllocation.payment_id,
                i2=Invoice.number,
            )
        )
        .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
        .where(PaymentAllocation.payment_id.in_(last_ids.scalar_subquery()))
    )
    refs = select(*_row(REFERENCE, literal_column("0"), s1=PaymentRef.kind, s2=PaymentRef.reference)).where(
        PaymentRef.client_id == cid
    )
    latest = (
        select(Ticket.id, Ticket.status, Ticket.subject, Ticket.created_at)
        .where(Ticket.client_id == cid)
        .order_by(Ticket.id.desc())
        .limit(tickets)
        .subquery()
    )
    history = select(
        *_row(
            TICKET,
            _number(latest.c.id.desc()),
            i1=latest.c.id,
            s1=latest.c.status,
            s2=latest.c.subject,
            at=latest.c.created_at,
        )
    )
    next_visit = (
        select(Installation.id, Installation.status, Installation.scheduled_for)
        .where(Installation.client_id == cid, Installation.status == InstallationStatus.SCHEDULED)
        .order_by(Installation.scheduled_for)
        .limit(1)
        .subquery()
    )
    visit = select(
        *_row(
            VISIT,
            literal_column("0"),
            i1=next_visit.c.id,
            s1=next_visit.c.status,
            day=next_visit.c.scheduled_for,
        )
    )
    newest_contract = (
        select(Contract.id, Contract.status)
        .where(Contract.client_id == cid)
        .order_by(Contract.id.desc())
        .limit(1)
    ).subquery()
    contract = select(
        *_row(CONTRACT, literal_column("0"), i1=newest_contract.c.id, s1=newest_contract.c.status)
    )
    union = header.union_all(held, payments, allocations, refs, history, visit, contract).subquery("card")
    return select(*union.c).order_by(union.c.section, union.c.ord)
