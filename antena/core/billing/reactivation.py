"""Reconnecting a client after a payment or a promise, always through the client lifecycle.

It runs inside the payment's (or promise's) own unit of work: the status change, its router
tasks and the customer's message commit with the money or not at all. The router is tried after
that commit, so the answer can say "applied on RB-Centro" or "queued" while the money is already
safe whatever the router does.
"""

from __future__ import annotations

from dataclasses import dataclass

from antena.core.audit import Actor
from antena.core.clients import lifecycle
from antena.core.clients.outcome import ActionReport, describe
from antena.core.db.models import ClientStatus
from antena.core.db.uow import UnitOfWork
from antena.core.errors import CoreError
from antena.core.i18n import _


@dataclass(frozen=True)
class Reactivation:
    """The lifecycle's report, or the reason it refused (the client was cancelled meanwhile …)."""

    report: ActionReport | None
    error: str | None = None

    @property
    def queued(self) -> bool:
        return self.report is not None and self.report.queued

    @property
    def refused(self) -> bool:
        return self.report is not None and self.report.refused


async def reactivate_in(
    uow: UnitOfWork, actor: Actor, client_id: int, *, reason: str, key: str | None = None
) -> Reactivation:
    """Activate one suspended client in the caller's transaction; a refusal is reported, never
    raised (the payment stands). The lifecycle refuses before it writes anything."""
    try:
        report = await lifecycle.change_access(
            uow, actor, [client_id], target=ClientStatus.ACTIVE, reason=reason, key=key
        )
    except CoreError as exc:
        return Reactivation(None, str(exc))
    return Reactivation(report)


def reactivation_text(r: Reactivation) -> str:
    """ "service reactivated: applied on RB-Centro (…)", "… queued — …", or why it was not."""
    if r.report is None or not r.report.actions:
        return _("service not reactivated: {reason}").format(reason=r.error or "-")
    how = "; ".join(describe(a) for a in r.report.actions)
    if r.queued:
        return _("service reactivated: queued — {how}").format(how=how)
    return _("service reactivated: {how}").format(how=how)
