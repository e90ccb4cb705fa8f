"""What a client action did on the routers, in words staff understand."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from antena.core.db.models import ClientStatus
from antena.core.i18n import _, ngettext
from antena.core.routeros.ops import Outcome
from antena.core.routeros.outbox import Delivery
from antena.core.routeros.wording import render_all


@dataclass(slots=True)
class ClientAction:
    """One client touched by an action, with what reached (or is waiting for) its router."""

    client_id: int
    client_name: str
    ip: str | None
    router_name: str
    status: ClientStatus
    deliveries: list[Delivery] = field(default_factory=list)
    api_disabled: bool = False
    note: str | None = None
    #: A PPPoE/Hotspot password Antena made up for this service: shown to staff once, here.
    new_password: str | None = None

    @property
    def queued(self) -> bool:
        return any(d.outcome in (Outcome.UNREACHABLE, Outcome.LOGIN_REFUSED) for d in self.deliveries)

    @property
    def refused(self) -> bool:
        return any(d.outcome is Outcome.REFUSED for d in self.deliveries)


@dataclass
class ActionReport:
    actions: list[ClientAction] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (client id, name, reason)
    #: A compact bulk change (a cut-off day): its clients with router tasks are not in ``actions``
    #: but counted here; after delivery the ones that need attention are moved into ``actions``
    #: and the applied ones are counted per router in ``applied``.
    compacted: int = 0
    applied: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        """Clients changed: the ones listed and the ones only counted."""
        return len(self.actions) + self.compacted

    @property
    def queued(self) -> bool:
        return any(a.queued for a in self.actions)

    @property
    def refused(self) -> bool:
        return any(a.refused for a in self.actions)

    @property
    def task_ids(self) -> list[int]:
        return [d.task_id for a in self.actions for d in a.deliveries]


def describe(action: ClientAction) -> str:
    """One line: "applied on RB-Centro (10.0.0.5 → morosos)" or why it is waiting."""
    if action.note and not action.deliveries and not action.api_disabled:
        return action.note
    if action.api_disabled:
        return _("saved, not sent to the router (API disabled on {router})").format(router=action.router_name)
    if not action.deliveries:
        return _("saved")
    refused = [d for d in action.deliveries if d.outcome is Outcome.REFUSED]
    if refused:
        return _("saved; {router} refused it: {error} — see /tareas").format(
            router=action.router_name, error=render_all(refused[0].notes)
        )
    if any(d.outcome is Outcome.LOGIN_REFUSED for d in action.deliveries):
        return _(
            "saved; {router} refused the user name or password, will retry — fix it with "
            "`antena router edit {router} --password …`"
        ).format(router=action.router_name)
    waiting = [d for d in action.deliveries if d.outcome is Outcome.UNREACHABLE]
    if waiting:
        return _("saved; {router} unreachable ({reason}), will retry — see /tareas").format(
            router=action.router_name, reason=render_all(waiting[0].notes)
        )
    # "already applied" says something only when nothing else was done (a delete also unlists)
    done = [[n for n in d.notes if n.code != "already_applied"] for d in action.deliveries]
    if any(done):
        details = "; ".join(render_all(notes) for notes in done if notes)
    else:
        details = render_all(action.deliveries[0].notes[:1])
    if details:
        return _("applied on {router} ({details})").format(router=action.router_name, details=details)
    return _("applied on {router}").format(router=action.router_name)


def summary(report: ActionReport) -> list[str]:
    """One line per client plus the ones that were left alone and why."""
    lines = [f"{a.client_name} (#{a.client_id}): {describe(a)}" for a in report.actions]
    for router, n in sorted(report.applied.items()):
        lines.append(
            ngettext("{n} client applied on {router}", "{n} clients applied on {router}", n).format(
                n=n, router=router
            )
        )
    lines += [password_line(a) for a in report.actions if a.new_password]
    lines += [f"{name} (#{cid}): {reason}" for cid, name, reason in report.skipped]
    return lines


def password_line(action: ClientAction) -> str:
    """The generated password, said once: staff must pass it on to the customer now."""
    return _("{name} (#{id}): new service password {password} (shown only this once)").format(
        name=action.client_name, id=action.client_id, password=action.new_password
    )
