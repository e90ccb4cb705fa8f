"""Recharge-type users ("Usuario tipo recarga"): paying moves the client's own calendar to the pay day.

The manual allows the mode only for clients with their own billing ("facturación propia"); a
recharge flag on a zone-billed client changes nothing and the payment's audit entry says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from antena.core.billing.calendar import BillingCalendar, recharge_calendar
from antena.core.db.models import Client


@dataclass(frozen=True)
class RechargeOutcome:
    """What a payment did to a recharge client's calendar: the new days, or why nothing changed."""

    calendar: BillingCalendar | None
    ignored: str | None = None  # a reason for the audit log, in English


def apply_recharge(client: Client, payment_date: dt.date) -> RechargeOutcome | None:
    """Set the client's own days from ``payment_date``; ``None`` when the client is not recharge-type."""
    if not client.recharge:
        return None
    if not client.has_own_calendar:
        return RechargeOutcome(None, "recharge flag ignored: the client has no own billing calendar")
    cal = recharge_calendar(payment_date)
    client.own_issue_day = cal.issue_day
    client.own_notice_day = cal.notice_day
    client.own_pay_day = cal.pay_day
    client.own_cutoff_day = cal.cutoff_day
    return RechargeOutcome(cal)
