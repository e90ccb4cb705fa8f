"""What invoices, payments, promises and the cut-off share: a client's calendar and invoice numbers."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.billing.calendar import BillingCalendar
from antena.core.db.billing_models import Counter
from antena.core.db.models import Client, Zone

INVOICE_COUNTER = "invoice_number"


def client_calendar(client: Client, zone: Zone | None = None) -> BillingCalendar:
    """The client's own calendar when it has one ("facturación propia"), else its zone's.

    Because nothing is copied, moving a client to another zone moves its dates automatically.
    """
    if client.has_own_calendar:
        return BillingCalendar(
            client.own_issue_day,  # type: ignore[arg-type]
            client.own_notice_day,  # type: ignore[arg-type]
            client.own_pay_day,  # type: ignore[arg-type]
            client.own_cutoff_day,  # type: ignore[arg-type]
        )
    z = zone or client.zone
    return BillingCalendar(z.issue_day, z.notice_day, z.pay_day, z.cutoff_day)


async def take_invoice_numbers(session: AsyncSession, count: int = 1) -> list[int]:
    """Reserve ``count`` consecutive invoice numbers in the caller's transaction.

    The counter row is updated (and so locked) until that transaction ends: numbers are
    sequential across concurrent writers and never handed out twice, even after a rollback.
    """
    if count < 1:
        return []
    result = await session.execute(
        update(Counter)
        .where(Counter.name == INVOICE_COUNTER)
        .values(value=Counter.value + count)
        .returning(Counter.value)
        .execution_options(synchronize_session=False)
    )
    last = result.scalar_one_or_none()
    if last is None:
        session.add(Counter(name=INVOICE_COUNTER, value=count))
        await session.flush()
        last = count
    return list(range(last - count + 1, last + 1))


async def last_invoice_number(session: AsyncSession) -> int:
    value = (await session.execute(select(Counter.value).where(Counter.name == INVOICE_COUNTER))).scalar()
    return int(value or 0)
