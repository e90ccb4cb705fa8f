"""The day's WhatsApp Cloud messages and their estimated cost, for the daily report.

Meta prices each delivered message by category (utility templates, marketing, authentication;
free text in the customer-service window is "service"); the webhook's pricing tells the category
and whether it was billable. The estimate is ``ANTENA_WHATSAPP_CLOUD_COSTS`` per category.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.config import Settings
from antena.core.db.whatsapp_models import WhatsAppCloudMessage
from antena.core.notify.whatsapp_cloud import parse_costs


async def whatsapp_costs(
    session: AsyncSession, start: dt.datetime, end: dt.datetime, settings: Settings
) -> tuple[int, Decimal]:
    """(messages accepted in [start, end) and not failed, their estimated cost)."""
    costs = parse_costs(settings.whatsapp_cloud_costs)
    count, total = 0, Decimal("0")
    rows = await session.execute(
        select(
            WhatsAppCloudMessage.category, WhatsAppCloudMessage.billable, WhatsAppCloudMessage.status
        ).where(WhatsAppCloudMessage.created_at >= start, WhatsAppCloudMessage.created_at < end)
    )
    for category, billable, status in rows.all():
        if status == "failed":
            continue
        count += 1
        if billable is not False:
            total += costs.get(category, Decimal("0"))
    return count, total.quantize(Decimal("0.01"))
