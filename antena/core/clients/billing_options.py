"""A client's billing options: its own calendar, recharge mode, fees and installation date.

None of these reach the router; they change which days the client is invoiced and cut.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from antena.core import validate
from antena.core.audit import Actor, record
from antena.core.clients.lifecycle import load_clients
from antena.core.db.models import Client
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput
from antena.core.i18n import _

CLEAR = "clear"


@dataclass
class BillingOptions:
    """``None`` leaves an option alone; ``own_calendar=CLEAR`` goes back to the zone's calendar."""

    own_calendar: tuple[object, object, object, object] | str | None = None  # issue, notice, pay, cut-off
    recharge: bool | None = None
    reconnection_fee: bool | None = None
    late_fee: bool | None = None
    installed_on: dt.date | None = None


def parse_calendar(text: str) -> tuple[int, int, int, int]:
    """``"26,26,1,8"`` (issue, notice, pay, cut-off) → four validated days."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",")]
    if len(parts) != 4:
        raise InvalidInput(
            _("Give four days: issue,notice,pay,cut-off (like 26,26,1,8), not {value}").format(value=text)
        )
    names = (_("Issue day"), _("Notice day"), _("Pay day"), _("Cut-off day"))
    issue, notice, pay, cutoff = (validate.day_of_month(p, n) for p, n in zip(parts, names, strict=True))
    return issue, notice, pay, cutoff


async def set_billing_options(
    uow: UnitOfWork, actor: Actor, client_id: int, options: BillingOptions
) -> Client:
    (client,) = await load_clients(uow.session, [client_id])
    changes: dict[str, object] = {}
    if options.own_calendar == CLEAR:
        client.own_issue_day = client.own_notice_day = client.own_pay_day = client.own_cutoff_day = None
        changes["own_calendar"] = None
    elif options.own_calendar is not None:
        names = (_("Issue day"), _("Notice day"), _("Pay day"), _("Cut-off day"))
        days = [validate.day_of_month(v, n) for v, n in zip(options.own_calendar, names, strict=True)]
        client.own_issue_day, client.own_notice_day, client.own_pay_day, client.own_cutoff_day = days
        changes["own_calendar"] = days
    for name in ("recharge", "reconnection_fee", "late_fee", "installed_on"):
        value = getattr(options, name)
        if value is not None:
            setattr(client, name, value)
            changes[name] = value
    if not changes:
        raise InvalidInput(_("Nothing to change"))
    if client.recharge and not client.has_own_calendar:
        raise InvalidInput(
            _("Recharge mode needs the client's own calendar: give one with --own-calendar")
        )
    record(uow.session, actor, "client.billing", target=f"{client.id} {client.name}", arguments=changes)
    return client
