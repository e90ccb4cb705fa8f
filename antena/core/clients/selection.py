"""Selections of clients by zone, router, plan, status and debt: the one query behind
``antena clients list``, the bulk suspend/activate/cancel previews and the chat's ``/lista``.

A selection is resolved first (unknown names are refused before anything is read), then read as
client ids in a stable order (name, id), a page at a time for chat. What a bulk action would do
is a :class:`Preview` (count per router, who is left alone and why): the CLI prints it without
``--yes``, the chat repeats it on the confirmation.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, select

from antena.core import words
from antena.core.billing.overdue import is_overdue
from antena.core.clients.lifecycle import _refusal, live_services, load_clients
from antena.core.db.billing_models import Invoice, InvoiceStatus
from antena.core.db.models import Client, ClientStatus, Plan, Router, Service, Zone
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotFound
from antena.core.i18n import N_, _, ngettext
from antena.core.text import fold

CHUNK = 500  # ids per IN (...) list, well under every driver's parameter limit
MAX_NAME = 80
STATUS_CODES = {ClientStatus.ACTIVE: "a", ClientStatus.SUSPENDED: "s", ClientStatus.FREE: "f",
                ClientStatus.CANCELLED: "c"}  # fmt: skip
BY_CODE = {code: status for status, code in STATUS_CODES.items()}


class BulkAction(StrEnum):
    SUSPEND = "suspend"
    ACTIVATE = "activate"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Filters:
    """What staff typed: names and words, not yet checked."""

    zone: str | None = None
    router: str | None = None
    plan: str | None = None
    status: str | None = None
    owing: bool = False

    @property
    def given(self) -> bool:
        return bool(self.zone or self.router or self.plan or self.status or self.owing)


@dataclass(frozen=True)
class Criteria:
    """A checked selection: ids of what the names meant (and the names, to show them)."""

    zone: tuple[int, str] | None = None
    router: tuple[int, str] | None = None
    plan: tuple[int, str] | None = None
    status: ClientStatus | None = None
    owing: bool = False

    def where(self, today: Any) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if self.zone is not None:
            conds.append(Client.zone_id == self.zone[0])
        if self.router is not None:
            conds.append(Client.id.in_(select(Service.client_id).where(Service.router_id == self.router[0])))
        if self.plan is not None:
            conds.append(Client.id.in_(select(Service.client_id).where(Service.plan_id == self.plan[0])))
        if self.status is not None:
            conds.append(Client.status == self.status)
        if self.owing:
            conds.append(Client.id.in_(select(Invoice.client_id).where(is_overdue(today))))
        return conds

    def describe(self) -> str:
        """ "zone Norte, suspended, owing": the selection in words, to say it matched nobody."""
        from antena.core.clients.resolve import status_label

        parts = []
        if self.zone is not None:
            parts.append(_("zone {name}").format(name=self.zone[1]))
        if self.router is not None:
            parts.append(_("router {name}").format(name=self.router[1]))
        if self.plan is not None:
            parts.append(_("plan {name}").format(name=self.plan[1]))
        if self.status is not None:
            parts.append(status_label(self.status))
        if self.owing:
            parts.append(_("owing an overdue invoice"))
        return ", ".join(parts) or _("every client")


def parse_status(value: str | None) -> ClientStatus | None:
    """active/activo, suspended/suspendido, free/gratis, cancelled/cancelado; empty means any."""
    return words.parse_status(value)


async def _named(uow: UnitOfWork, model: Any, value: str, unknown: str) -> tuple[int, str]:
    text = (value or "").strip()
    if len(text) > MAX_NAME:
        raise InvalidInput(_("That name is too long (at most {n} characters)").format(n=MAX_NAME))
    rows = (await uow.session.execute(select(model.id, model.name))).all()
    for row_id, name in rows:
        if fold(name) == fold(text):
            return int(row_id), str(name)
    raise NotFound(_(unknown).format(name=text))


async def resolve(uow: UnitOfWork, filters: Filters) -> Criteria:
    """Check every filter; an unknown zone, router, plan or status is refused by name."""
    status = parse_status(filters.status)
    zone = router = plan = None
    if filters.zone:
        zone = await _named(uow, Zone, filters.zone, N_("Unknown zone: {name}"))
    if filters.router:
        router = await _named(uow, Router, filters.router, N_("Unknown router: {name}"))
    if filters.plan:
        plan = await _named(uow, Plan, filters.plan, N_("Unknown plan: {name}"))
    return Criteria(zone=zone, router=router, plan=plan, status=status, owing=filters.owing)


async def criteria_from_ids(uow: UnitOfWork, zone_id: int, status_code: str, owing: bool) -> Criteria:
    """The selection a chat button carries (zone id, status code, owing) made whole again."""
    zone = None
    if zone_id:
        found = await uow.session.get(Zone, zone_id)
        if found is None:
            raise NotFound(_("Unknown zone: {name}").format(name=f"#{zone_id}"))
        zone = (found.id, found.name)
    if status_code and status_code not in BY_CODE:
        raise InvalidInput(_("Unknown status {value}: use active, suspended, free or cancelled").format(
            value=status_code))  # fmt: skip
    return Criteria(zone=zone, status=BY_CODE.get(status_code), owing=owing)


async def selected_ids(
    uow: UnitOfWork, criteria: Criteria, *, among: Sequence[int] | None = None,
    offset: int = 0, limit: int | None = None,
) -> list[int]:  # fmt: skip
    """The ids of the clients the criteria select, by name then id (``among``: only these)."""
    today = uow.app.clock.today()
    stmt = select(Client.id).where(*criteria.where(today)).order_by(Client.search_name, Client.id)
    if among is not None:
        wanted = set(among)
        ids = [cid for cid in (await uow.session.execute(stmt)).scalars() if cid in wanted]
        return ids[offset : None if limit is None else offset + limit]
    stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list((await uow.session.execute(stmt)).scalars())


async def count(uow: UnitOfWork, criteria: Criteria) -> int:
    today = uow.app.clock.today()
    stmt = select(func.count()).select_from(Client).where(*criteria.where(today))
    return int((await uow.session.execute(stmt)).scalar_one())


@dataclass(frozen=True)
class Row:
    """One client of a listing: where it is, its status and what it owes (pending invoices)."""

    id: int
    name: str
    zone: str
    router: str | None
    plan: str | None
    ip: str | None
    status: ClientStatus
    phone: str | None
    owed: Decimal


async def rows(uow: UnitOfWork, ids: Sequence[int]) -> list[Row]:
    """The listing rows of these clients, in the order given; a live service is shown first."""
    found: dict[int, Row] = {}
    s = uow.session
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        owed = {
            cid: Decimal(str(v or 0)).quantize(Decimal("0.01"))
            for cid, v in await s.execute(
                select(Invoice.client_id, func.sum(Invoice.total - Invoice.paid_amount))
                .where(Invoice.client_id.in_(chunk), Invoice.status == InvoiceStatus.PENDING)
                .group_by(Invoice.client_id)
            )
        }
        result = await s.execute(
            select(Client.id, Client.name, Client.status, Client.phone, Zone.name, Router.name, Plan.name,
                   Service.ip)
            .join(Zone, Zone.id == Client.zone_id)
            .outerjoin(Service, Service.client_id == Client.id)
            .outerjoin(Router, Router.id == Service.router_id)
            .outerjoin(Plan, Plan.id == Service.plan_id)
            .where(Client.id.in_(chunk))
            .order_by(Client.id, Service.cancelled, Service.id)
        )  # fmt: skip
        for cid, name, status, phone, zone, router, plan, ip in result:
            if cid not in found:
                found[cid] = Row(cid, name, zone, router, plan, ip, ClientStatus(status), phone,
                                 owed.get(cid, Decimal("0.00")))  # fmt: skip
    return [found[i] for i in ids if i in found]


@dataclass
class Preview:
    """What a bulk action would do: who changes (count per router) and who is left alone, why."""

    action: BulkAction
    ids: list[int] = field(default_factory=list)
    per_router: dict[str, int] = field(default_factory=dict)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, reason)

    @property
    def total(self) -> int:
        return len(self.ids)

    @property
    def digest(self) -> str:
        """A short fingerprint of who would change: a chat confirmation acts only on the same set."""
        return fingerprint(self.ids)


def fingerprint(ids: Sequence[int]) -> str:
    text = ",".join(str(i) for i in sorted(set(ids)))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


TARGETS = {BulkAction.SUSPEND: ClientStatus.SUSPENDED, BulkAction.ACTIVATE: ClientStatus.ACTIVE}


async def preview(uow: UnitOfWork, action: BulkAction, client_ids: Sequence[int]) -> Preview:
    """Who of these clients the action changes, counted per router, without changing anything."""
    out = Preview(action)
    counts: Counter[str] = Counter()
    ids = list(dict.fromkeys(client_ids))
    for start in range(0, len(ids), CHUNK):
        for client in await load_clients(uow.session, ids[start : start + CHUNK]):
            if action is BulkAction.CANCEL:
                reason = _("already cancelled") if client.status is ClientStatus.CANCELLED else None
            elif action is BulkAction.ACTIVATE and client.status is ClientStatus.FREE:
                reason = _("free")  # activating by name is how a free client becomes a paying one
            else:
                reason = _refusal(client, TARGETS[action])
            if reason is not None:
                out.skipped.append((client.id, client.name, reason))
                continue
            out.ids.append(client.id)
            services = live_services(client)
            for service in services:
                counts[service.router.name] += 1
            if not services:
                counts[_("without service")] += 1
    out.per_router = dict(sorted(counts.items()))
    return out


def headline(action: BulkAction, n: int, routers: str) -> str:
    """ "This suspends 57 clients: RB-Centro 40, RB-Norte 17" (the plural form Babel says)."""
    if action is BulkAction.SUSPEND:
        text = ngettext("This suspends {n} client: {routers}", "This suspends {n} clients: {routers}", n)
    elif action is BulkAction.ACTIVATE:
        text = ngettext("This activates {n} client: {routers}", "This activates {n} clients: {routers}", n)
    else:
        text = ngettext("This cancels {n} client: {routers}", "This cancels {n} clients: {routers}", n)
    return text.format(n=n, routers=routers)


def preview_lines(p: Preview) -> list[str]:
    """The headline, then who is left alone and why."""
    routers = ", ".join(f"{name} {n}" for name, n in p.per_router.items()) or "-"
    lines = [headline(p.action, p.total, routers)]
    if p.total == 0:
        lines = [_("Nobody to change: every selected client is already in that state.")]
    if p.skipped:
        reasons = Counter(reason for _id, _name, reason in p.skipped)
        detail = ", ".join(f"{reason}: {n}" for reason, n in sorted(reasons.items()))
        n = len(p.skipped)
        text = ngettext("{n} client left as it is ({reasons})", "{n} clients left as they are ({reasons})", n)
        lines.append(text.format(n=n, reasons=detail))
    return lines


def nobody(criteria: Criteria) -> str:
    return _("No client matches this selection ({what}).").format(what=criteria.describe())
