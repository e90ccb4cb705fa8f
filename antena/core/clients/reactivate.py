"""A cancelled client comes back: its service on the router again (same or new IP and plan,
checked as when a client is added), status active, and its billing starts over from today."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor, record
from antena.core.clients import records
from antena.core.clients.edits import _as_data, _types_served
from antena.core.clients.lifecycle import _action, deliver_after_commit, load_clients, set_status
from antena.core.clients.outcome import ActionReport, ClientAction
from antena.core.clients.records import CleanClient, Lookups
from antena.core.clients.resolve import status_label
from antena.core.clients.specs import op, service_spec
from antena.core.db.models import Client, ClientStatus, Service
from antena.core.db.router_tasks import RouterTask
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed
from antena.core.i18n import _
from antena.core.routeros.ops import OpKind, RouterOp, ServiceSpec
from antena.core.routeros.outbox import enqueue, hand_off


async def reactivate(
    uow: UnitOfWork, actor: Actor, client_id: int, *, ip: str | None = None, plan: str | None = None
) -> ActionReport:
    """Bring a cancelled client back as one business event; its router tasks are tried after the
    commit. Its ``installed_on`` becomes today, so its next invoice is a prorated first one."""
    app = uow.app
    session = uow.session
    hand_off(uow)
    (client,) = await load_clients(session, [client_id])
    if client.status is not ClientStatus.CANCELLED:
        raise NotAllowed(
            _("{name} is not cancelled ({status}): only a cancelled client can be reactivated").format(
                name=client.name, status=status_label(client.status)
            )
        )
    if not client.services:
        raise NotAllowed(_("{name} has no service to bring back: add it again").format(name=client.name))
    service = client.services[0]
    released = service.cancelled  # cancelled with --ip release: gone from the router, IP mapped away
    if released and service.ip and not (ip or "").strip():
        raise InvalidInput(
            _("The IP of {name} was released when it was cancelled ({ip}): give one with --ip").format(
                name=client.name, ip=service.ip
            )
        )
    clean = await _checked(uow, client, service, ip, plan)
    old = service_spec(client, service)
    now = app.clock.now()
    set_status(session, client, ClientStatus.ACTIVE, now, actor, reason="reactivate")
    records.apply_update(session, client, clean, now, actor.name)
    client.installed_on = app.clock.today()
    await uow.flush()
    service.plan = clean.plan
    service.router = clean.router
    action = _action(client)
    tasks = _provision(session, uow, client, service, actor, action, None if released else old)
    report = ActionReport(actions=[action])
    record(
        session,
        actor,
        "client.reactivate",
        target=f"{client.id} {client.name}",
        arguments={"ip": service.ip, "plan": clean.plan.name, "installed_on": client.installed_on,
                   "was": old.ip},
    )  # fmt: skip
    await uow.flush()
    deliver_after_commit(uow, report, {client.id: [t.id for t in tasks]})
    return report


async def _checked(
    uow: UnitOfWork, client: Client, service: Service, ip: str | None, plan: str | None
) -> CleanClient:
    """The client as it comes back, checked like a new one: the IP free on its router, the plan
    known and of a kind the router serves."""
    lookups = await Lookups.load(uow)
    data = _as_data(client, service)
    data.status = ClientStatus.ACTIVE.value
    if (ip or "").strip():
        data.ip = ip
    if (plan or "").strip():
        data.plan = plan
    clean = records.clean(data, lookups, region=uow.app.settings.default_region)
    served = await _types_served(uow.session, clean.router.id, exclude_client=client.id)
    if served and clean.plan.service_type not in served:
        raise InvalidInput(
            _("Router {router} serves {kinds} clients; plan {plan} is {type}").format(
                router=clean.router.name,
                kinds=", ".join(sorted(t.value for t in served)),
                plan=clean.plan.name,
                type=clean.plan.service_type.value,
            )
        )
    records.check_unique(clean, lookups, own_id=client.id)
    return clean


def _provision(
    session: AsyncSession,
    uow: UnitOfWork,
    client: Client,
    service: Service,
    actor: Actor,
    action: ClientAction,
    old: ServiceSpec | None,
) -> list[RouterTask]:
    """Take the old object off the router when it is still there and changed (IP or kind), lift
    a kept suspension, then create the service as it is now."""
    suspend_list = uow.app.settings.suspend_list
    new = service_spec(client, service)
    ops: list[RouterOp] = []
    if old is not None:
        if (old.ip, old.service_type, old.name) != (new.ip, new.service_type, new.name):
            ops.append(RouterOp(OpKind.REMOVE_SERVICE, old, suspend_list))
        ops.append(RouterOp(OpKind.ACTIVATE, old, suspend_list))
    ops.append(op(OpKind.UPSERT_SERVICE, client, service, suspend_list))
    ops.append(op(OpKind.ACTIVATE, client, service, suspend_list))
    tasks = []
    for router_op in ops:
        task = enqueue(session, service.router, router_op, actor)
        if task is None:
            action.api_disabled = True
        else:
            tasks.append(task)
    return tasks
