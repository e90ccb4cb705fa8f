"""Zones and plans after the fact: list, edit, remove. A plan's speed lives on every router (its
profile or PCQ queues, see ``routeros.plans``), so adding or editing a plan queues router tasks in
the same transaction; ``deliver`` tries them once the entry point has committed."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from antena.core import network, validate
from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.clients.lifecycle import load_clients
from antena.core.clients.specs import op, plan_spec
from antena.core.db.models import Client, Plan, Router, Service, ServiceType, Zone
from antena.core.db.uow import UnitOfWork
from antena.core.errors import AlreadyExists, InvalidInput, NotAllowed
from antena.core.i18n import N_, _, ngettext
from antena.core.routeros.ops import OpKind, RouterOp
from antena.core.routeros.outbox import Delivery, deliver_now, enqueue, hand_off
from antena.core.routeros.plans import plan_objects
from antena.core.text import fold

DAYS = ("issue_day", "notice_day", "pay_day", "cutoff_day")
DAY_LABELS = {
    "issue_day": N_("Issue day"),
    "notice_day": N_("Notice day"),
    "pay_day": N_("Pay day"),
    "cutoff_day": N_("Cut-off day"),
}


@dataclass(frozen=True)
class ZoneRow:
    zone: Zone
    routers: int
    clients: int


@dataclass(frozen=True)
class PlanRow:
    plan: Plan
    clients: int


@dataclass
class PlanResult:
    """A plan added or edited: what changed and the router tasks that carry it."""

    plan: Plan
    changed: list[str] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)
    services: int = 0  # clients' queues or PCQ entries rewritten for a new speed or list name
    deliveries: list[Delivery] = field(default_factory=list)
    owner: str | None = None  # the hand-off its tasks were committed with (``deliver``)


async def _count(uow: UnitOfWork, column: object, *where: object) -> int:
    return int(await uow.session.scalar(select(func.count(func.distinct(column))).where(*where)) or 0)  # type: ignore[arg-type]


async def _name_taken(uow: UnitOfWork, model: type[Zone] | type[Plan], name: str, own_id: int) -> str | None:
    """The name of another zone or plan called ``name`` (ignoring case and accents), if any."""
    wanted = fold(name)
    rows = [r for r in (await uow.session.execute(select(model))).scalars() if isinstance(r, Zone | Plan)]
    return next((row.name for row in rows if fold(row.name) == wanted and row.id != own_id), None)


# -- zones ------------------------------------------------------------------------------------


async def list_zones(uow: UnitOfWork) -> list[ZoneRow]:
    out = []
    for zone in await network.list_zones(uow):
        routers = await _count(uow, Router.id, Router.zone_id == zone.id)
        clients = await _count(uow, Client.id, Client.zone_id == zone.id)
        out.append(ZoneRow(zone, routers, clients))
    return out


async def edit_zone(uow: UnitOfWork, actor: Actor, zone_name: str, **changes: str | None) -> Zone:
    """Rename a zone or change its calendar days (the next run of the calendar uses them)."""
    zone = await network.find_zone(uow, zone_name)
    given = {key: value for key, value in changes.items() if value is not None}
    if not given:
        raise InvalidInput(_("Nothing to change"))
    new: dict[str, object] = {}
    if "name" in given:
        new["name"] = validate.required(given["name"], _("Zone name"), max_len=80)
        if taken := await _name_taken(uow, Zone, str(new["name"]), zone.id):
            raise AlreadyExists(_("A zone named {name} already exists").format(name=taken))
    for day in DAYS:
        if day in given:
            new[day] = validate.day_of_month(given[day], _(DAY_LABELS[day]))
    was = zone.name
    changed = {key: value for key, value in new.items() if getattr(zone, key) != value}
    for key, value in changed.items():
        setattr(zone, key, value)
    record(uow.session, actor, "zone.edit", target=was, arguments=changed)
    return zone


async def remove_zone(uow: UnitOfWork, actor: Actor, zone_name: str) -> str:
    zone = await network.find_zone(uow, zone_name)
    routers = await _count(uow, Router.id, Router.zone_id == zone.id)
    clients = await _count(uow, Client.id, Client.zone_id == zone.id)
    if routers or clients:
        parts = []
        if routers:
            parts.append(ngettext("{n} router", "{n} routers", routers).format(n=routers))
        if clients:
            parts.append(ngettext("{n} client", "{n} clients", clients).format(n=clients))
        raise NotAllowed(
            _("{name} has {things}: move or remove them first").format(
                name=zone.name, things=_(" and ").join(parts)
            )
        )
    await uow.session.delete(zone)
    record(uow.session, actor, "zone.remove", target=zone.name)
    return zone.name


# -- plans ------------------------------------------------------------------------------------


async def list_plans(uow: UnitOfWork) -> list[PlanRow]:
    rows = await uow.session.execute(
        select(Service.plan_id, func.count(func.distinct(Service.client_id)))
        .where(Service.cancelled.is_(False))
        .group_by(Service.plan_id)
    )
    counts = {plan_id: n for plan_id, n in rows.all()}
    return [PlanRow(plan, counts.get(plan.id, 0)) for plan in await network.list_plans(uow)]


async def _routers(uow: UnitOfWork) -> list[Router]:
    return [r for r in await network.list_routers(uow) if r.api_enabled]


async def publish_plan(
    uow: UnitOfWork, actor: Actor, plan_id: int, kind: OpKind = OpKind.UPSERT_PLAN
) -> list[int]:
    """Queue the plan's objects (or their removal) on every router with its API on."""
    plan = await uow.session.get(Plan, plan_id)
    assert plan is not None
    spec = plan_spec(plan)
    if not plan_objects(spec):  # a Simple Queue plan lives in its clients' queues only
        return []
    router_op = RouterOp.for_plan(kind, spec)
    tasks = [enqueue(uow.session, router, router_op, actor) for router in await _routers(uow)]
    await uow.flush()
    return [t.id for t in tasks if t is not None]


async def add_plan(app: App, actor: Actor, **values: str) -> PlanResult:
    """``plan add``: store the plan, then put it on every router."""
    async with app.uow() as uow:
        plan = await network.add_plan(uow, actor, **values)  # commits the plan itself
        owner = hand_off(uow)
        ids = await publish_plan(uow, actor, plan.id)
        await uow.commit()
    return PlanResult(plan, task_ids=ids, deliveries=await deliver_now(app, ids, owner=owner))


async def edit_plan(uow: UnitOfWork, actor: Actor, plan_name: str, **changes: str | None) -> PlanResult:
    """Rename a plan or change its price or speed; the routers of every zone get the new speed."""
    plan = await network.find_plan(uow, plan_name)
    given = {key: value for key, value in changes.items() if value is not None}
    if not given:
        raise InvalidInput(_("Nothing to change"))
    new: dict[str, object] = {}
    if "name" in given:
        new["name"] = validate.required(given["name"], _("Plan name"), max_len=80)
        if taken := await _name_taken(uow, Plan, str(new["name"]), plan.id):
            raise AlreadyExists(_("A plan named {name} already exists").format(name=taken))
    if "price" in given:
        new["price"] = validate.money(given["price"], what=_("Price"))
    if "download" in given:
        new["download"] = validate.rate(str(given["download"]), _("Download rate"))
    if "upload" in given:
        new["upload"] = validate.rate(str(given["upload"]), _("Upload rate"))
    was, old_profile, old_rate = plan.name, plan.router_profile, plan.rate_limit
    changed = {key: value for key, value in new.items() if getattr(plan, key) != value}
    for key, value in changed.items():
        setattr(plan, key, value)
    result = PlanResult(plan, changed=list(changed), owner=hand_off(uow))
    record(uow.session, actor, "plan.edit", target=was, arguments={k: str(v) for k, v in changed.items()})
    if plan.router_profile == old_profile and plan.rate_limit == old_rate:
        return result  # price only: nothing on the routers changes
    result.task_ids = await publish_plan(uow, actor, plan.id)
    # A Simple Queue client's queue carries the speed; a PCQ client's list entry the list name.
    resync = plan.service_type is ServiceType.SIMPLE_QUEUE or (
        plan.service_type is ServiceType.PCQ and plan.router_profile != old_profile
    )
    if resync:
        client_ids = list(
            (await uow.session.execute(
                select(Service.client_id).where(Service.plan_id == plan.id, Service.cancelled.is_(False))
            )).scalars()
        )  # fmt: skip
        suspend_list = uow.app.settings.suspend_list
        for client in await load_clients(uow.session, client_ids):
            for service in client.services:
                if service.plan_id != plan.id or service.cancelled:
                    continue
                task = enqueue(
                    uow.session,
                    service.router,
                    op(OpKind.UPSERT_SERVICE, client, service, suspend_list),
                    actor,
                )
                result.services += 1
                if task is not None:
                    await uow.flush()
                    result.task_ids.append(task.id)
    return result


async def remove_plan(uow: UnitOfWork, actor: Actor, plan_name: str) -> tuple[list[int], str]:
    """Delete a plan no service uses, and its objects from every router: the tasks and the
    hand-off they were committed with (``deliver``)."""
    plan = await network.find_plan(uow, plan_name)
    clients = await _count(uow, Service.client_id, Service.plan_id == plan.id)
    if clients:
        raise NotAllowed(
            ngettext(
                "{name} has {n} client: move it to another plan first",
                "{name} has {n} clients: move them to another plan first",
                clients,
            ).format(name=plan.name, n=clients)
        )
    owner = hand_off(uow)
    ids = await publish_plan(uow, actor, plan.id, OpKind.REMOVE_PLAN)
    await uow.session.delete(plan)
    record(uow.session, actor, "plan.remove", target=plan.name)
    return ids, owner


async def deliver(app: App, task_ids: list[int], owner: str | None = None) -> list[Delivery]:
    """After the commit: try the plan's router tasks at once (what fails stays queued)."""
    return await deliver_now(app, task_ids, owner=owner)


__all__ = [
    "PlanResult", "PlanRow", "ZoneRow", "add_plan", "deliver", "edit_plan", "edit_zone",
    "list_plans", "list_zones", "publish_plan", "remove_plan", "remove_zone",
]  # fmt: skip
