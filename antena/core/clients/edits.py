"""Adding, editing and moving clients: the record, the search index and the router, together."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.clients import records
from antena.core.clients.lifecycle import _action, deliver_after_commit, live_services, load_clients
from antena.core.clients.outcome import ActionReport, ClientAction
from antena.core.clients.records import ClientData, Lookups
from antena.core.clients.specs import op, service_spec
from antena.core.db.models import Client, ClientStatus, Plan, Service, ServiceType
from antena.core.db.router_tasks import RouterTask
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed
from antena.core.i18n import _, ngettext
from antena.core.notify import events as notify_events
from antena.core.routeros.ops import OpKind, RouterOp, ServiceSpec
from antena.core.routeros.outbox import enqueue, hand_off


async def add_client(
    uow: UnitOfWork, actor: Actor, data: ClientData, *, push: bool = True, welcome: bool = False
) -> tuple[Client, ActionReport]:
    """Store a new client with its service, (``push``) create the service on its router and
    (``welcome``) queue the welcome message and e-mail with the auto-login link."""
    app = uow.app
    now = app.clock.now()
    report = ActionReport()
    lookups = await Lookups.load(uow)
    clean = records.clean(data, lookups, region=app.settings.default_region)
    if clean.id is not None and clean.id in lookups.existing_ids:
        raise InvalidInput(_("A client with id {id} already exists").format(id=clean.id))
    records.check_unique(clean, lookups)
    client = records.new_client(clean, now, actor.name)
    uow.session.add(client)
    await uow.flush()
    await records.reindex_name(uow, client.id, client.name)
    action = _action(client)
    action.new_password = clean.service_password if clean.password_generated else None
    tasks = []
    if push and client.status is not ClientStatus.CANCELLED:
        hand_off(uow)
        tasks = _provision(uow.session, app, client, actor, action)
    report.actions.append(action)
    if welcome:
        await notify_events.welcome(uow.session, app, client)
    record(
        uow.session,
        actor,
        "client.add",
        target=f"{client.id} {client.name}",
        arguments={"push": push, "router": clean.router.name, "ip": clean.ip},
    )
    await uow.flush()
    pending = {client.id: [t.id for t in tasks]}
    deliver_after_commit(uow, report, pending)
    return client, report


def _provision(
    session: AsyncSession, app: App, client: Client, actor: Actor, action: ClientAction
) -> list[RouterTask]:
    """Create every live service on its router, suspended ones straight into the suspend list."""
    tasks = []
    suspend_list = app.settings.suspend_list
    for service in live_services(client):
        kinds = [OpKind.UPSERT_SERVICE]
        if client.status is ClientStatus.SUSPENDED:
            kinds.append(OpKind.SUSPEND)
        for kind in kinds:
            task = enqueue(session, service.router, op(kind, client, service, suspend_list), actor)
            if task is None:
                action.api_disabled = True
            else:
                tasks.append(task)
    return tasks


async def push_clients(uow: UnitOfWork, actor: Actor, client_ids: list[int]) -> ActionReport:
    """Create (or bring up to date) these clients' services on their routers: queued in the
    caller's transaction, tried after its commit (what fails stays queued)."""
    app, session = uow.app, uow.session
    hand_off(uow)
    report = ActionReport()
    planned = []
    for client in await load_clients(session, client_ids):
        if client.status is ClientStatus.CANCELLED:
            continue
        action = _action(client)
        planned.append((client.id, _provision(session, app, client, actor, action)))
        report.actions.append(action)
    record(
        session,
        actor,
        "clients.push",
        target=ngettext("{n} client", "{n} clients", len(report.actions)).format(n=len(report.actions)),
        arguments={"clients": len(report.actions)},
    )
    await session.flush()
    deliver_after_commit(uow, report, {cid: [t.id for t in tasks] for cid, tasks in planned})
    return report


@dataclass
class ClientChanges:
    """Fields to change; ``None`` leaves a field as it is, "" clears an optional one."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    notes: str | None = None
    plan: str | None = None
    ip: str | None = None
    service_user: str | None = None
    service_password: str | None = None
    local_address: str | None = None
    mac: str | None = None

    def given(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


ROUTER_FIELDS = {"name", "plan", "ip", "service_user", "service_password", "local_address", "mac"}


async def edit_client(uow: UnitOfWork, actor: Actor, client_id: int, changes: ClientChanges) -> ActionReport:
    """Change a client; what the router must know (rename, plan, IP, password) is sent to it."""
    app = uow.app
    given = changes.given()
    if not given:
        raise InvalidInput(_("Nothing to change"))
    hand_off(uow)
    report = ActionReport()
    pending: dict[int, list[int]] = {}
    now = app.clock.now()
    (client,) = await load_clients(uow.session, [client_id])
    if client.status is ClientStatus.CANCELLED and ROUTER_FIELDS & given.keys() - {"name"}:
        raise NotAllowed(_("{name} is cancelled: its service cannot be changed").format(name=client.name))
    service = client.services[0] if client.services else None
    if service is None and ROUTER_FIELDS & given.keys() - {"name"}:
        raise NotAllowed(_("{name} has no service to change").format(name=client.name))
    lookups = await Lookups.load(uow)
    data = _as_data(client, service)
    for key, value in given.items():
        setattr(data, key, value)
    clean = records.clean(data, lookups, region=app.settings.default_region)
    records.check_unique(clean, lookups, own_id=client.id)
    old_spec = service_spec(client, service) if service else None
    old_type = service.plan.service_type if service else None
    records.apply_update(uow.session, client, clean, now, actor.name)
    await uow.flush()
    if "name" in given:
        await records.reindex_name(uow, client.id, client.name)
    action = _action(client)
    action.new_password = clean.service_password if clean.password_generated else None
    tasks = []
    if service is not None and not service.cancelled:
        plan = await uow.session.get(Plan, service.plan_id)
        service.plan = plan  # type: ignore[assignment]
        new_spec = service_spec(client, service)
        if old_spec != new_spec:
            tasks = _resync(
                uow.session,
                app,
                client,
                service,
                actor,
                action,
                type_changed=old_type is not (plan.service_type if plan else None),
                old=old_spec,
            )
    report.actions.append(action)
    record(
        uow.session,
        actor,
        "client.edit",
        target=f"{client.id} {client.name}",
        arguments={k: ("***" if k == "service_password" else v) for k, v in given.items()},
    )
    await uow.flush()
    pending[client.id] = [t.id for t in tasks]
    deliver_after_commit(uow, report, pending)
    return report


def _resync(
    session: AsyncSession,
    app: App,
    client: Client,
    service: Service,
    actor: Actor,
    action: ClientAction,
    *,
    type_changed: bool,
    old: ServiceSpec | None,
) -> list[RouterTask]:
    """Send the new service: a new type removes the old object; a suspended IP's list entry moves."""

    suspend_list = app.settings.suspend_list
    ops = []
    if type_changed and old is not None:
        ops.append(RouterOp(OpKind.REMOVE_SERVICE, old, suspend_list))
    if client.status is ClientStatus.SUSPENDED and old is not None and old.ip != service.ip:
        ops.append(RouterOp(OpKind.ACTIVATE, old, suspend_list))
    ops.append(op(OpKind.UPSERT_SERVICE, client, service, suspend_list))
    if client.status is ClientStatus.SUSPENDED:
        ops.append(op(OpKind.SUSPEND, client, service, suspend_list))
    tasks = []
    for router_op in ops:
        task = enqueue(session, service.router, router_op, actor)
        if task is None:
            action.api_disabled = True
        else:
            tasks.append(task)
    return tasks


def _as_data(client: Client, service: Service | None) -> ClientData:
    return ClientData(
        id=client.id,
        name=client.name,
        zone=client.zone.name,
        router=service.router.name if service else None,
        plan=service.plan.name if service else None,
        ip=service.ip if service else None,
        phone=client.phone,
        phone_alt=client.phone_alt,
        email=client.email,
        address=client.address,
        notes=client.notes,
        service_user=service.service_user if service else None,
        service_password=service.service_password if service else None,
        local_address=service.local_address if service else None,
        mac=service.mac if service else None,
        interface=service.interface if service else None,
        status=client.status.value,
    )


async def migrate(
    uow: UnitOfWork,
    actor: Actor,
    client_id: int,
    *,
    zone: str,
    router: str,
    plan: str | None = None,
    ip: str | None = None,
    remove_old: bool = True,
) -> ActionReport:
    """Move a client to another zone/router: create it on the new router, remove it from the old
    one when asked (the manual leaves it there otherwise), keep its suspension."""
    app = uow.app
    hand_off(uow)
    report = ActionReport()
    pending: dict[int, list[int]] = {}
    now = app.clock.now()
    suspend_list = app.settings.suspend_list
    (client,) = await load_clients(uow.session, [client_id])
    if client.status is ClientStatus.CANCELLED:
        raise NotAllowed(_("{name} is cancelled: it cannot be migrated").format(name=client.name))
    service = live_services(client)[0] if live_services(client) else None
    if service is None:
        raise NotAllowed(_("{name} has no service to change").format(name=client.name))
    lookups = await Lookups.load(uow)
    data = _as_data(client, service)
    data.zone, data.router = zone, router
    if plan:
        data.plan = plan
    if ip:
        data.ip = ip
    clean = records.clean(data, lookups, region=app.settings.default_region)
    served = await _types_served(uow.session, clean.router.id, exclude_client=client.id)
    if served and clean.plan.service_type not in served:
        kinds = ", ".join(sorted(t.value for t in served))
        if plan:
            raise InvalidInput(
                _("Router {router} serves {kinds} clients; plan {plan} is {type}").format(
                    router=clean.router.name,
                    kinds=kinds,
                    plan=clean.plan.name,
                    type=clean.plan.service_type.value,
                )
            )
        raise InvalidInput(
            _("Router {router} serves {kinds} clients: give a compatible plan with --plan").format(
                router=clean.router.name, kinds=kinds
            )
        )
    records.check_unique(clean, lookups, own_id=client.id)
    old_router = service.router
    old_spec = service_spec(client, service)
    records.apply_update(uow.session, client, clean, now, actor.name)
    await uow.flush()
    service.router = clean.router
    service.plan = clean.plan
    action = _action(client)
    action.new_password = clean.service_password if clean.password_generated else None
    tasks = []
    if remove_old and old_router.id != clean.router.id:
        for kind in (OpKind.REMOVE_SERVICE, OpKind.ACTIVATE):
            task = enqueue(uow.session, old_router, RouterOp(kind, old_spec, suspend_list), actor)
            if task is not None:
                tasks.append(task)
    tasks += _resync(
        uow.session,
        app,
        client,
        service,
        actor,
        action,
        type_changed=old_router.id == clean.router.id
        and old_spec.service_type != clean.plan.service_type.value,
        old=old_spec if old_router.id == clean.router.id else None,
    )
    report.actions.append(action)
    record(
        uow.session,
        actor,
        "client.migrate",
        target=f"{client.id} {client.name}",
        arguments={
            "from": old_router.name,
            "to": clean.router.name,
            "zone": clean.zone.name,
            "plan": clean.plan.name,
            "remove_old": remove_old,
        },
    )
    await uow.flush()
    pending[client.id] = [t.id for t in tasks]
    deliver_after_commit(uow, report, pending)
    return report


async def _types_served(session: AsyncSession, router_id: int, *, exclude_client: int) -> set[ServiceType]:
    rows = await session.execute(
        select(Plan.service_type)
        .join(Service, Service.plan_id == Plan.id)
        .where(
            Service.router_id == router_id, Service.cancelled.is_(False), Service.client_id != exclude_client
        )
        .distinct()
    )
    return set(rows.scalars())
